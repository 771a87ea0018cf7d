// Drag and drop for the agenda editor. The up/down buttons do the same without a mouse;
// this only fills the hidden reorder form and submits it, so the server stays in charge.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-agenda-list]");
  var form = document.getElementById("reorder-form");
  if (!list || !form) {
    return;
  }
  var dragged = null;
  var items = function () {
    return Array.prototype.slice.call(list.querySelectorAll("[data-item-id]"));
  };
  items().forEach(function (item) {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.itemId);
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("is-dragging");
      items().forEach(function (other) { other.classList.remove("is-drop-target"); });
    });
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
      form.elements.item_id.value = dragged.dataset.itemId;
      form.elements.new_index.value = String(items().indexOf(item));
      form.submit();
    });
  });
});
