/* Who else has this story open: a heartbeat every few seconds (articles/presence.py), and a
   line under the title, "Ana is also editing", read out by screen readers when it changes. */
(function () {
  "use strict";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function sentence(names) {
    if (!names.length) return "";
    if (names.length === 1) return names[0] + " is also editing this story.";
    return names.slice(0, -1).join(", ") + " and " + names[names.length - 1] +
      " are also editing this story.";
  }

  function start() {
    var config = document.getElementById("nr-writing");
    var line = document.getElementById("nr-presence");
    if (!config || !line || !config.getAttribute("data-article")) return;
    var url = config.getAttribute("data-presence-url");
    var every = Number(config.getAttribute("data-heartbeat") || 5) * 1000;

    function data(leaving) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", cookie("csrftoken"));
      body.append("article", config.getAttribute("data-article"));
      if (leaving) body.append("leaving", "1");
      return body;
    }

    function beat() {
      if (document.visibilityState === "hidden") return;
      fetch(url, { method: "POST", body: data(false), credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) return;
          var text = sentence(answer.others);
          if (line.textContent !== text) line.textContent = text;
          line.classList.toggle("nr-presence-others", answer.others.length > 0);
        })
        .catch(function () { /* presence is a courtesy: try again at the next beat */ });
    }
    beat();
    window.setInterval(beat, every);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") beat();
    });
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon) navigator.sendBeacon(url, data(true));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
