/* Live regions: parts of a page that fetch their own HTML again (with htmx) when an event in
   the user's stream says what they show has changed. Works with events.js; loaded after htmx
   with `defer`, on signed-in pages only.

     <div data-live-refresh="booking.changed" hx-get="/sessions/list/?tab=past"
          hx-trigger="tandem:refresh" hx-swap="innerHTML" data-live-rows=".session-row"
          data-live-announce="Your sessions were updated.">…</div>

   - data-live-refresh: the event kinds (space-separated) that make the region refresh. A
     burst of events (a reconnect catching up) is one refresh. The URL is the region's own
     hx-get, which carries the page's tab and filters.
   - Nothing is pulled from under the user: while they type in a field inside the region or
     have a <details> open there (e.g. a decline message), the refresh waits until they leave.
   - Focus survives the refresh: the element with the same id, else the link to the same
     place, gets it back; else the region itself, so a keyboard user stays where they were.
   - data-live-rows: how many rows the region shows is sent as `shown`, so a list extended
     with "Load more" keeps its length.
   - data-live-announce: said politely to screen readers after a refresh.
   - An element [data-request-count] whose number goes up shows a "New booking request" toast.
*/
(() => {
  "use strict";

  const COALESCE_MS = 250;
  const TOAST_MS = 8000;
  const timers = new WeakMap(); // region → pending refresh
  const deferred = new Set(); // regions waiting for the user to finish in them
  const before = new WeakMap(); // region → {focus, requests} noted before its swap

  function regionsFor(kind) {
    return Array.from(document.querySelectorAll("[data-live-refresh]")).filter((region) =>
      region.dataset.liveRefresh.split(/\s+/).includes(kind),
    );
  }

  function busy(region) {
    if (region.querySelector("details[open]")) return true;
    const active = document.activeElement;
    return Boolean(
      active &&
        region.contains(active) &&
        active.matches("input, textarea, select, [contenteditable]"),
    );
  }

  function refresh(region) {
    if (!region.isConnected || !window.htmx) return;
    if (busy(region)) {
      deferred.add(region);
      return;
    }
    deferred.delete(region);
    window.htmx.trigger(region, "tandem:refresh");
  }

  function schedule(region) {
    window.clearTimeout(timers.get(region));
    timers.set(
      region,
      window.setTimeout(() => refresh(region), COALESCE_MS),
    );
  }

  document.addEventListener("tandem:event", (event) => {
    regionsFor(event.detail.kind).forEach(schedule);
  });
  // Followed from "now" after a resync: whatever the region shows may be out of date.
  document.addEventListener("tandem:resync", () => {
    document.querySelectorAll("[data-live-refresh]").forEach(schedule);
  });

  // A deferred refresh runs once the user has left the field or closed the <details>.
  function retryDeferred() {
    for (const region of Array.from(deferred)) {
      if (!region.isConnected) deferred.delete(region);
      else if (!busy(region)) schedule(region);
    }
  }
  // focusout fires before the focus moves on: look once it has.
  document.addEventListener("focusout", () => window.setTimeout(retryDeferred, 0));
  document.addEventListener("toggle", retryDeferred, true); // <details> toggle does not bubble

  function isRegion(element) {
    return element instanceof Element && element.matches("[data-live-refresh]");
  }

  function requestCount() {
    const marker = document.querySelector("[data-request-count]");
    return marker ? Number(marker.dataset.requestCount) || 0 : 0;
  }

  document.addEventListener("htmx:configRequest", (event) => {
    const region = event.detail.elt;
    if (!isRegion(region) || !region.dataset.liveRows) return;
    event.detail.parameters.shown = String(region.querySelectorAll(region.dataset.liveRows).length);
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const region = event.detail.target;
    if (!isRegion(region)) return;
    const active = document.activeElement;
    const focus =
      active && active !== region && region.contains(active)
        ? { id: active.id, href: active.getAttribute("href"), text: active.textContent.trim() }
        : null;
    before.set(region, { focus, requests: requestCount() });
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const region = event.detail.target;
    if (!isRegion(region) || !before.has(region)) return;
    const noted = before.get(region);
    before.delete(region);
    restoreFocus(region, noted.focus);
    if (requestCount() > noted.requests) {
      toast("New booking request", "A client asked for a session; it is waiting for your answer.");
    } else if (region.dataset.liveAnnounce) {
      announce(region.dataset.liveAnnounce);
    }
  });

  function restoreFocus(region, focus) {
    if (!focus || region.contains(document.activeElement)) return; // htmx kept it (same id)
    const links = Array.from(region.querySelectorAll("a[href], button"));
    const found =
      (focus.id && document.getElementById(focus.id)) ||
      (focus.href && links.find((el) => el.getAttribute("href") === focus.href)) ||
      links.find((el) => el.textContent.trim() === focus.text);
    if (found) {
      found.focus();
    } else {
      region.tabIndex = -1; // the thing they were on is gone: stay in the region
      region.focus();
    }
  }

  const { announce } = window.tandem; // shared.js

  // The container is a polite live region in base.html, present before any toast is added,
  // so screen readers read each toast as it appears.
  function toast(title, text) {
    const container = document.querySelector("[data-live-toasts]");
    if (!container) return announce(title);
    const box = document.createElement("div");
    box.className = "toast show";
    box.setAttribute("role", "status");
    const header = document.createElement("div");
    header.className = "toast-header";
    const strong = document.createElement("strong");
    strong.className = "me-auto";
    strong.textContent = title;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => box.remove());
    header.append(strong, close);
    const content = document.createElement("div");
    content.className = "toast-body";
    content.textContent = text;
    box.append(header, content);
    container.append(box);
    window.setTimeout(() => box.remove(), TOAST_MS);
  }
})();
