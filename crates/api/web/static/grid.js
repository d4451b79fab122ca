// Progressive enhancement of the schedule grid: drag a meeting onto a cell to move it there
// (a swap when the cell is taken). It only fills in and submits the meeting's own move form,
// so the server applies the same checks as without scripts.
(function () {
  "use strict";
  var grid = document.getElementById("schedule-grid");
  if (!grid) { return; }
  grid.addEventListener("dragstart", function (event) {
    var meeting = event.target.closest ? event.target.closest("[data-meeting]") : null;
    if (meeting) { event.dataTransfer.setData("text/plain", meeting.getAttribute("data-meeting")); }
  });
  grid.addEventListener("dragover", function (event) {
    if (event.target.closest && event.target.closest("td[data-slot]")) { event.preventDefault(); }
  });
  grid.addEventListener("drop", function (event) {
    var cell = event.target.closest ? event.target.closest("td[data-slot]") : null;
    var id = event.dataTransfer.getData("text/plain");
    var form = document.getElementById("move-" + id);
    if (!cell || !form || !/^[0-9]+$/.test(id)) { return; }
    event.preventDefault();
    form.elements.slot.value = cell.getAttribute("data-slot");
    form.elements.table.value = cell.getAttribute("data-table");
    form.submit();
  });
}());
