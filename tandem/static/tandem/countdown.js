/* Countdowns to a session: [data-countdown-start] (ISO instants: start, end, and the
   server's now when the page was rendered) shows "starts in 1 h 23 min", updated every
   second. The words match tandem/core/countdown.py, which renders the first value for
   readers without JS. The absolute time sits next to it as text; this element is
   role="timer" (not announced on every tick). The clock difference between server and
   browser is taken out, so a wrong browser clock does not give a wrong countdown.
   Elements added later (a live refresh of the dashboard card) are found on the next tick.
   No inline scripts (strict CSP). */
(() => {
  "use strict";

  const MINUTE = 60;
  const HOUR = 3600;
  const DAY = 86400;
  const SECONDS_UNDER = 10 * MINUTE;
  const skews = new WeakMap(); // element → server clock minus browser clock, ms

  function span(seconds) {
    const s = Math.max(0, seconds);
    if (s >= DAY) {
      const days = Math.floor(s / DAY);
      const hours = Math.floor((s % DAY) / HOUR);
      const text = days === 1 ? "1 day" : `${days} days`;
      return hours ? `${text} ${hours} h` : text;
    }
    if (s >= HOUR) {
      const hours = Math.floor(s / HOUR);
      const minutes = Math.floor((s % HOUR) / MINUTE);
      return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
    }
    if (s >= SECONDS_UNDER) return `${Math.floor(s / MINUTE)} min`;
    if (s >= MINUTE) return `${Math.floor(s / MINUTE)} min ${String(s % MINUTE).padStart(2, "0")} s`;
    return `${s} s`;
  }

  function text(start, end, now) {
    if (now < start) return `starts in ${span(Math.floor((start - now) / 1000))}`;
    if (now < end) return `under way, ends in ${span(Math.floor((end - now) / 1000))}`;
    return "has ended";
  }

  function tick() {
    document.querySelectorAll("[data-countdown-start]").forEach((element) => {
      const start = Date.parse(element.dataset.countdownStart);
      const end = Date.parse(element.dataset.countdownEnd || element.dataset.countdownStart);
      if (Number.isNaN(start) || Number.isNaN(end)) return;
      if (!skews.has(element)) {
        const rendered = Date.parse(element.dataset.countdownNow || "");
        skews.set(element, Number.isNaN(rendered) ? 0 : rendered - Date.now());
      }
      const words = text(start, end, Date.now() + skews.get(element));
      if (element.textContent !== words) element.textContent = words;
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
