/* "Keep reading" / "Show less": opens the rest of a story in place on a card.
   Without this script the "Keep reading" link simply goes to the story page.

   The card shows what the story page shows, from the story page itself: its
   [data-story-content] (public_templates/_story.html's story_content: updates, the lead photo
   with its caption and credit, corrections and updates, the body, topics), in place of the
   teaser. The card's own photo steps aside while open, so the lead photo shows once. */
(function () {
  "use strict";

  var announcer = document.querySelector("[data-announcer]");

  function announce(message) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function label(button, text, headline) {
    button.textContent = text;
    button.setAttribute("aria-label", text + ": " + headline);
  }

  function fetchContent(url) {
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var content = doc.querySelector("[data-story-content]");
        if (!content) throw new Error("No story content");
        return content.innerHTML;
      });
  }

  function enhance(link) {
    var region = document.getElementById(link.getAttribute("data-keep-reading"));
    if (!region) return;
    var card = link.closest("article");
    var headlineNode = card && card.querySelector(".headline");
    var headline = headlineNode ? headlineNode.textContent.trim() : "";
    var teaserHTML = region.innerHTML;
    var storyHTML = null;
    var url = link.href;

    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", region.id);
    label(button, "Keep reading", headline);
    link.replaceWith(button);
    // Focus can be sent to the opened story (not reached by Tab: it is not a control).
    region.setAttribute("tabindex", "-1");

    function expand(html) {
      region.innerHTML = html;
      region.classList.add("is-expanded");
      if (card) card.classList.add("is-expanded");
      button.setAttribute("aria-expanded", "true");
      label(button, "Show less", headline);
      announce("Story expanded: " + headline);
      // The story opens above the button: reading (and Tab) goes on from its opening.
      region.focus({ preventScroll: true });
    }

    function fold() {
      region.innerHTML = teaserHTML;
      region.classList.remove("is-expanded");
      if (card) card.classList.remove("is-expanded");
      button.setAttribute("aria-expanded", "false");
      label(button, "Keep reading", headline);
      announce("Story folded: " + headline);
      button.focus({ preventScroll: true });
      if (card && card.getBoundingClientRect().top < 0) {
        var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        card.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
      }
    }

    button.addEventListener("click", function () {
      if (button.getAttribute("aria-expanded") === "true") return fold();
      if (storyHTML !== null) return expand(storyHTML);
      button.setAttribute("aria-busy", "true");
      fetchContent(url)
        .then(function (html) { storyHTML = html; expand(html); })
        .catch(function () { window.location.assign(url); })
        .then(function () { button.removeAttribute("aria-busy"); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-keep-reading]"), enhance);
})();
