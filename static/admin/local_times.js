// Times in the admin are printed in the newsroom's zone. When the browser's own zone is a
// different one, each <time data-nr-local> also gets the reader's local time beside it, and
// the page's zone note names the reader's zone. Without JavaScript the newsroom's time stays.
(function () {
  "use strict";
  function start() {
    var note = document.querySelector("[data-nr-zone]");
    if (!note || typeof Intl === "undefined") return;
    var own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!own || own === note.getAttribute("data-nr-zone")) return;
    var format = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
    var mine = note.querySelector(".nr-own-zone");
    if (mine) {
      mine.textContent = "; your own times (" + own + ") are shown beside them";
      mine.hidden = false;
    }
    document.querySelectorAll("time[data-nr-local]").forEach(function (time) {
      var when = new Date(time.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      var local = document.createElement("span");
      local.className = "nr-local-time";
      local.textContent = " (" + format.format(when) + " your time)";
      time.after(local);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
