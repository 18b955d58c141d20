/* Counts down to each embargo's end shown on the page (the story list, the story's workflow
   panel). Without this script the page shows the absolute time with its time zone, which is
   the record; the countdown only adds "in 1 h 04 min". Not announced as it ticks. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function left(ms) {
    if (ms <= 0) return "the embargo has ended: reload";
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
    var m = Math.floor(s % 3600 / 60);
    var text = "in " + (d ? d + " d " : "") + (d || h ? h + " h " : "") + pad(m) + " min";
    return d ? text : text + " " + pad(s % 60) + " s";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var clocks = [];
    document.querySelectorAll("time[data-embargo-until]").forEach(function (time) {
      var until = Date.parse(time.getAttribute("datetime"));
      var out = time.nextElementSibling;
      if (isNaN(until) || !out || !out.hasAttribute("data-embargo-countdown")) return;
      out.hidden = false;
      clocks.push([until, out]);
    });
    if (!clocks.length) return;
    function tick() {
      var now = Date.now();
      clocks.forEach(function (clock) { clock[1].textContent = left(clock[0] - now); });
    }
    tick();
    window.setInterval(tick, 1000);
  });
})();
