/* The notification centre: after "Load more" (htmx appends older rows to
   #notification-list), the focus moves to the first row added and a screen reader hears how
   many came, so a keyboard user carries on where the new ones start. No inline scripts. */
(() => {
  "use strict";

  const { announce } = window.tandem; // shared.js

  document.addEventListener("htmx:afterSettle", (event) => {
    const list = event.detail.target;
    if (!list || list.id !== "notification-list") return;
    const first = list.querySelector("[data-first-new]");
    if (!first) return;
    const added = list.querySelectorAll("[data-first-new], [data-first-new] ~ li").length;
    first.removeAttribute("data-first-new");
    const button = first.querySelector("button, a");
    if (button) button.focus();
    announce(`${added} older ${added === 1 ? "notification" : "notifications"} loaded.`);
  });
})();
