// Drag and drop for the learnings of the report editor. The "Nach oben"/"Nach unten" buttons
// do the same without a mouse. A drop writes "<id>:<index>" into the hidden drag_move field and
// submits the whole editor form, so the texts typed so far are saved with the new order.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-learning-list]");
  var form = document.getElementById("report-form");
  if (!list || !form || !form.elements.drag_move) {
    return;
  }
  var dragged = null;
  var items = function () {
    return Array.prototype.slice.call(list.querySelectorAll("[data-learning-id]"));
  };
  items().forEach(function (item) {
    var handle = item.querySelector(".learning-list__handle");
    if (handle) {
      handle.setAttribute("draggable", "true");
      handle.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setDragImage(item, 16, 16);
        event.dataTransfer.setData("text/plain", item.dataset.learningId);
      });
      handle.addEventListener("dragend", function () {
        item.classList.remove("is-dragging");
        items().forEach(function (other) { other.classList.remove("is-drop-target"); });
      });
    }
    item.addEventListener("dragover", function (event) {
      if (dragged && dragged !== item) {
        event.preventDefault();
        item.classList.add("is-drop-target");
      }
    });
    item.addEventListener("dragleave", function () {
      item.classList.remove("is-drop-target");
    });
    item.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged || dragged === item) {
        return;
      }
      form.elements.drag_move.value = dragged.dataset.learningId + ":" + String(items().indexOf(item));
      form.submit();
    });
  });
});
