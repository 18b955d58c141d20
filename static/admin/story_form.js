/* The story form made for writing: the headline takes the focus, the body editor has a name,
   spellcheck, a word count and a reading time, and its toolbar is one tab stop (arrow keys
   move along it, as in any toolbar) instead of fourteen before the body. */
(function () {
  "use strict";

  var WORDS_PER_MINUTE = 230;

  function words(text) {
    var found = text.trim().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);
    return found ? found.length : 0;
  }

  function toolbar(menubar) {
    menubar.setAttribute("role", "toolbar");
    menubar.setAttribute("aria-label", "Body formatting");
    var style = menubar.querySelector(".prose-menubar__selected .prose-menubar__button");
    if (style) {
      style.setAttribute("aria-label", "Paragraph style");
      style.setAttribute("title", "Paragraph style: heading or paragraph");
      style.setAttribute("aria-haspopup", "true");
      style.classList.add("nr-style-button");
    }
    function buttons() {
      return Array.prototype.filter.call(
        menubar.querySelectorAll(".prose-menubar__button"),
        function (b) { return !b.disabled && b.offsetParent !== null; });
    }
    function rove(current) {
      buttons().forEach(function (b) { b.tabIndex = b === current ? 0 : -1; });
    }
    rove(buttons()[0]);
    menubar.addEventListener("focusin", function (event) {
      if (event.target.classList.contains("prose-menubar__button")) rove(event.target);
    });
    menubar.addEventListener("keydown", function (event) {
      var list = buttons();
      var at = list.indexOf(document.activeElement);
      if (at === -1) return;
      var next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: list.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      next = (next + list.length) % list.length;
      rove(list[next]);
      list[next].focus();
    });
  }

  document.addEventListener("prose-editor:ready", function (event) {
    var textarea = event.detail.textarea;
    var editor = event.detail.editor;
    if (textarea.name !== "body") return;
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var props = editor.options.editorProps || {};
    var attributes = typeof props.attributes === "object" ? props.attributes : {};
    editor.setOptions({
      editorProps: Object.assign({}, props, {
        attributes: Object.assign({}, attributes, {
          role: "textbox",
          "aria-multiline": "true",
          "aria-label": label ? label.textContent.replace(/:$/, "") : "Story body",
          "aria-describedby": "nr-word-count",
          spellcheck: "true",
          class: "nr-body-editor"
        })
      })
    });
    var wrapper = textarea.closest(".prose-editor");
    // The editor's menu bar is built just after the editor announces itself.
    var tries = 0;
    (function findMenubar() {
      var menubar = wrapper && wrapper.querySelector(".prose-menubar");
      if (menubar) toolbar(menubar);
      else if (tries++ < 50) window.setTimeout(findMenubar, 20);
    })();

    var count = document.createElement("p");
    count.id = "nr-word-count";
    count.className = "nr-word-count";
    if (wrapper) wrapper.appendChild(count);
    else textarea.after(count);
    function update() {
      var n = words(editor.getText());
      var minutes = Math.max(1, Math.round(n / WORDS_PER_MINUTE));
      count.textContent = n + (n === 1 ? " word" : " words") + " · " +
        (n ? minutes + " min read" : "nothing written yet");
    }
    editor.on("update", update);
    update();
  });

  // Writing on the left, what is around the story on the right: status and schedule, lead
  // photo, topics and bylines (fieldsets marked "nr-side" by the admin). Without this script
  // the form reads top to bottom, as Django lays it out.
  function sidePanel(form) {
    var sides = form.querySelectorAll("fieldset.nr-side, #bylines-group");
    if (!sides.length) return;
    var first = form.querySelector("fieldset.module");
    if (!first) return;
    var layout = document.createElement("div");
    layout.className = "nr-story-layout";
    var main = document.createElement("div");
    main.className = "nr-story-main";
    var aside = document.createElement("div");
    aside.className = "nr-story-side";
    aside.setAttribute("role", "complementary");
    aside.setAttribute("aria-label", "Story settings");
    first.before(layout);
    layout.appendChild(main);
    layout.appendChild(aside);
    var publishing = null;
    Array.prototype.forEach.call(sides, function (el) {
      if (el.classList.contains("nr-publishing")) publishing = el;
      aside.appendChild(el);
    });
    // The Publishing box (with the workflow's controls, rendered in it) comes first.
    if (publishing) aside.insertBefore(publishing, aside.firstChild);
    var problems = document.getElementById("nr-problems");
    if (problems) aside.insertBefore(problems, aside.firstChild);
    // The rest of the writing (headline to teaser, and what follows) stays in reading order.
    var node = layout.nextElementSibling;
    while (node && !node.classList.contains("submit-row")) {
      var next = node.nextElementSibling;
      if (node.matches("fieldset, .inline-group, .js-inline-admin-formset")) main.appendChild(node);
      node = next;
    }
  }

  // Every control has a name a screen reader reads: table-laid bylines take their column's
  // heading ("Author, row 1"), and the autocomplete boxes their field's label.
  function nameControls(form) {
    form.querySelectorAll(".tabular table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("thead th.original").forEach(function (th) {
        if (!th.textContent.trim()) {
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = "Saved byline";
          th.appendChild(hidden);
        }
      });
      table.querySelectorAll("tbody tr.form-row").forEach(function (row, index) {
        Array.prototype.forEach.call(row.children, function (cell, column) {
          var name = heads[column];
          if (!name) return;
          cell.querySelectorAll("input:not([type=hidden]), select").forEach(function (control) {
            if (control.labels && control.labels.length) return;
            control.setAttribute("aria-label", name.charAt(0) + name.slice(1).toLowerCase() +
              ", row " + (index + 1));
          });
        });
      });
    });
    form.querySelectorAll("select").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      var name = select.getAttribute("aria-label");
      var label = select.labels && select.labels[0];
      if (label) name = label.textContent.replace(/:\s*$/, "").trim();
      if (!name) return;
      box.querySelectorAll(".select2-selection, .select2-selection__rendered[role]").forEach(function (combo) {
        combo.setAttribute("aria-label", name);
      });
      // Select2 puts its "clear" cross in the list of chosen tags: still a list to read.
      box.querySelectorAll("ul.select2-selection__rendered").forEach(function (list) {
        list.setAttribute("role", "list");
      });
      box.querySelectorAll(".select2-search__field").forEach(function (search) {
        search.setAttribute("aria-label", "Search " + name.toLowerCase());
      });
    });
  }

  // Beside the schedule: the newsroom's time zone (from the server), and the editor's own
  // when the browser runs in another one, so "09:00" is never read in the wrong zone.
  function browserZone() {
    var note = document.getElementById("nr-schedule-zone");
    var span = document.getElementById("nr-browser-zone");
    if (!note || !span || !window.Intl) return;
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!mine || mine === note.getAttribute("data-zone")) return;
    span.textContent = " · Your browser: " + mine;
    span.hidden = false;
  }

  function start() {
    browserZone();
    var form = document.getElementById("article_form");
    if (form) {
      sidePanel(form);
      // After Django's autocomplete has made its boxes (on jQuery's ready), and again when
      // a byline row is added or a tag chosen (the boxes are rebuilt).
      window.setTimeout(function () { nameControls(form); }, 0);
      window.addEventListener("load", function () { nameControls(form); });
      document.addEventListener("formset:added", function () { nameControls(form); });
      form.addEventListener("change", function () { nameControls(form); });
      form.addEventListener("focusin", function () { nameControls(form); });
    }
    var headline = document.getElementById("id_headline");
    var config = document.getElementById("nr-writing");
    // A new story starts at its headline (Django's own script focused the top Save button).
    if (!form || !headline || !config || config.getAttribute("data-article")) return;
    headline.focus();
    // Django's script runs async and may come later: take the focus back from its Save.
    window.addEventListener("load", function () {
      var at = document.activeElement;
      if (!at || at === document.body || at.type === "submit") headline.focus();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
