/* The Book now progress page: counts down the asked coach's time to answer, and when it is up
   fetches the status region again (that read times the offer out on the server and asks the
   next coach, so the page moves on even if the task worker is slow or no event arrives).
   Changes otherwise arrive as `dispatch.changed` events (realtime/live.js refreshes the
   region). Counts from the seconds the server computed, not the browser's clock. Loaded with
   `defer`; no inline scripts (strict CSP). The page works without it: times are printed. */
(() => {
  "use strict";

  let running = null; // the countdown (shared.js)
  let grace = null;

  function refresh(region) {
    if (region && window.htmx) window.htmx.trigger(region, "tandem:refresh");
  }

  function start() {
    if (running) running.stop();
    window.clearTimeout(grace);
    const region = document.querySelector("[data-dispatch-status]");
    const box = region ? region.querySelector("[data-countdown]") : null;
    if (!box) return;
    const left = parseInt(box.dataset.secondsLeft, 10);
    if (Number.isNaN(left)) return;
    const output = box.querySelector("[data-countdown-remaining]");
    box.hidden = false;
    running = window.tandem.countdown(
      left,
      (remaining, text) => {
        if (output) output.textContent = text;
      },
      () => {
        // A moment's grace: the server's timeout (or its event) usually gets there first.
        grace = window.setTimeout(() => refresh(region), 1500);
      },
    );
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.matches("[data-dispatch-status]")) start();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
