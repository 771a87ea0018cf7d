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
