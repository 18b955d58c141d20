/* "Insert a photo from the library" under the story body editor.
   The server prints the photo's credit line beside it when the story is saved. */
(function () {
  "use strict";

  function figureHTML(photo) {
    var figure = document.createElement("figure");
    var img = document.createElement("img");
    img.setAttribute("src", photo.src);
    img.setAttribute("alt", photo.alt);
    var caption = document.createElement("figcaption");
    caption.textContent = photo.caption;
    figure.appendChild(img);
    figure.appendChild(caption);
    return figure.outerHTML;
  }

  function setUp(textarea, editor) {
    // This script loads in <head>; the page body, with the search address, is here by now.
    var config = document.querySelector("[data-photo-search-url]");
    if (!config) return;
    var searchUrl = config.getAttribute("data-photo-search-url");
    var box = document.createElement("div");
    box.className = "nr-photo-picker";
    var label = document.createElement("label");
    label.setAttribute("for", "nr-photo-search");
    label.textContent = "Insert a photo from the library";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "nr-photo-search";
    input.placeholder = "Search caption, credit or source";
    input.setAttribute("aria-controls", "nr-photo-results");
    var results = document.createElement("div");
    results.id = "nr-photo-results";
    results.className = "nr-photo-results";
    results.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(results);
    // Below the editor's whole row, not beside it in the row's flex layout.
    var row = textarea.closest(".form-row") || textarea.parentNode;
    row.appendChild(box);

    var timer = null;
    function search() {
      fetch(searchUrl + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          results.textContent = "";
          if (!data.results.length) {
            results.textContent = "No photo matches.";
            return;
          }
          data.results.slice(0, 8).forEach(function (photo) {
            var button = document.createElement("button");
            button.type = "button";
            button.className = "nr-photo-result";
            var thumb = document.createElement("img");
            thumb.src = photo.src;
            thumb.alt = "";
            thumb.width = 96;
            // Caption and credit in full, each on its own line.
            var text = document.createElement("span");
            text.className = "nr-photo-result-text";
            var caption = document.createElement("span");
            caption.textContent = photo.caption || photo.alt;
            var credit = document.createElement("span");
            credit.className = "nr-photo-result-credit";
            credit.textContent = photo.credit_line;
            text.appendChild(caption);
            text.appendChild(credit);
            button.appendChild(thumb);
            button.appendChild(text);
            button.addEventListener("click", function () {
              editor.chain().focus().insertContent(figureHTML(photo)).run();
            });
            results.appendChild(button);
          });
        });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    search();
  }

  document.addEventListener("prose-editor:ready", function (event) {
    if (event.detail.textarea.name === "body") setUp(event.detail.textarea, event.detail.editor);
  });
})();
