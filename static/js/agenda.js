// Drag and drop for the agenda editor (static/js/reorder.js). The up/down buttons do the same
// without a mouse; a drop only fills the hidden reorder form and submits it.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-agenda-list]");
  var form = document.getElementById("reorder-form");
  if (!list || !form || !window.makeReorderable) {
    return;
  }
  window.makeReorderable(list, "[data-item-id]", null, function (dragged, index) {
    form.elements.item_id.value = dragged.dataset.itemId;
    form.elements.new_index.value = String(index);
    form.submit();
  });
});
