// Bylines in the order they read: drag a byline by its handle, or use its "Move up" and
// "Move down" buttons (keyboard and screen readers). The position boxes stay in the form and
// are numbered from the rows' order on every move and on submit; without JavaScript they are
// shown and typed in. No library: native drag and drop is enough for a short list.
(function () {
  "use strict";
  var GROUP = "bylines-group";
  var PREFIX = "bylines";

  function rows(group) {
    return Array.prototype.filter.call(
      group.querySelectorAll("tbody tr.form-row"),
      function (row) { return !row.classList.contains("empty-form"); }
    );
  }

  function authorName(row) {
    var select = row.querySelector("select[name$='-author']");
    var option = select && select.selectedOptions && select.selectedOptions[0];
    return option && option.value ? option.textContent.trim() : "this byline";
  }

  function renumber(group) {
    rows(group).forEach(function (row, index) {
      var position = row.querySelector("input[name$='-position']");
      if (position) position.value = index;
      row.querySelectorAll(".nr-move").forEach(function (button) {
        var up = button.dataset.direction === "up";
        button.setAttribute("aria-label", (up ? "Move " : "Move ") + authorName(row) + (up ? " up" : " down"));
      });
    });
  }

  // Removing a new row numbers every row's fields in page order again (admin/js/inlines.js),
  // but the formset reads its first INITIAL_FORMS rows as the saved bylines: a new byline
  // moved above a saved one would take that byline's number. Saved rows first, then new.
  function reindex(group) {
    var list = rows(group);
    var saved = list.filter(function (row) { return row.classList.contains("has_original"); });
    var fresh = list.filter(function (row) { return saved.indexOf(row) === -1; });
    var number = new RegExp("(" + PREFIX + "-(\\d+|__prefix__))");
    saved.concat(fresh).forEach(function (row, index) {
      var name = PREFIX + "-" + index;
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
        if (el.htmlFor) el.htmlFor = el.htmlFor.replace(number, name);
        if (el.id) el.id = el.id.replace(number, name);
        if (el.name) el.name = el.name.replace(number, name);
      });
    });
  }

  function announce(group, row) {
    var status = group.querySelector(".nr-order-status");
    var place = rows(group).indexOf(row) + 1;
    status.textContent = authorName(row) + " is now byline " + place + " of " + rows(group).length + ".";
  }

  function move(group, row, direction) {
    var list = rows(group);
    var index = list.indexOf(row);
    var target = list[index + (direction === "up" ? -1 : 1)];
    if (!target) return;
    if (direction === "up") target.before(row); else target.after(row);
    renumber(group);
    announce(group, row);
    var again = row.querySelector(".nr-move[data-direction='" + direction + "']");
    if (again) again.focus();
  }

  function button(direction, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "nr-move";
    b.dataset.direction = direction;
    b.textContent = text;
    return b;
  }

  function equip(group, row) {
    if (row.classList.contains("empty-form") || row.querySelector(".nr-order")) return;
    var cell = row.querySelector("td.original");
    if (!cell) return;
    var box = document.createElement("span");
    box.className = "nr-order";
    var handle = document.createElement("span");
    handle.className = "nr-drag";
    handle.setAttribute("aria-hidden", "true");
    handle.title = "Drag to reorder";
    handle.textContent = "⠿";
    box.append(handle, button("up", "↑"), button("down", "↓"));
    cell.prepend(box);
    handle.addEventListener("mousedown", function () { row.draggable = true; });
    row.addEventListener("dragstart", function (event) {
      row.classList.add("nr-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.id);
    });
    row.addEventListener("dragend", function () {
      row.draggable = false;
      row.classList.remove("nr-dragging");
      renumber(group);
      announce(group, row);
    });
  }

  function start() {
    var group = document.getElementById(GROUP);
    if (!group) return;
    group.classList.add("nr-ordered");
    var status = document.createElement("p");
    status.className = "nr-order-status visually-hidden";
    status.setAttribute("role", "status");
    group.prepend(status);
    var body = group.querySelector("tbody");
    rows(group).forEach(function (row) { equip(group, row); });
    renumber(group);
    group.addEventListener("click", function (event) {
      var target = event.target.closest(".nr-move");
      if (target) move(group, target.closest("tr"), target.dataset.direction);
    });
    body.addEventListener("dragover", function (event) {
      var dragged = body.querySelector(".nr-dragging");
      var over = event.target.closest("tr.form-row");
      if (!dragged || !over || over === dragged || over.classList.contains("empty-form")) return;
      event.preventDefault();
      var box = over.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) over.before(dragged); else over.after(dragged);
    });
    body.addEventListener("drop", function (event) { event.preventDefault(); });
    document.addEventListener("formset:added", function (event) {
      if (event.detail && event.detail.formsetName === "bylines") {
        equip(group, event.target);
        renumber(group);
      }
    });
    document.addEventListener("formset:removed", function (event) {
      if (!event.detail || event.detail.formsetName !== PREFIX) return;
      // After the admin's own numbering, which follows this event.
      window.queueMicrotask(function () { reindex(group); renumber(group); });
    });
    group.addEventListener("change", function () { renumber(group); });
    // The author picker (select2) announces a choice through jQuery, which native listeners
    // do not hear.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(group).on("change", "select", function () { renumber(group); });
    }
    var form = group.closest("form");
    if (form) form.addEventListener("submit", function () { renumber(group); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
