// Drag and drop on the breakout board (SortableJS). Each card's "move to" form does the same
// without a mouse; a drop only posts that form with the new group, then the page reloads so
// sizes, mix bars and figures come from the server.
document.addEventListener("DOMContentLoaded", function () {
  var board = document.querySelector("[data-board]");
  if (!board || typeof Sortable === "undefined") {
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
        var form = event.item.querySelector("form[data-move]");
        var data = new FormData(form);
        data.set("group_id", event.to.dataset.groupId || "");
        fetch(form.action, {
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
