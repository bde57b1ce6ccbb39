/* What every page script shares, in one place: window.tandem.announce, .csrfToken and
   .countdown. Loaded with `defer` by base.html before every other script of ours (deferred
   scripts run in document order), so the page scripts can use window.tandem as they start.
   Plain script, no modules: like the rest of the front end, it needs no build step and
   no inline script (strict CSP). */
(function () {
  "use strict";

  // Says `text` to screen readers through a live region: base.html's polite #live-status,
  // or the one given (Book now offers use their own assertive region). The region is
  // emptied first and filled a moment later, so the same words said twice are heard twice.
  // Nothing to say leaves the region as it is.
  function announce(text, region) {
    var target = region || document.getElementById("live-status");
    if (!target || !text) return;
    target.textContent = "";
    window.setTimeout(function () { target.textContent = text; }, 50);
  }

  // The CSRF token for a script's POST: base.html puts it on <body hx-headers> for htmx;
  // a page without it falls back to a form's hidden csrfmiddlewaretoken.
  function csrfToken() {
    try {
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      if (token) return token;
    } catch (error) {
      /* malformed attribute: try a form */
    }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // "m:ss" for a number of seconds: 125 -> "2:05".
  function minutesAndSeconds(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // Counts down `seconds` (the server's figure, so a wrong browser clock does not matter):
  // calls onTick(secondsLeft, "m:ss") at once and a few times a second, then onEnd() when
  // none are left. Returns {stop()}, which ends it without calling onEnd.
  function countdown(seconds, onTick, onEnd) {
    var deadline = Date.now() + seconds * 1000;
    var timer = null;
    var stopped = false;
    function tick() {
      if (stopped) return;
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (onTick) onTick(left, minutesAndSeconds(left));
      if (stopped) return; // onTick may stop it
      if (left <= 0) {
        stopped = true;
        if (onEnd) onEnd();
        return;
      }
      timer = window.setTimeout(tick, 250);
    }
    tick();
    return {
      stop: function () {
        stopped = true;
        window.clearTimeout(timer);
      },
    };
  }

  window.tandem = {
    announce: announce,
    csrfToken: csrfToken,
    countdown: countdown,
    minutesAndSeconds: minutesAndSeconds,
  };
})();
