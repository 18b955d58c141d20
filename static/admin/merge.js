/* The merge view's "Take theirs" / "Keep yours": puts that version in the form field (the
   body editor included), where it can still be edited before saving (articles/merging.py).
   Bylines: the server sends the Bylines box back with a row for every author of either side
   (the story's bylines by id, then yours it lacks); a side is shown by ticking Delete on the
   rows it does not have, hiding them, and putting its rows first in its order (the position
   boxes follow the rows' order: byline_order.js). */
(function () {
  "use strict";
  var editors = new Map();
  document.addEventListener("prose-editor:ready", function (event) {
    editors.set(event.detail.textarea, event.detail.editor);
  });

  function choose(name, take) {
    var choice = document.getElementById("nr-merge-choice-" + name);
    if (choice) choice.textContent = take === "theirs" ? "Theirs" : "Yours";
  }

  function setAuthor(select, id, name) {
    var value = String(id);
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
    if (!option) select.appendChild(option = new Option(name, value));
    if (select.value === value) return;
    select.value = value;
    if (window.django && window.django.jQuery) window.django.jQuery(select).trigger("change");
  }

  function setDeleted(row, prefix, deleted) {
    var box = row.querySelector("input[name='" + prefix + "-DELETE']");
    if (!box) {  // a new row has no Delete box: a hidden one does the same
      box = document.createElement("input");
      box.type = "hidden";
      box.name = prefix + "-DELETE";
      box.value = "on";
      (row.querySelector("td.original") || row.cells[0]).appendChild(box);
    }
    if (box.type === "checkbox") box.checked = deleted;
    else box.disabled = !deleted;
  }

  // The Bylines box's row of each author, found once: a row removed later renumbers the
  // others' names (admin/js/inlines.js), never the rows themselves.
  function bylineRows(forms) {
    var rows = {};
    Object.keys(forms).forEach(function (author) {
      var row = document.getElementById("bylines-" + forms[author]);
      if (row) rows[author] = row;
    });
    return rows;
  }

  function prefixOf(row) {
    var id = row.querySelector("input[name$='-id']");
    return id ? id.name.replace(/-id$/, "") : row.id;
  }

  // Show one side's bylines in the Bylines box: [[author, role, name, role name], ...].
  function showBylines(side, rows) {
    var group = document.getElementById("bylines-group");
    if (!group) return;
    var body = group.querySelector("tbody");
    var place = {};
    side.forEach(function (byline) { place[byline[0]] = byline; });
    var shown = [];
    Object.keys(rows).forEach(function (author) {
      var row = rows[author];
      if (!body.contains(row)) return;  // removed since
      var prefix = prefixOf(row);
      var byline = place[author];
      row.hidden = !byline;
      setDeleted(row, prefix, !byline);
      if (!byline) return;
      var select = row.querySelector("select[name='" + prefix + "-author']");
      if (select) setAuthor(select, byline[0], byline[2]);
      var role = row.querySelector("select[name='" + prefix + "-role']");
      if (role) role.value = String(byline[1]);
      shown[side.indexOf(byline)] = row;
    });
    // The side's rows first, in its order; the others (hidden, or added since) after them.
    var rest = Array.prototype.filter.call(body.querySelectorAll("tr.form-row:not(.empty-form)"),
      function (row) { return shown.indexOf(row) === -1; });
    var end = body.querySelector("tr.empty-form");
    shown.concat(rest).forEach(function (row) { if (row) body.insertBefore(row, end); });
    group.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function start() {
    var source = document.getElementById("nr-merge-values");
    var form = document.getElementById("article_form");
    if (!source || !form) return;
    var values = JSON.parse(source.textContent);
    var bylines = values.bylines;
    // The box comes back holding the side the form takes: the other side's rows hidden.
    var rows = bylines ? bylineRows(bylines.forms) : {};
    if (bylines) showBylines(bylines[bylines.shown], rows);
    document.querySelectorAll("[data-merge-field]").forEach(function (button) {
      button.addEventListener("click", function () {
        var name = button.getAttribute("data-merge-field");
        var take = button.getAttribute("data-merge-take");
        if (name === "bylines") {
          showBylines(bylines[take], rows);
          choose(name, take);
          return;
        }
        var field = form.elements[name];
        if (!field || !values[name]) return;
        var value = values[name][take];
        if (name === "tags") {
          // The tags box keeps options for chosen tags only: put back those of the version
          // taken (select2 redraws from the options), and its new tags' names.
          Array.prototype.slice.call(field.options).forEach(function (o) { o.remove(); });
          value.ids.forEach(function (pair) {
            field.appendChild(new Option(pair[1], String(pair[0]), true, true));
          });
          if (form.elements.new_tags) form.elements.new_tags.value = value["new"];
          field.dispatchEvent(new Event("change", { bubbles: true }));
          if (window.django && window.django.jQuery) window.django.jQuery(field).trigger("change");
          choose(name, take);
          return;
        }
        field.value = value === null ? "" : String(value);
        var editor = editors.get(field);
        if (editor) editor.commands.setContent(field.value);
        field.dispatchEvent(new Event("change", { bubbles: true }));
        choose(name, take);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
