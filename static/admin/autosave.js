/* No lost work: the story form is copied to the server while the editor types (a draft,
   apart from revisions: articles/drafts.py) and, whenever the server cannot take it, to this
   browser's localStorage. Either copy is offered back when the story is opened again.

   Saving the form first sends the draft: if that fails (offline, server error, signed out),
   the form is not sent, the page stays as it is and says why, so nothing typed is lost. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500; // after the last keystroke
  var MAX_WAIT_MS = 5000; // at the latest, while typing on and on
  var SKIP = { csrfmiddlewaretoken: true, nr_draft_token: true };
  var editors = new Map(); // body textarea -> its ProseMirror (Tiptap) editor

  document.addEventListener("prose-editor:ready", function (event) {
    editors.set(event.detail.textarea, event.detail.editor);
  });

  function $(id) { return document.getElementById(id); }

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function cssName(name) {
    return '[name="' + name.replace(/["\\]/g, "\\$&") + '"]';
  }

  function hhmm(iso) {
    var when = new Date(iso);
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function start() {
    var config = $("nr-writing");
    var form = document.getElementById("article_form");
    if (!config || !form) return;
    var article = config.getAttribute("data-article");
    var version = config.getAttribute("data-version");
    var autosaveUrl = config.getAttribute("data-autosave-url");
    var discardUrl = config.getAttribute("data-discard-url");
    var loginUrl = config.getAttribute("data-login-url");
    var user = config.getAttribute("data-user");
    var tokenInput = $("nr-draft-token");
    // A new story's form sent back with errors keeps the token its draft is under.
    var token = article ? "" : (tokenInput.value || newToken());
    tokenInput.value = token;
    var state = $("nr-save-state");

    var localPrefix = "nr-draft:u" + user + ":";
    function localKey() { return localPrefix + (article ? "story:" + article : "new:" + token); }

    // What the form holds, as plain data: field name -> value (or values, for a select).
    function snapshot() {
      var fields = {};
      var labels = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        var name = el.name;
        if (!name || SKIP[name] || name.charAt(0) === "_" || name.indexOf("__prefix__") !== -1) return;
        if (el.type === "file" || el.type === "submit" || el.type === "button") return;
        if (/-TOTAL_FORMS$|-INITIAL_FORMS$|-MIN_NUM_FORMS$|-MAX_NUM_FORMS$/.test(name)) return;
        if (el.type === "checkbox") { fields[name] = el.checked; return; }
        if (el.type === "radio") { if (el.checked) fields[name] = el.value; return; }
        if (el.tagName === "SELECT") {
          var values = [];
          var names = {};
          Array.prototype.forEach.call(el.selectedOptions, function (option) {
            values.push(option.value);
            names[option.value] = option.textContent;
          });
          fields[name] = el.multiple ? values : (values[0] || "");
          labels[name] = names;
          return;
        }
        fields[name] = el.value;
      });
      return { fields: fields, labels: labels };
    }

    function addRowFor(name) {
      var match = /^(.+)-\d+-[^-]+$/.exec(name);
      if (!match) return;
      var group = document.getElementById(match[1] + "-group");
      var add = group && group.querySelector(".add-row a");
      for (var k = 0; add && k < 30 && !form.querySelector(cssName(name)); k++) add.click();
    }

    function setValue(el, value, labels) {
      if (el.type === "checkbox") {
        el.checked = !!value;
      } else if (el.type === "radio") {
        el.checked = el.value === value;
      } else if (el.tagName === "SELECT") {
        var wanted = Array.isArray(value) ? value : [value];
        wanted.forEach(function (v) {
          if (v === "" || el.querySelector('option[value="' + v.replace(/["\\]/g, "\\$&") + '"]')) return;
          el.appendChild(new Option((labels && labels[v]) || v, v));
        });
        Array.prototype.forEach.call(el.options, function (option) {
          option.selected = wanted.indexOf(option.value) !== -1;
        });
      } else {
        el.value = value;
        var editor = editors.get(el);
        if (editor) editor.commands.setContent(value);
      }
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function apply(snap) {
      Object.keys(snap.fields).forEach(function (name) {
        if (!form.querySelector(cssName(name))) addRowFor(name);
        form.querySelectorAll(cssName(name)).forEach(function (el) {
          setValue(el, snap.fields[name], (snap.labels || {})[name]);
        });
      });
    }

    var loaded = JSON.stringify(snapshot());
    var lastSent = loaded; // what the server's draft (or the story itself) already holds
    // A form sent back with errors holds work not saved in the story yet.
    var refused = !!document.querySelector(".errornote");
    var submitting = false;
    var passThrough = false;
    var timer = null;
    var firstChange = 0;

    function dirty() { return refused || JSON.stringify(snapshot()) !== loaded; }

    function say(text, trouble) {
      state.textContent = "";
      state.className = "nr-save-state" + (trouble ? " nr-save-trouble" : "");
      if (typeof text === "string") state.textContent = text;
      else state.appendChild(text);
    }

    function keepLocally(snap) {
      try {
        localStorage.setItem(localKey(), JSON.stringify({
          snap: snap, saved_at: new Date().toISOString(), token: token,
          base_version: version ? Number(version) : null
        }));
      } catch (e) { /* storage full or refused: the server copy is the only one */ }
    }

    function forgetLocally(json) {
      try {
        var kept = JSON.parse(localStorage.getItem(localKey()) || "null");
        if (kept && (json === undefined || JSON.stringify(kept.snap) === json)) {
          localStorage.removeItem(localKey());
        }
      } catch (e) { /* nothing kept */ }
    }

    function payload(json) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", cookie("csrftoken") || form.csrfmiddlewaretoken.value);
      data.append("article", article);
      data.append("token", token);
      data.append("fields", json);
      data.append("base_version", version);
      return data;
    }

    function signedOut() {
      var note = document.createElement("span");
      note.appendChild(document.createTextNode(
        "You are signed out, so this was not saved. Your work is kept in this browser. "));
      var link = document.createElement("a");
      link.href = loginUrl + "?next=" + encodeURIComponent(location.pathname);
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "Sign in again (new tab)";
      note.appendChild(link);
      note.appendChild(document.createTextNode(", then save again here."));
      say(note, true);
    }

    // What stops publication, checked on each autosave while the story is written.
    function showProblems(problems) {
      var box = $("nr-problems");
      var list = $("nr-problems-list");
      if (!box || !list) return;
      list.textContent = "";
      problems.forEach(function (problem) {
        var item = document.createElement("li");
        item.textContent = problem;
        list.appendChild(item);
      });
      $("nr-problems-none").hidden = problems.length > 0;
      box.hidden = false;
    }

    // Send the form's current state as the draft; resolves true when the server has it.
    function send(force) {
      window.clearTimeout(timer);
      timer = null;
      firstChange = 0;
      var snap = snapshot();
      var json = JSON.stringify(snap);
      if (json === lastSent && !force) return Promise.resolve(true);
      keepLocally(snap);
      say("Saving a draft…");
      return fetch(autosaveUrl, {
        method: "POST", body: payload(json), credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok && response.status !== 403) {
          say("The server could not keep a draft (error " + response.status + "). Nothing is " +
              "lost: your work is kept in this browser. Try saving again in a moment.", true);
          return false;
        }
        if (response.redirected || response.status === 403 || type.indexOf("json") === -1) {
          signedOut();
          return false;
        }
        return response.json().then(function (answer) {
          lastSent = json;
          forgetLocally(json);
          if (answer.problems) showProblems(answer.problems);
          say("Draft kept at " + answer.saved_label + ".");
          return true;
        });
      }).catch(function () {
        say("Cannot reach the server, so this was not saved. Nothing is lost: your work is " +
            "kept in this browser. Save again when you are back online.", true);
        return false;
      });
    }

    function changed() {
      var now = Date.now();
      if (!firstChange) firstChange = now;
      window.clearTimeout(timer);
      var wait = Math.min(DEBOUNCE_MS, Math.max(0, firstChange + MAX_WAIT_MS - now));
      timer = window.setTimeout(function () { send(false); }, wait);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);

    form.addEventListener("submit", function (event) {
      if (passThrough) { submitting = true; return; }
      event.preventDefault();
      var submitter = event.submitter;
      send(true).then(function (ok) {
        if (!ok) return;
        // Signing in again gives a new CSRF token; the form sends the current one.
        var fresh = cookie("csrftoken");
        if (fresh) form.csrfmiddlewaretoken.value = fresh;
        passThrough = true;
        submitting = true;
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
        passThrough = false;
      });
    });

    function leaving() {
      if (submitting) return;
      var snap = snapshot();
      var json = JSON.stringify(snap);
      if (json === lastSent) return;
      keepLocally(snap);
      if (navigator.sendBeacon && navigator.sendBeacon(autosaveUrl, payload(json))) lastSent = json;
    }
    window.addEventListener("pagehide", leaving);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") leaving();
    });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || !dirty()) return;
      event.preventDefault();
      event.returnValue = "";
    });

    // Offer back the newest copy of unsaved changes: the server's draft or this browser's.
    function localCopies() {
      var copies = [];
      for (var k = 0; k < localStorage.length; k++) {
        var key = localStorage.key(k);
        if (key === localKey() || (!article && key.indexOf(localPrefix + "new:") === 0)) {
          try { copies.push({ key: key, record: JSON.parse(localStorage.getItem(key)) }); } catch (e) { /* skip */ }
        }
      }
      return copies;
    }

    var serverDraft = JSON.parse(($("nr-waiting-draft") || {}).textContent || "null");
    var offers = [];
    if (serverDraft) {
      offers.push({ snap: serverDraft.fields, saved_at: serverDraft.saved_at, token: serverDraft.token,
                    base_version: serverDraft.base_version, where: "server" });
    }
    localCopies().forEach(function (copy) {
      var r = copy.record;
      if (r && r.snap) offers.push({ snap: r.snap, saved_at: r.saved_at, token: r.token,
                                     base_version: r.base_version, where: "browser", key: copy.key });
    });
    offers.sort(function (a, b) { return a.saved_at < b.saved_at ? 1 : -1; });
    // A form sent back refused already holds the work just sent (the merge view, errors).
    var offer = refused ? null : offers[0];
    if (offer && JSON.stringify(offer.snap) === loaded) {
      offer = null; // the story already holds exactly this
      offers.forEach(function (o) { if (o.key) localStorage.removeItem(o.key); });
    }
    if (!offer) return;

    var banner = $("nr-restore");
    var text = "You have unsaved changes from " + hhmm(offer.saved_at) + " (kept " +
      (offer.where === "server" ? "on the server" : "in this browser") + ").";
    if (version && offer.base_version && Number(version) > offer.base_version) {
      text += " Someone has saved the story since: when you save, you will see what they " +
        "changed beside yours and choose.";
    }
    $("nr-restore-text").textContent = text;
    banner.hidden = false;

    function forgetOffers() {
      offers.forEach(function (o) { if (o.key) localStorage.removeItem(o.key); });
    }

    $("nr-restore-yes").addEventListener("click", function () {
      if (!article && offer.token) { token = offer.token; tokenInput.value = token; }
      forgetOffers();
      apply(offer.snap);
      banner.hidden = true;
      say("Your unsaved changes are back. Save the story to keep them.");
      send(true);
      var first = form.querySelector("input[name=headline]");
      if (first) first.focus();
    });
    $("nr-restore-no").addEventListener("click", function () {
      forgetOffers();
      var data = new FormData();
      data.append("csrfmiddlewaretoken", cookie("csrftoken") || form.csrfmiddlewaretoken.value);
      data.append("article", article);
      data.append("token", offer.token || "");
      fetch(discardUrl, { method: "POST", body: data, credentials: "same-origin" });
      banner.hidden = true;
      say("Discarded.");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
