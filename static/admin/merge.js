/* The merge view's "Take theirs" / "Keep yours": puts that version in the form field (the
   body editor included), where it can still be edited before saving (articles/merging.py). */
(function () {
  "use strict";
  var editors = new Map();
  document.addEventListener("prose-editor:ready", function (event) {
    editors.set(event.detail.textarea, event.detail.editor);
  });

  function start() {
    var source = document.getElementById("nr-merge-values");
    var form = document.getElementById("article_form");
    if (!source || !form) return;
    var values = JSON.parse(source.textContent);
    document.querySelectorAll("[data-merge-field]").forEach(function (button) {
      button.addEventListener("click", function () {
        var name = button.getAttribute("data-merge-field");
        var take = button.getAttribute("data-merge-take");
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
          var chosen = document.getElementById("nr-merge-choice-" + name);
          if (chosen) chosen.textContent = take === "theirs" ? "Theirs" : "Yours";
          return;
        }
        field.value = value === null ? "" : String(value);
        var editor = editors.get(field);
        if (editor) editor.commands.setContent(field.value);
        field.dispatchEvent(new Event("change", { bubbles: true }));
        var choice = document.getElementById("nr-merge-choice-" + name);
        if (choice) choice.textContent = take === "theirs" ? "Theirs" : "Yours";
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
