/* The Book now progress page: counts down the asked coach's time to answer, and when it is up
   fetches the status region again (that read times the offer out on the server and asks the
   next coach, so the page moves on even if the task worker is slow or no event arrives).
   Changes otherwise arrive as `dispatch.changed` events (realtime/live.js refreshes the
   region). Counts from the seconds the server computed, not the browser's clock. Loaded with
   `defer`; no inline scripts (strict CSP). The page works without it: times are printed. */
(() => {
  "use strict";

  let timer = null;

  function clock(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    return `${minutes}:${rest < 10 ? "0" : ""}${rest}`;
  }

  function refresh(region) {
    if (region && window.htmx) window.htmx.trigger(region, "tandem:refresh");
  }

  function start() {
    window.clearTimeout(timer);
    const region = document.querySelector("[data-dispatch-status]");
    const box = region ? region.querySelector("[data-countdown]") : null;
    if (!box) return;
    const left = parseInt(box.dataset.secondsLeft, 10);
    if (Number.isNaN(left)) return;
    const deadline = Date.now() + left * 1000;
    const output = box.querySelector("[data-countdown-remaining]");
    box.hidden = false;
    function tick() {
      const remaining = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (output) output.textContent = clock(remaining);
      if (remaining <= 0) {
        // A moment's grace: the server's timeout (or its event) usually gets there first.
        timer = window.setTimeout(() => refresh(region), 1500);
        return;
      }
      timer = window.setTimeout(tick, 250);
    }
    tick();
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.matches("[data-dispatch-status]")) start();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
