/* Tandem real-time client: follows the signed-in user's event stream and hands each event to
   the page as a DOM event. Plain JS, no build step, no dependencies; loaded with `defer` by
   base.html on signed-in pages only (no inline scripts: strict CSP).

   Configuration comes from <body data-events-*>, rendered by the server:
     data-events-after      stream position when the page was rendered: resume after it
                            (empty: start from "now", the server says where that is)
     data-events-ws         WebSocket path                     (default /ws/events)
     data-events-sse        Server-Sent Events URL             (default /api/v1/events/stream)
     data-events-poll       long-poll URL                      (default /api/v1/events)
     data-events-heartbeat  server heartbeat, seconds          (default 15)
     data-events-longpoll   longest long-poll wait, seconds    (default 30)

   What the page gets (all dispatched on `document`):
     tandem:event            detail = {seq, kind, data, at}, every event, in order, once
     tandem:<kind>           the same, by kind, e.g. tandem:booking.changed
     tandem:signal           detail = {kind, data}: ephemeral signals (WebSocket only)
     tandem:signal:<kind>    the same, by kind
     tandem:connection       detail = {state, transport} when the state changes
   and window.TandemEvents: .status ("connecting" | "live" | "reconnecting" | "offline"),
   .lastSeq, .transport ("ws" | "sse" | "poll"), .on(name, fn) → unsubscribe function
   (name: a kind, "*" for every event, "signal:<kind>", or "connection").

   Transports, best first: WebSocket, then SSE, then long-poll. A transport that fails
   FALLBACK_AFTER times in a row without ever working on this page is given up for the next
   (a proxy that refuses WebSockets, or buffers streams); one that has worked is kept, since
   then the network, not the transport, is at fault. A fallback that works is remembered
   for a while (sessionStorage), so the next page does not pay for the failed attempts again.
   Reconnects wait with exponential backoff and jitter (so a restarted server is not hit by
   every client at once), capped at 30 s; resumes from the last seq seen; repeats (seq <=
   last seen) are dropped. `resync_required` reloads the page: it renders the current state
   and a fresh starting point.
*/
(() => {
  "use strict";

  const body = document.body;
  if (!body || !("eventsAfter" in body.dataset) || window.TandemEvents) return;

  const TRANSPORTS = ["ws", "sse", "poll"];
  const FALLBACK_AFTER = 3; // failures before a transport that never worked is given up
  const BACKOFF_BASE_MS = 1000;
  const BACKOFF_CAP_MS = 30000;
  const CONNECT_TIMEOUT_MS = 10000; // no answer at all within this: treat as failed
  const REMEMBER_MS = 10 * 60 * 1000; // how long a working fallback is preferred
  const RESYNC_GUARD_MS = 30000; // at most one reload for resync in this time
  const STATUS_GRACE_MS = 2000; // a blip shorter than this never shows "Reconnecting…"
  const MEMORY_KEY = "tandem:events:transport";
  const RESYNC_KEY = "tandem:events:resync";
  const LABELS = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Reconnecting…",
    offline: "Offline",
  };
  const DOT_COLOURS = {
    connecting: "text-warning",
    live: "text-success",
    reconnecting: "text-warning",
    offline: "text-danger",
  };

  const config = {
    ws: body.dataset.eventsWs || "/ws/events",
    sse: body.dataset.eventsSse || "/api/v1/events/stream",
    poll: body.dataset.eventsPoll || "/api/v1/events",
    heartbeatMs: seconds(body.dataset.eventsHeartbeat, 15, 1) * 1000,
    longpoll: seconds(body.dataset.eventsLongpoll, 30, 0), // 0 is allowed: a server may not wait
  };
  // Silence for this long means the connection is dead even if the socket does not know it
  // yet (a laptop waking from sleep, a proxy that dropped the connection without a word).
  const watchdogMs = 2 * config.heartbeatMs + 5000;

  let lastSeq = parseSeq(body.dataset.eventsAfter); // null: start from "now"
  let transportIndex = rememberedTransport();
  let fellBack = false; // this page gave up a transport (then a working fallback is remembered)
  let failures = 0; // consecutive failures of the current transport before it ever worked
  let attempt = 0; // consecutive failed attempts: the backoff exponent
  const worked = new Set(); // transports that have worked on this page
  let link = null; // the current connection
  let retryTimer = null;
  let state = "connecting";
  let everLive = false;
  let stopped = false; // leaving the page (reload, navigation, bfcache)

  // --- helpers -------------------------------------------------------------------------

  function seconds(value, fallback, least) {
    const number = value === undefined || value === "" ? NaN : Number(value);
    return Number.isFinite(number) && number >= least ? number : fallback;
  }

  function parseSeq(value) {
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
  }

  function emit(name, detail) {
    // A failing listener is reported by the browser and does not stop the others or us.
    document.dispatchEvent(new CustomEvent(name, { detail }));
  }

  function storage(action) {
    try {
      return action(window.sessionStorage);
    } catch (error) {
      return null; // storage disabled (privacy mode): work without memory
    }
  }

  function rememberedTransport() {
    const saved = storage((s) => JSON.parse(s.getItem(MEMORY_KEY) || "null"));
    if (saved && saved.until > Date.now() && TRANSPORTS.includes(saved.transport)) {
      return TRANSPORTS.indexOf(saved.transport);
    }
    return 0;
  }

  function remember(name) {
    storage((s) =>
      name === "ws"
        ? s.removeItem(MEMORY_KEY)
        : s.setItem(MEMORY_KEY, JSON.stringify({ transport: name, until: Date.now() + REMEMBER_MS })),
    );
  }

  function withAfter(path, extra) {
    const url = new URL(path, window.location.href);
    if (lastSeq !== null) url.searchParams.set("after", String(lastSeq));
    for (const [key, value] of Object.entries(extra || {})) url.searchParams.set(key, value);
    return url;
  }

  function backoff(n) {
    // "Equal jitter": at least half the exponential step, at most all of it.
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, n - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  // --- status and the indicator --------------------------------------------------------

  const indicator = document.querySelector("[data-realtime-status]");
  let graceTimer = null;

  function setState(next) {
    if (next === "reconnecting" && !everLive) next = "connecting";
    if (next === "live") everLive = true;
    if (state === next) return;
    state = next;
    emit("tandem:connection", { state, transport: TRANSPORTS[transportIndex] });
    window.clearTimeout(graceTimer);
    if (next === "live" || next === "offline") {
      showState();
    } else {
      graceTimer = window.setTimeout(showState, STATUS_GRACE_MS);
    }
  }

  function showState() {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.dataset.transport = TRANSPORTS[transportIndex];
    const label = indicator.querySelector("[data-realtime-label]") || indicator;
    label.textContent = LABELS[state];
    const dot = indicator.querySelector(".bi"); // colour repeats the words, never replaces them
    if (dot) dot.className = `bi bi-circle-fill ${DOT_COLOURS[state]}`;
    // Text set before it is first shown: screen readers hear changes, not the first "Live"
    // on every page load.
    indicator.hidden = false;
  }

  // --- delivery ------------------------------------------------------------------------

  function deliver(event) {
    if (!event || typeof event.seq !== "number" || typeof event.kind !== "string") return;
    if (lastSeq !== null && event.seq <= lastSeq) return; // seen before a reconnect
    lastSeq = event.seq;
    emit("tandem:event", event);
    emit(`tandem:${event.kind}`, event);
  }

  function signal(payload) {
    if (!payload || typeof payload.kind !== "string") return;
    emit("tandem:signal", payload);
    emit(`tandem:signal:${payload.kind}`, payload);
  }

  function startAt(position) {
    // A fresh start (no resume point): the server says where the stream stands.
    if (lastSeq === null && typeof position === "number") lastSeq = position;
  }

  // --- the connection lifecycle --------------------------------------------------------

  // Each attempt gets a Link; callbacks from an attempt we already left are ignored.
  class Link {
    constructor(transport) {
      this.transport = transport;
      this.live = true;
      this.opened = false;
      this.closer = () => {};
      this.watchdog = null;
    }

    close() {
      this.live = false;
      window.clearTimeout(this.watchdog);
      this.closer();
    }

    // Any sign of life pushes the deadline back; silence past it counts as a lost connection.
    alive(ms = watchdogMs) {
      window.clearTimeout(this.watchdog);
      this.watchdog = window.setTimeout(() => this.lost(), ms);
    }

    ready() {
      if (!this.live) return;
      if (!this.opened) {
        this.opened = true;
        worked.add(this.transport);
        failures = 0;
        attempt = 0;
        // WebSocket working clears the memory; a fallback chosen on this page is remembered
        // (one taken from memory is not, so WebSocket is tried again when that expires).
        if (this.transport === "ws" || fellBack) remember(this.transport);
      }
      setState("live");
    }

    lost() {
      if (!this.live) return;
      this.close();
      if (stopped) return;
      if (!this.opened && !worked.has(this.transport)) {
        failures += 1;
        if (failures >= FALLBACK_AFTER && transportIndex < TRANSPORTS.length - 1) {
          transportIndex += 1; // the next transport, at once
          fellBack = true;
          failures = 0;
          attempt = 0;
          setState("reconnecting");
          connect();
          return;
        }
      }
      attempt += 1;
      setState("reconnecting");
      schedule(backoff(attempt));
    }

    resync() {
      if (!this.live) return;
      this.close();
      const last = Number(storage((s) => s.getItem(RESYNC_KEY)) || 0);
      if (Date.now() - last > RESYNC_GUARD_MS) {
        storage((s) => s.setItem(RESYNC_KEY, String(Date.now())));
        stopped = true;
        window.location.reload(); // the page renders today's state and a fresh start point
        return;
      }
      // Reloaded for this a moment ago and still out of step: follow from "now" instead of
      // reloading in a loop; pages may refresh what they show on this event.
      lastSeq = null;
      emit("tandem:resync", {});
      connect();
    }

    unauthorized() {
      // Signed out (or the session expired): nothing to follow until the user signs in.
      if (!this.live) return;
      this.close();
      window.clearTimeout(retryTimer);
      retryTimer = null;
      setState("offline");
    }
  }

  function schedule(delay) {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(connect, delay);
  }

  function connect() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (link) link.close();
    link = null;
    if (stopped) return;
    if (navigator.onLine === false) {
      setState("offline"); // the "online" event reconnects
      return;
    }
    if (TRANSPORTS[transportIndex] === "ws" && typeof window.WebSocket !== "function") {
      transportIndex = 1;
    }
    const transport = TRANSPORTS[transportIndex];
    link = new Link(transport);
    OPENERS[transport](link);
  }

  // --- WebSocket -----------------------------------------------------------------------

  function openSocket(current) {
    const url = withAfter(config.ws);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(url.href);
    } catch (error) {
      current.lost();
      return;
    }
    current.closer = () => {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      try {
        socket.close(1000);
      } catch (error) {
        /* already closed */
      }
    };
    current.socket = socket;
    // Until "ready" arrives the attempt has not worked (a proxy may accept the upgrade and
    // then pass nothing on); while catching up, every frame pushes the deadline back.
    current.alive(CONNECT_TIMEOUT_MS);
    socket.onmessage = (message) => {
      current.alive();
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      switch (frame && frame.type) {
        case "event":
          deliver(frame.event);
          break;
        case "ready":
          startAt(frame.last_seq);
          current.ready();
          sendPresence();
          break;
        case "signal":
          signal(frame.signal);
          break;
        case "error":
          if (frame.error && frame.error.code === "resync_required") current.resync();
          break;
        default: // heartbeat, pong: sign of life only
      }
    };
    socket.onclose = (close) => {
      if (close.code === 4409) current.resync();
      else current.lost(); // includes a refused handshake (signed out, foreign Origin)
    };
  }

  function sendPresence() {
    const socket = link && link.live && link.opened && link.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const away = document.visibilityState === "hidden";
    socket.send(JSON.stringify({ type: "presence", state: away ? "away" : "online" }));
  }

  // --- Server-Sent Events --------------------------------------------------------------
  //
  // Read with fetch rather than EventSource: EventSource only reports events whose name a
  // listener was registered for (the server names each event by its kind, and kinds are
  // open-ended), and it hides the HTTP status, so a 401 or 410 would look like a network
  // error. Same protocol, same endpoint, same resume point.

  function openStream(current) {
    const controller = new AbortController();
    current.closer = () => controller.abort();
    current.alive(CONNECT_TIMEOUT_MS);
    const url = withAfter(config.sse);
    fetch(url, {
      headers: { Accept: "text/event-stream" },
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    })
      .then(async (response) => {
        if (response.status === 410) return current.resync();
        if (response.status === 401 || response.status === 403) return current.unauthorized();
        const type = response.headers.get("Content-Type") || "";
        if (!response.ok || !response.body || !type.startsWith("text/event-stream")) {
          throw new Error(`event stream answered ${response.status}`);
        }
        // The server refuses a bad resume point with a status before streaming, so a 200
        // stream is a working one.
        current.alive();
        current.ready();
        await readFrames(response.body, current);
        throw new Error("event stream ended");
      })
      .catch(() => current.lost());
  }

  async function readFrames(stream, current) {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let carry = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || !current.live) return;
      current.alive(); // heartbeat comments count as signs of life
      // Normalise line ends; a "\r" at a chunk's end may be half of a "\r\n".
      let text = carry + value;
      carry = "";
      if (text.endsWith("\r")) {
        carry = "\r";
        text = text.slice(0, -1);
      }
      buffer += text.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        handleFrame(frame, current);
        if (!current.live) return;
      }
    }
  }

  function handleFrame(frame, current) {
    let name = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (line === "" || line.startsWith(":")) continue; // comments: heartbeats
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return; // "retry:" and the like
    let payload;
    try {
      payload = JSON.parse(data.join("\n"));
    } catch (error) {
      return;
    }
    if (name === "ready") startAt(payload.last_seq);
    else if (name === "resync_required") current.resync();
    else deliver(payload); // every other name is an event's kind
  }

  // --- long-poll -----------------------------------------------------------------------

  function openPoll(current) {
    let controller = null;
    let waitTimer = null;
    current.closer = () => {
      window.clearTimeout(waitTimer);
      if (controller) controller.abort();
    };
    let first = true;
    const round = async () => {
      controller = new AbortController();
      // The first request answers at once (timeout 0): it proves the transport works and
      // catches up; the following ones wait for news.
      const wait = first ? 0 : config.longpoll;
      first = false;
      // The server answers within its timeout; a request still open well after that is lost.
      current.alive((wait + 15) * 1000);
      const asked = Date.now();
      const response = await fetch(withAfter(config.poll, { timeout: String(wait) }), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
        signal: controller.signal,
      });
      if (!current.live) return;
      if (response.status === 410) return current.resync();
      if (response.status === 401 || response.status === 403) return current.unauthorized();
      if (!response.ok) throw new Error(`long-poll answered ${response.status}`);
      const page = await response.json();
      if (!current.live) return;
      current.ready();
      startAt(page.last_seq);
      for (const event of page.events || []) {
        deliver(event);
        if (!current.live) return; // a listener navigated away
      }
      if (typeof page.last_seq === "number" && page.last_seq > (lastSeq ?? -1)) {
        lastSeq = page.last_seq;
      }
      // More waiting: ask at once. Otherwise never spin if a server answers early.
      const pause = page.more ? 0 : Math.max(0, 1000 - (Date.now() - asked));
      waitTimer = window.setTimeout(() => round().catch(() => current.lost()), pause);
    };
    round().catch(() => current.lost());
  }

  const OPENERS = { ws: openSocket, sse: openStream, poll: openPoll };

  // --- the page's lifecycle ------------------------------------------------------------

  document.addEventListener("visibilitychange", () => {
    sendPresence();
    // Back on the page while waiting out a long backoff, or after being signed out (the user
    // may have signed in again in another tab): try now.
    const waiting = retryTimer !== null || state === "offline";
    if (document.visibilityState === "visible" && waiting && !stopped) {
      attempt = 0;
      connect();
    }
  });
  window.addEventListener("online", () => {
    if (stopped) return;
    attempt = 0;
    connect();
  });
  window.addEventListener("offline", () => {
    if (link) link.close();
    link = null;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    setState("offline");
  });
  // Close on the way out: the page can then enter the back/forward cache, and no
  // "Reconnecting…" flashes while the next page loads.
  window.addEventListener("pagehide", () => {
    stopped = true;
    window.clearTimeout(retryTimer);
    if (link) link.close();
    link = null;
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return; // restored from the back/forward cache: resume
    stopped = false;
    attempt = 0;
    connect();
  });

  window.TandemEvents = Object.freeze({
    get status() {
      return state;
    },
    get lastSeq() {
      return lastSeq;
    },
    get transport() {
      return TRANSPORTS[transportIndex];
    },
    /** Listen to "booking.changed", "*" (every event), "signal:typing" or "connection";
     *  `fn(detail, domEvent)`. Returns a function that stops listening. */
    on(name, fn) {
      const type = name === "*" ? "tandem:event" : `tandem:${name}`;
      const handler = (domEvent) => fn(domEvent.detail, domEvent);
      document.addEventListener(type, handler);
      return () => document.removeEventListener(type, handler);
    },
  });

  // Shown only if connecting takes a moment; a quick "Live" appears without an announcement.
  graceTimer = window.setTimeout(showState, STATUS_GRACE_MS);
  connect();
})();
