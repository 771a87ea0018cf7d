// Drag and drop for the learnings of the report editor (static/js/reorder.js). The "Nach
// oben"/"Nach unten" buttons do the same without a mouse. A drop writes "<id>:<index>" into the
// hidden drag_move field and submits the whole editor form, so the texts typed so far are saved
// with the new order.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-learning-list]");
  var form = document.getElementById("report-form");
  if (!list || !form || !form.elements.drag_move || !window.makeReorderable) {
    return;
  }
  window.makeReorderable(list, "[data-learning-id]", ".learning-list__handle",
    function (dragged, index) {
      form.elements.drag_move.value = dragged.dataset.learningId + ":" + String(index);
      form.submit();
    });
});
