/* Tandem page behaviour. Loaded with `defer`; no inline scripts (strict CSP). */
(function () {
  "use strict";

  // --- One clock per user -----------------------------------------------------------------
  // The server resolves the user's 12/24-hour choice (core/timefmt.py) and puts it on
  // <body data-time-format>. Every script formats times through tandemTime.format, which
  // writes what the template filter `when` writes: "Tue 8 Dec, 14:30" or "Tue 8 Dec, 2:30 PM".
  function clock() {
    return (document.body && document.body.dataset.timeFormat) === "12h" ? "12h" : "24h";
  }

  // options: zone (IANA; default the user's zone, <body data-time-zone>, as the server
  // writes times), weekday, date (day and month), year, time (default true).
  // E.g. {weekday: true, date: true} -> "Tue 8 Dec, 14:30".
  function formatTime(value, options) {
    var opts = Object.assign({ zone: document.body && document.body.dataset.timeZone }, options || {});
    var date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return "";
    var twelve = clock() === "12h";
    var spec = {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "numeric", minute: "2-digit", hourCycle: twelve ? "h12" : "h23",
    };
    if (opts.zone) spec.timeZone = opts.zone;
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", spec).formatToParts(date).forEach(function (part) {
        parts[part.type] = part.value;
      });
    } catch (error) {
      delete spec.timeZone; // an unknown zone: the browser's own
      new Intl.DateTimeFormat("en-GB", spec).formatToParts(date).forEach(function (part) {
        parts[part.type] = part.value;
      });
    }
    var day = [];
    if (opts.weekday) day.push(parts.weekday);
    if (opts.date) day.push(parts.day, parts.month);
    if (opts.year) day.push(parts.year);
    if (opts.time === false) return day.join(" ");
    var hour = twelve ? String(Number(parts.hour)) : ("0" + Number(parts.hour)).slice(-2);
    var time = hour + ":" + parts.minute + (twelve ? " " + String(parts.dayPeriod || "").toUpperCase() : "");
    return day.length ? day.join(" ") + ", " + time : time;
  }

  window.tandemTime = { format: formatTime, clock: clock };

  // The server maps retired names (ICU still says Asia/Calcutta) to current IANA names.
  function browserZone() {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
    return zone;
  }

  var announce = window.tandem.announce; // shared.js

  // Sign-up (and any form with a hidden `timezone` input) sends the browser's zone.
  function fillTimezones(root) {
    var zone = browserZone();
    if (!zone) return;
    root.querySelectorAll('input[name="timezone"][type="hidden"]').forEach(function (input) {
      input.value = zone;
    });
  }

  function textOf(el) {
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") return el.value;
    return el.textContent.trim();
  }

  function selectContents(el) {
    if (el.select) {
      el.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyFrom(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = textOf(target);
    var label = button.querySelector("[data-copy-label]") || button;
    var original = label.textContent;
    function done(ok) {
      label.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
      announce(ok ? "Copied to the clipboard." : "Text selected; press Ctrl+C to copy.");
      window.setTimeout(function () { label.textContent = original; }, 2500);
    }
    function fallback() {
      selectContents(target);
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy-target]");
    if (copy) {
      event.preventDefault();
      copyFrom(copy);
      return;
    }
    var detect = event.target.closest("[data-tz-detect]");
    if (detect) {
      event.preventDefault();
      var input = document.getElementById(detect.getAttribute("data-tz-detect"));
      var zone = browserZone();
      if (input && zone) {
        input.value = zone;
        input.focus();
        announce("Time zone set to " + zone + ".");
      }
    }
  });

  // A list that empties (say, the last token revoked over htmx) shows its empty state.
  function watchLists(root) {
    root.querySelectorAll("[data-empty-state]").forEach(function (body) {
      if (body.dataset.watching) return;
      body.dataset.watching = "1";
      new MutationObserver(function (records) {
        var removed = records.some(function (r) { return r.removedNodes.length > 0; });
        if (!removed) return;
        if (body.dataset.removedMessage) announce(body.dataset.removedMessage);
        var focusTarget = document.getElementById(body.dataset.focusAfterRemove || "");
        if (body.children.length === 0) {
          var empty = document.getElementById(body.dataset.emptyState);
          var container = document.getElementById(body.dataset.container || "");
          if (empty) empty.hidden = false;
          if (container) container.hidden = true;
        }
        if (focusTarget && (document.activeElement === document.body || !document.activeElement)) {
          focusTarget.focus();
        }
      }).observe(body, { childList: true });
    });
  }

  function init(root) {
    fillTimezones(root);
    watchLists(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (event) {
    if (event.detail && event.detail.elt && event.detail.elt.querySelectorAll) init(event.detail.elt);
  });
})();
