/* Booking pages: the hold countdown on the review page, and focus after "Load more".
   Loaded with `defer`; no inline scripts (strict CSP). The pages work without it: the hold's
   end time is printed, and the server refuses an expired hold with a message. */
(function () {
  "use strict";

  var WARN_AT = 60; // seconds left when screen reader users hear a warning

  var announce = window.tandem.announce; // shared.js

  function expire(box) {
    box.hidden = true;
    var expired = document.querySelector("[data-hold-expired]");
    if (expired) expired.hidden = false;
    document.querySelectorAll("[data-hold-submit]").forEach(function (button) {
      button.disabled = true;
    });
  }

  // Counts from the seconds the server computed, not the browser's clock (which may be off).
  function startCountdown(box) {
    var left = parseInt(box.getAttribute("data-seconds-left"), 10);
    if (isNaN(left)) return;
    var wrapper = box.querySelector("[data-hold-countdown]");
    var output = box.querySelector("[data-hold-remaining]");
    if (wrapper) wrapper.hidden = false;
    var warned = left <= WARN_AT;
    window.tandem.countdown(
      left,
      function (remaining, text) {
        if (output) output.textContent = text;
        if (!warned && remaining <= WARN_AT) {
          warned = true;
          announce("One minute left to confirm this time.");
        }
      },
      function () { expire(box); }
    );
  }

  function init() {
    document.querySelectorAll("[data-hold]").forEach(startCountdown);
  }

  // "Load more": focus the first new session and say how many arrived.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "session-list") return;
    var first = target.querySelector("[data-first-new]");
    if (!first) return;
    var added = target.querySelectorAll("[data-first-new], [data-first-new] ~ li").length;
    first.removeAttribute("data-first-new");
    var link = first.querySelector("a");
    if (link) link.focus();
    announce(added + (added === 1 ? " more session" : " more sessions") + " loaded.");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
