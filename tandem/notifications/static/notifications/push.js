/* Web Push opt-in on the notification settings page ([data-push] section). No inline
   scripts (strict CSP); works with the session (CSRF token from <body hx-headers>).

   "Turn on browser notifications":
     1. Notification.requestPermission() — first, while the click still counts as the
        user's gesture (browsers refuse to ask otherwise);
     2. register the service worker served at /sw.js (data-push-worker), scope "/";
     3. GET /api/v1/push/key → the VAPID applicationServerKey;
     4. pushManager.subscribe({userVisibleOnly: true, applicationServerKey});
     5. POST /api/v1/push/subscriptions {endpoint, keys: {p256dh, auth}}; the id that comes
        back is kept in localStorage so "Turn off" can DELETE it.
   Every state is said in words in [data-push-status] (a polite live region): no support
   (or no https), blocked by the browser, not answered, the push service unreachable, on, off.
*/
(() => {
  "use strict";

  const section = document.querySelector("[data-push]");
  if (!section) return;

  const KEY_URL = "/api/v1/push/key";
  const SUBSCRIPTIONS_URL = "/api/v1/push/subscriptions";
  const ID_KEY = "tandem:push:id";
  const status = section.querySelector("[data-push-status]");
  const onButton = section.querySelector("[data-push-on]");
  const offButton = section.querySelector("[data-push-off]");
  const workerUrl = section.dataset.pushWorker || "/sw.js";

  const BLOCKED =
    "Your browser blocks notifications from Tandem. Allow them in this site's settings " +
    "(the icon next to the address), then reload this page.";

  function say(text, state) {
    status.textContent = text;
    section.dataset.pushState = state;
  }

  function show(on) {
    onButton.hidden = on;
    offButton.hidden = !on;
  }

  function busy(value) {
    onButton.disabled = value;
    offButton.disabled = value;
  }

  const { csrfToken } = window.tandem; // shared.js

  function remember(id) {
    try {
      if (id) window.localStorage.setItem(ID_KEY, id);
      else window.localStorage.removeItem(ID_KEY);
    } catch (error) {
      /* storage disabled: "Turn off" registers again to learn the id */
    }
  }

  function remembered() {
    try {
      return window.localStorage.getItem(ID_KEY);
    } catch (error) {
      return null;
    }
  }

  // The key comes as base64url; PushManager wants its bytes.
  function keyBytes(base64url) {
    const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    return Uint8Array.from(window.atob(base64), (c) => c.charCodeAt(0));
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const message = data && data.error ? data.error.message : `HTTP ${response.status}`;
      throw new Error(message);
    }
    return data;
  }

  async function register(subscription) {
    const json = subscription.toJSON();
    const answer = await api("POST", SUBSCRIPTIONS_URL, {
      endpoint: json.endpoint,
      keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
    });
    remember(answer.id);
    return answer.id;
  }

  async function subscribe(registration, key) {
    const options = { userVisibleOnly: true, applicationServerKey: key };
    try {
      return await registration.pushManager.subscribe(options);
    } catch (error) {
      // Subscribed earlier with another server key (the key was rotated): start again.
      const old = await registration.pushManager.getSubscription();
      if (error.name !== "InvalidStateError" || !old) throw error;
      await old.unsubscribe();
      return registration.pushManager.subscribe(options);
    }
  }

  async function turnOn() {
    busy(true);
    say("Turning on browser notifications…", "working");
    try {
      const permission = await window.Notification.requestPermission();
      if (permission === "denied") return say(BLOCKED, "blocked");
      if (permission !== "granted") {
        return say(
          "Your browser's question was closed without an answer. Press the button to be asked again.",
          "default",
        );
      }
      const registration = await navigator.serviceWorker.register(workerUrl, { scope: "/" });
      await navigator.serviceWorker.ready;
      const { public_key: publicKey } = await api("GET", KEY_URL);
      let subscription;
      try {
        subscription = await subscribe(registration, keyBytes(publicKey));
      } catch (error) {
        if (error.name === "NotAllowedError") return say(BLOCKED, "blocked");
        return say(
          "Your browser could not reach its push service, so browser notifications are not " +
            `on. Try again later. (${error.message || error.name})`,
          "failed",
        );
      }
      try {
        await register(subscription);
      } catch (error) {
        await subscription.unsubscribe().catch(() => {});
        return say(`Tandem could not save this browser: ${error.message}`, "failed");
      }
      show(true);
      say("Browser notifications are on in this browser.", "on");
    } catch (error) {
      say(`Browser notifications could not be turned on: ${error.message || error.name}`, "failed");
    } finally {
      busy(false);
    }
  }

  async function turnOff() {
    busy(true);
    try {
      const registration = await navigator.serviceWorker.getRegistration("/");
      const subscription = registration && (await registration.pushManager.getSubscription());
      if (subscription) {
        const id = remembered() || (await register(subscription));
        await api("DELETE", `${SUBSCRIPTIONS_URL}/${encodeURIComponent(id)}`).catch(() => {});
        await subscription.unsubscribe();
      }
      remember(null);
      show(false);
      say("Browser notifications are off in this browser.", "off");
    } catch (error) {
      say(`Browser notifications could not be turned off: ${error.message || error.name}`, "failed");
    } finally {
      busy(false);
    }
  }

  async function start() {
    if (!window.isSecureContext) {
      return say(
        "Browser notifications need a secure (https) connection to Tandem; this page has none.",
        "unsupported",
      );
    }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      return say("This browser cannot show push notifications.", "unsupported");
    }
    onButton.addEventListener("click", turnOn);
    offButton.addEventListener("click", turnOff);
    if (window.Notification.permission === "denied") {
      show(false);
      onButton.hidden = true;
      return say(BLOCKED, "blocked");
    }
    const registration = await navigator.serviceWorker.getRegistration("/").catch(() => null);
    const subscription = registration
      ? await registration.pushManager.getSubscription().catch(() => null)
      : null;
    show(Boolean(subscription));
    say(
      subscription
        ? "Browser notifications are on in this browser."
        : "Browser notifications are off in this browser.",
      subscription ? "on" : "off",
    );
  }

  start();
})();
