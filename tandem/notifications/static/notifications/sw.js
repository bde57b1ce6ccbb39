/* Tandem's service worker, for Web Push only (no caching, no offline pages). Served at /sw.js
   by notifications.views.service_worker (with `Service-Worker-Allowed: /`), so its scope is
   the whole site; registered by notifications/push.js when someone turns browser
   notifications on.

   A push's data is what channels/push.py sends: {title, body, url, tag}. The tag is the
   delivery's key, so a push delivered twice (at-least-once) replaces itself instead of
   showing twice. A click focuses a Tandem tab already showing that page, else opens it.
*/
/* eslint-env serviceworker */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function payload(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (error) {
    return { body: event.data.text() };
  }
}

// Only pages of this site: a push cannot send the click elsewhere.
function localUrl(url) {
  try {
    const target = new URL(url || "/notifications/", self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/notifications/";
  }
}

self.addEventListener("push", (event) => {
  const data = payload(event);
  const options = {
    body: data.body || "",
    data: { url: localUrl(data.url) },
    icon: "/static/tandem/favicon.svg",
  };
  if (data.tag) options.tag = data.tag;
  event.waitUntil(self.registration.showNotification(data.title || "Tandem", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = localUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      const same = tabs.find((tab) => tab.url === url);
      if (same && "focus" in same) return same.focus();
      return self.clients.openWindow(url);
    }),
  );
});
