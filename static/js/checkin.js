// Check-in without reloading the page: a tap posts its form with fetch and the row, its
// button and the count change in place; focus stays on the button. Without JavaScript the
// same forms post and the server redirects back to the row.
document.addEventListener("DOMContentLoaded", function () {
  var count = document.getElementById("checkin-count");
  if (!count || !window.fetch || !window.FormData) {
    return;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-checkin-toggle")) {
      return;
    }
    event.preventDefault();
    if (form.getAttribute("data-busy") === "true") {
      return;
    }
    form.setAttribute("data-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("check-in failed: " + response.status);
      }
      return response.json();
    }).then(function (data) {
      form.removeAttribute("data-busy");
      if (data.moved) {
        window.location.reload();
        return;
      }
      var row = form.closest(".checkin-row");
      var button = form.querySelector("button[type=submit]");
      row.classList.toggle("checkin-row--present", data.attended);
      row.querySelector("[data-checkin-state]").textContent = data.state;
      form.querySelector("[data-checkin-label]").textContent = data.button;
      form.elements.attended.value = data.next_value;
      button.classList.toggle("kern-btn--primary", !data.attended);
      button.classList.toggle("kern-btn--secondary", data.attended);
      count.textContent = data.count;
    }).catch(function () {
      // Let the server answer as it does without JavaScript (the form's value is explicit,
      // so sending it again changes nothing twice).
      form.removeAttribute("data-busy");
      form.submit();
    });
  });
});

// Search as you type: the same GET the search form sends, a moment after the last key; the
// lists are swapped in place, the address follows, and the number found is announced. The
// form's button still works without script (and with it, as a plain submit).
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("checkin-q");
  var results = document.querySelector("[data-checkin-results]");
  var found = document.getElementById("checkin-found");
  if (!input || !results || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var form = input.form;
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var asked = ++latest;
      var q = input.value.trim();
      var url = form.action + (q ? "?" + new URLSearchParams({ q: q }).toString() : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("search failed: " + response.status);
          }
          return response.text();
        }).then(function (html) {
          if (asked !== latest) {
            return; // an older answer arriving after a newer one
          }
          var fresh = new DOMParser().parseFromString(html, "text/html")
            .querySelector("[data-checkin-results]");
          if (!fresh) {
            return;
          }
          results.innerHTML = fresh.innerHTML;
          window.history.replaceState(null, "", url);
          var summary = results.querySelector("[data-checkin-found]");
          found.textContent = summary ? summary.textContent : "";
        }).catch(function () {
          // Nothing lost: the search button sends the same query as a plain form.
        });
    }, 250);
  });
});
