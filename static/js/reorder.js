// Drag and drop to reorder a list, shared by the editors whose "up"/"down" buttons do the same
// without a mouse. The page's own script decides what a drop means (it fills and submits a
// form), so the server stays in charge of the order.
//   makeReorderable(list, itemSelector, handleSelector, onDrop)
// `handleSelector` names the part of an item that starts a drag (null: the whole item);
// `onDrop(dragged, index)` gets the dragged item and the index of the item it was dropped on.
window.makeReorderable = function (list, itemSelector, handleSelector, onDrop) {
  var dragged = null;
  var items = function () {
    return Array.prototype.slice.call(list.querySelectorAll(itemSelector));
  };
  items().forEach(function (item) {
    var handle = handleSelector ? item.querySelector(handleSelector) : item;
    if (handle) {
      handle.setAttribute("draggable", "true");
      handle.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        if (handle !== item) {
          event.dataTransfer.setDragImage(item, 16, 16);
        }
        event.dataTransfer.setData("text/plain", String(items().indexOf(item)));
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
      if (dragged && dragged !== item) {
        onDrop(dragged, items().indexOf(item));
      }
    });
  });
};
