/* Book now offers for coaches, on every page: an alert with a chime, the client's request,
   a countdown and Accept / Decline. Loaded with `defer` by base.html for coaches on pages
   that follow the event stream (realtime/events.js); uses tandem/alert.js for the sound.

   The alert shows what GET /api/v1/dispatch/offers says, fetched when the page loads and on
   every `tandem:dispatch.offer` event (events carry ids only; the API is the truth). A new
   offer chimes once. Answers go to POST /api/v1/dispatch/offers/{id}/accept|decline. When a
   countdown ends the list is fetched again: that read times the offer out on the server, so
   the next coach is asked even if the task worker is slow.

   Keyboard and screen readers: the alerts sit at the start of the page (first in tab order
   after the skip link), a new offer is announced assertively, and focus is not moved (a
   coach typing elsewhere must not accept by pressing Enter). No inline scripts (strict CSP).
*/
(() => {
  "use strict";

  const API = "/api/v1/dispatch/offers";
  const RESULT_MS = 60000; // a "booked" result stays this long unless closed
  const GONE_MS = 6000; // a closed offer's last word stays this long
  const chimed = new Set(); // offers already announced with a sound
  const cards = new Map(); // offer id -> {box, countdown, ...}
  let box = null;
  let live = null;
  let loading = false;
  let again = false;

  const { csrfToken } = window.tandem; // shared.js

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function container() {
    if (box) return box;
    box = el("section", "dispatch-alerts");
    box.setAttribute("aria-label", "Book now offers");
    live = el("div", "visually-hidden");
    live.setAttribute("role", "alert");
    box.append(live);
    const skip = document.querySelector(".skip-link");
    if (skip) skip.after(box);
    else document.body.prepend(box);
    placeBelowHeader();
    window.addEventListener("scroll", placeBelowHeader, { passive: true });
    window.addEventListener("resize", placeBelowHeader);
    return box;
  }

  // Below the site's navigation while it is on screen (it used to cover the menu), at the
  // top of the viewport once the page has scrolled it away.
  function placeBelowHeader() {
    if (!box) return;
    const header = document.querySelector("body > header");
    const bottom = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
    box.style.setProperty("--dispatch-top", `${Math.round(bottom) + 8}px`);
  }

  // Into the alerts' own assertive region, not the page's polite one.
  function announce(text) {
    container();
    window.tandem.announce(text, live);
  }

  function stopCountdown(card) {
    if (card.countdown) card.countdown.stop();
  }

  // In the coach's zone and clock (tandem.js: one formatter for every page).
  function when(offer) {
    if (window.tandemTime) return window.tandemTime.format(offer.start, { zone: offer.tz, weekday: true });
    return offer.local_start.slice(11, 16);
  }

  function soundLabel(button) {
    const on = window.tandemAlert ? window.tandemAlert.soundEnabled() : false;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Sound on" : "Sound off";
  }

  function remove(id, after) {
    const card = cards.get(id);
    if (!card) return;
    stopCountdown(card);
    window.setTimeout(() => {
      card.box.remove();
      if (cards.get(id) === card) cards.delete(id);
    }, after || 0);
  }

  function finish(card, text, tone) {
    card.done = true;
    stopCountdown(card);
    card.box.querySelectorAll("[data-answer]").forEach((button) => {
      button.disabled = true;
    });
    card.result.className = `small mt-2 mb-0 ${tone || ""}`;
    card.result.textContent = text;
  }

  async function answer(id, action) {
    const card = cards.get(id);
    if (!card || card.done) return;
    card.box.querySelectorAll("[data-answer]").forEach((button) => {
      button.disabled = true;
    });
    let response = null;
    let body = {};
    try {
      response = await fetch(`${API}/${encodeURIComponent(id)}/${action}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      });
      body = await response.json();
    } catch (error) {
      body = { error: { message: "Could not reach Tandem. Check your connection and try again." } };
    }
    if (response && response.ok && action === "accept") {
      finish(card, "Accepted: the session is booked. ", "text-success");
      const link = el("a", "fw-semibold", "Open the session");
      link.href = body.booking ? body.booking.url : "/sessions/";
      link.setAttribute("data-offer-booked", "");
      card.result.append(link);
      link.focus(); // they acted here: keep them here
      announce("Accepted: the session is booked.");
      remove(id, RESULT_MS);
    } else if (response && response.ok) {
      finish(card, "Declined.");
      announce("Declined. The client's request goes to the next coach.");
      remove(id, 1500);
    } else {
      const message = (body.error && body.error.message) || "That did not work.";
      finish(card, message, "text-danger");
      announce(message);
      remove(id, GONE_MS);
      load();
    }
  }

  function countdown(card, seconds) {
    card.countdown = window.tandem.countdown(
      seconds,
      (left, text) => {
        card.remaining.textContent = text;
      },
      () => {
        finish(card, "Time is up: the request has moved on.");
        remove(card.id, GONE_MS);
        window.setTimeout(load, 1000); // the read times it out on the server
      },
    );
  }

  function build(offer) {
    const card = { id: offer.id, done: false, countdown: null };
    const titleId = `dispatch-offer-${offer.id}`;
    card.box = el("div", "dispatch-alert card shadow");
    card.box.setAttribute("role", "group");
    card.box.setAttribute("aria-labelledby", titleId);
    card.box.dataset.offerId = offer.id;
    const body = el("div", "card-body");
    const title = el("h2", "h6 mb-1");
    title.id = titleId;
    const icon = el("i", "bi bi-lightning-charge-fill text-warning me-1");
    icon.setAttribute("aria-hidden", "true");
    title.append(icon, "Book now: a client is waiting");
    const what = el(
      "p",
      "mb-1",
      `${offer.specialty.name} · ${offer.duration_minutes} minutes with ${offer.client.name}`,
    );
    const time = el("p", "small mb-2");
    const start = el("time", "fw-semibold", when(offer));
    start.dateTime = offer.start;
    card.remaining = el("span", "fw-semibold");
    card.remaining.setAttribute("role", "timer");
    card.remaining.setAttribute("aria-live", "off");
    time.append("Starts ", start, ` (${offer.tz}) · `, card.remaining, " left to answer");
    const actions = el("div", "d-flex flex-wrap align-items-center gap-2");
    const accept = el("button", "btn btn-primary btn-sm", "Accept");
    const decline = el("button", "btn btn-outline-secondary btn-sm", "Decline");
    const sound = el("button", "btn btn-link btn-sm ms-auto");
    [accept, decline, sound].forEach((button) => {
      button.type = "button";
    });
    accept.dataset.answer = "accept";
    decline.dataset.answer = "decline";
    accept.addEventListener("click", () => answer(offer.id, "accept"));
    decline.addEventListener("click", () => answer(offer.id, "decline"));
    soundLabel(sound);
    sound.addEventListener("click", () => {
      if (window.tandemAlert) window.tandemAlert.setSoundEnabled(!window.tandemAlert.soundEnabled());
      document.querySelectorAll(".dispatch-alert [data-sound]").forEach(soundLabel);
    });
    sound.dataset.sound = "";
    actions.append(accept, decline, sound);
    card.result = el("p", "small mt-2 mb-0");
    card.result.setAttribute("role", "status");
    body.append(title, what, time, actions, card.result);
    card.box.append(body);
    return card;
  }

  function render(items) {
    const open = new Set(items.map((offer) => offer.id));
    for (const [id, card] of cards) {
      if (!open.has(id) && !card.done) {
        finish(card, "This request is no longer open.");
        remove(id, GONE_MS);
      }
    }
    const fresh = [];
    for (const offer of items) {
      if (cards.has(offer.id)) continue;
      const card = build(offer);
      cards.set(offer.id, card);
      container().append(card.box);
      countdown(card, offer.seconds_left);
      if (!chimed.has(offer.id)) {
        chimed.add(offer.id);
        fresh.push(offer);
      }
    }
    if (fresh.length) {
      if (window.tandemAlert) window.tandemAlert.chime();
      const offer = fresh[0];
      announce(
        `Book now: ${offer.client.name} is asking for a ${offer.duration_minutes}-minute ` +
          `${offer.specialty.name} session. Accept or decline in the alert at the top of the page.`,
      );
    }
  }

  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const response = await fetch(API, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) render((await response.json()).items || []);
    } catch (error) {
      /* offline: the next event or page load tries again */
    } finally {
      loading = false;
      if (again) {
        again = false;
        load();
      }
    }
  }

  document.addEventListener("tandem:dispatch.offer", load);
  // Back from a lost connection: what happened meanwhile arrives as events, but a page that
  // was asleep may hold a countdown that no longer matches.
  document.addEventListener("tandem:connection", (event) => {
    if (event.detail && event.detail.state === "live") load();
  });
  load();
})();
