/* The notification bell and urgent alerts, on every signed-in page that follows the event
   stream (realtime/events.js). Loaded with `defer` by base.html after events.js and
   tandem/alert.js; no inline scripts (strict CSP).

   - `tandem:notification.new` {notification, unread, urgent} and `tandem:notification.read`
     {unread}: every [data-unread-badge] shows the new count (hidden at 0). Each open tab
     follows the same stream, so reading in one tab clears the bell in all of them. The
     count in an event is the total, not a step: applying events in order ends right, and
     a repeat changes nothing.
   - An urgent new one (a reminder, Book now) shows a toast with its title and an "Open"
     button (a form's POST: marks it read, then goes to its page) and plays the chime
     (window.tandemAlert.chime(), which is silent when <body data-sound="off"> or this
     browser turned sound off). Two alerts within CHIME_GAP_MS chime once: a Book now offer
     may chime through dispatch/offers.js at the same moment.
   - The toast stays TOAST_MS, longer while the pointer or focus is on it; its container is
     a polite live region (base.html), and an urgent toast is role="alert".
*/
(() => {
  "use strict";

  const TOAST_MS = 15000;
  const CHIME_GAP_MS = 3000;
  let lastChime = 0;

  const { csrfToken } = window.tandem; // shared.js

  function setCount(unread) {
    const count = Math.max(0, Number(unread) || 0);
    document.querySelectorAll("[data-unread-badge]").forEach((badge) => {
      const number = badge.querySelector("[data-unread-count]");
      if (number) number.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
    });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function openForm(notification) {
    const form = el("form", "mt-2");
    form.method = "post";
    form.action = `/notifications/${encodeURIComponent(notification.id)}/open/`;
    const token = el("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    const button = el("button", "btn btn-primary btn-sm", "Open");
    button.type = "submit";
    form.append(token, button);
    return form;
  }

  function toast(notification) {
    const container = document.querySelector("[data-live-toasts]");
    if (!container) return;
    const box = el("div", "toast show notification-toast");
    box.setAttribute("role", "alert");
    box.dataset.notificationToast = notification.id;
    const header = el("div", "toast-header");
    const icon = el("i", "bi bi-bell-fill text-primary me-2");
    icon.setAttribute("aria-hidden", "true");
    const title = el("strong", "me-auto", notification.title);
    const close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => box.remove());
    header.append(icon, title, close);
    const content = el("div", "toast-body");
    if (notification.body) content.append(el("p", "mb-0", notification.body));
    content.append(openForm(notification));
    box.append(header, content);
    container.append(box);

    // Do not take it away while someone is reading or about to press it.
    let held = false;
    const hold = () => (held = true);
    const release = () => (held = false);
    box.addEventListener("pointerenter", hold);
    box.addEventListener("pointerleave", release);
    box.addEventListener("focusin", hold);
    box.addEventListener("focusout", release);
    const started = Date.now();
    const timer = window.setInterval(() => {
      if (!box.isConnected) return window.clearInterval(timer);
      if (!held && Date.now() - started >= TOAST_MS) {
        window.clearInterval(timer);
        box.remove();
      }
    }, 1000);
  }

  function chime() {
    if (Date.now() - lastChime < CHIME_GAP_MS || !window.tandemAlert) return;
    window.tandemAlert.chime();
  }

  // Whoever chimed (this script or a Book now offer), the next alert soon after stays quiet.
  document.addEventListener("tandem:chime", () => {
    lastChime = Date.now();
  });

  document.addEventListener("tandem:notification.new", (event) => {
    const data = event.detail.data || {};
    setCount(data.unread);
    if (data.urgent && data.notification) {
      toast(data.notification);
      chime();
    }
  });

  document.addEventListener("tandem:notification.read", (event) => {
    setCount((event.detail.data || {}).unread);
  });
})();
