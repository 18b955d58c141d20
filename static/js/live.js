/* Live stories: fetch new updates while the page is open and offer them with a
   "N new updates" button, never moving what the reader is reading by itself.

   The page's [data-live-coverage] names the updates endpoint (data-poll-url: one address per
   story, no query string, so the page cache and a CDN hold one copy for every reader) and
   how often to ask (data-poll-seconds). The script asks only while the tab is visible and
   the coverage open; when the endpoint says the coverage has ended, the page says so and the
   script stops. Without this script the page shows every update on reload. */
(function () {
  "use strict";

  var section = document.querySelector("[data-live-coverage]");
  if (!section || !window.fetch) return;

  var url = section.getAttribute("data-poll-url");
  var seconds = Math.max(2, parseInt(section.getAttribute("data-poll-seconds"), 10) || 10);
  var stream = section.querySelector("[data-live-stream]");
  var slot = section.querySelector("[data-live-new]");
  var status = section.querySelector("[data-live-status]");
  var keyEvents = section.querySelector("[data-key-events]");
  var keyList = section.querySelector("[data-key-events-list]");
  var open = section.getAttribute("data-open") === "true";
  var pending = [];      // new updates fetched, not shown yet (newest first)
  var reloadNeeded = false;
  var timer = null;
  var button = null;
  var stillMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function shown() {
    var ids = {};
    stream.querySelectorAll("[data-update-id]").forEach(function (node) {
      ids[node.getAttribute("data-update-id")] = true;
    });
    return ids;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function label(count) {
    if (reloadNeeded) return "New updates: reload the page";
    return count === 1 ? "1 new update" : count + " new updates";
  }

  function offer() {
    if (!pending.length && !reloadNeeded) return;
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "live-new-button";
      button.addEventListener("click", reveal);
      slot.appendChild(button);
    }
    button.textContent = label(pending.length);
  }

  function reveal() {
    if (reloadNeeded) {
      window.location.reload();
      return;
    }
    var first = null;
    // pending is newest first: insert oldest first, each at the top.
    for (var i = pending.length - 1; i >= 0; i -= 1) {
      var node = fragment(pending[i].html);
      if (!node) continue;
      node.classList.add("is-new");
      stream.insertBefore(node, stream.firstElementChild);
      first = node;
      if (pending[i].key_event_html && keyList) {
        var item = fragment(pending[i].key_event_html);
        if (item) keyList.insertBefore(item, keyList.firstElementChild);
        keyEvents.hidden = false;
      }
    }
    var empty = section.querySelector("[data-live-empty]");
    if (empty) empty.remove();
    pending = [];
    if (button) {
      button.remove();
      button = null;
    }
    if (first) {
      // Reading goes on from the newest update, where the button was.
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "start", behavior: stillMotion.matches ? "auto" : "smooth" });
    }
  }

  function received(data) {
    var have = shown();
    var fresh = [];
    var reachedShown = false;
    data.updates.forEach(function (update) {
      if (have[String(update.id)]) reachedShown = true;
      else if (!reachedShown) fresh.push(update);
    });
    var pendingIds = {};
    pending.forEach(function (update) { pendingIds[update.id] = true; });
    var added = fresh.filter(function (update) { return !pendingIds[update.id]; });
    // More updates were posted than the endpoint carries: only a reload shows them all.
    if (!reachedShown && !data.complete && Object.keys(have).length) reloadNeeded = true;
    if (added.length || fresh.length !== pending.length) pending = fresh;
    offer();
    if (!data.open) {
      open = false;
      section.setAttribute("data-open", "false");
      status.innerHTML = data.status;
      stop();
    }
  }

  function poll() {
    timer = null;
    if (!open || document.visibilityState !== "visible") return;
    // "no-cache": the browser asks again each time (a 304 costs nothing), the page cache
    // and CDN answer for the origin.
    fetch(url, { cache: "no-cache", credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(received)
      .catch(function () { /* a failed poll is tried again on the next tick */ })
      .then(schedule);
  }

  function schedule() {
    if (open && timer === null && document.visibilityState === "visible") {
      timer = window.setTimeout(poll, seconds * 1000);
    }
  }

  function stop() {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      stop();
      poll(); // back on the page: ask at once, then on the usual beat
    } else {
      stop();
    }
  });

  schedule();
})();
