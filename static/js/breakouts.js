// Drag and drop on the breakout board (SortableJS), and the one shared "move to" control.
// Each card has a "Verschieben …" link; without script it opens the board with the control in
// that card, with script the control is cloned from the page's <template> into the card and
// focused. A drop posts the same move (the card's data-move-url, the template's CSRF token)
// with the new group, then the page reloads so sizes, mix bars and figures come from the server.
document.addEventListener("DOMContentLoaded", function () {
  var board = document.querySelector("[data-board]");
  var template = document.getElementById("move-template");
  if (!board || !template || !template.content) {
    return;
  }
  var csrf = template.content.querySelector("input[name=csrf_token]").value;

  function closeOpen(except) {
    Array.prototype.forEach.call(board.querySelectorAll(".board-card form[data-move]"),
      function (form) {
        var card = form.closest(".board-card");
        if (card === except) {
          return;
        }
        var link = card.querySelector("[data-move-open]");
        form.parentNode.removeChild(form);
        if (link) {
          link.parentNode.hidden = false;
        }
      });
  }

  board.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-move-open]") : null;
    if (!link) {
      return;
    }
    event.preventDefault();
    var card = link.closest(".board-card");
    closeOpen(card);
    var form = template.content.querySelector("form").cloneNode(true);
    var key = card.dataset.registrationId;
    form.action = card.dataset.moveUrl;
    form.querySelector("label").htmlFor = "move-" + key;
    var select = form.querySelector("select");
    select.id = "move-" + key;
    select.value = card.dataset.group || "";
    Array.prototype.forEach.call(form.querySelectorAll("[data-move-name]"), function (span) {
      span.textContent = card.dataset.name;
    });
    link.parentNode.hidden = true;
    link.parentNode.parentNode.insertBefore(form, link.parentNode.nextSibling);
    select.focus();
  });

  if (typeof Sortable === "undefined") {
    return;
  }
  var status = document.getElementById("board-status");
  var busy = false;
  Array.prototype.forEach.call(board.querySelectorAll("[data-group-list]"), function (list) {
    Sortable.create(list, {
      group: "breakouts",
      draggable: ".board-card",
      animation: 150,
      forceFallback: true, // mouse and touch alike; no native drag image quirks
      filter: "select, button, input, label, summary, a",
      preventOnFilter: false,
      ghostClass: "is-drop-target",
      chosenClass: "is-dragging",
      onStart: function () { board.classList.add("is-sorting"); },
      onEnd: function (event) {
        board.classList.remove("is-sorting");
        if (event.from === event.to || busy) {
          return;
        }
        busy = true;
        var data = new FormData();
        data.set("csrf_token", csrf);
        data.set("group_id", event.to.dataset.groupId || "");
        fetch(event.item.dataset.moveUrl, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          window.location.reload();
        }).catch(function () {
          status.textContent = board.dataset.errorText;
          window.setTimeout(function () { window.location.reload(); }, 1500);
        });
      }
    });
  });
});
