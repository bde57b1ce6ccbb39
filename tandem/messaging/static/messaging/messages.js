/* The messages page (/messages/…): the server renders the conversation list and the newest
   page of the open thread; this file does the rest through the JSON API
   (/api/v1/conversations…): older pages when scrolled to the top (keeping the position),
   sending, search, marking read, and live updates from realtime/events.js:

     tandem:message.created / .edited / .deleted / .reaction   events carry ids only: the
                                message is fetched from the API, never taken from the event
     tandem:conversation.read   the others' read position: "Seen" under my last message
     tandem:signal:typing       "Alice is typing…" for a few seconds

   Message text is shown only as the server renders it (`html`: everything escaped, then
   light formatting); names, previews and file names go in as text. Plain JS, no build step;
   loaded with `defer` (strict CSP: no inline scripts). */
(() => {
  "use strict";

  const chat = document.querySelector("[data-chat]");
  if (!chat) return;

  const API = chat.dataset.api || "/api/v1/conversations";
  const PAGE_URL = chat.dataset.pageUrl || "/messages/";
  const ME = chat.dataset.me;
  const TYPING_SHOW_MS = 5000; // a typing hint lasts this long without a new signal
  const TYPING_SEND_MS = 2000; // the server drops more than one signal per 2 s anyway
  const SEEN_LABEL = "Seen";

  const list = chat.querySelector("[data-conversation-list]");
  const thread = chat.querySelector("[data-thread]");
  const messages = thread ? thread.querySelector("[data-messages]") : null;
  const openId = thread ? thread.dataset.conversation : null;
  const typingLine = chat.querySelector("[data-typing]");
  const composer = chat.querySelector("[data-composer]");
  const composerError = chat.querySelector("[data-composer-error]");

  let nextCursor = thread ? thread.dataset.nextCursor || null : null;
  let otherReadSeq = thread ? Number(thread.dataset.otherReadSeq || 0) : 0;
  let loadingOlder = false;
  let typingTimer = null;
  let lastTypingSent = 0;
  let people = {};
  const participantsScript = document.getElementById("chat-participants");
  if (participantsScript) {
    try {
      for (const p of JSON.parse(participantsScript.textContent)) people[p.id] = p.name;
    } catch (error) {
      people = {};
    }
  }

  // --- HTTP ------------------------------------------------------------------------------

  const { csrfToken } = window.tandem; // shared.js

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return `${Date.now()}-${Math.random().toString(16).slice(2)}-${Math.random().toString(16).slice(2)}`;
  }

  async function api(path, options = {}) {
    const init = { credentials: "same-origin", headers: { Accept: "application/json" }, ...options };
    init.headers = { ...{ Accept: "application/json" }, ...(options.headers || {}) };
    if (init.method && init.method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
    if (options.json !== undefined) {
      init.body = JSON.stringify(options.json);
      init.headers["Content-Type"] = "application/json";
      delete init.json;
    }
    const response = await fetch(API + path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      // The API's error shape is {"error": {"code", "message", "fields"}}: show its message.
      const shaped = data && data.error && typeof data.error === "object" ? data.error.message : "";
      const message = shaped || (data && (data.detail || data.message)) || `Request failed (${response.status}).`;
      const failure = new Error(typeof message === "string" ? message : "Request failed.");
      failure.status = response.status;
      throw failure;
    }
    return data;
  }

  // --- rendering (in step with templates/messaging/partials/*.html) --------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // As the server writes it (messaging/partials/message.html: "j M, H:i" in the user's clock).
  function formatTime(iso) {
    return window.tandemTime ? window.tandemTime.format(iso, { date: true }) : "";
  }

  function renderMessage(m) {
    const item = el("li", `msg${m.mine ? " msg-mine" : ""}${m.deleted ? " msg-deleted" : ""}`);
    item.dataset.messageId = m.id;
    item.dataset.seq = String(m.seq);
    item.dataset.mine = m.mine ? "1" : "0";
    const bubble = el("div", "msg-bubble");
    if (!m.mine) bubble.append(el("span", "visually-hidden", `${m.sender.name}: `));
    const body = el("div", "msg-body");
    body.innerHTML = m.html; // the server's safe rendering: all text escaped (see present.py)
    bubble.append(body);
    if (m.attachment) {
      const box = el("div", "msg-attachment");
      if (m.attachment.is_image) {
        const img = el("img", "msg-image");
        img.src = m.attachment.url;
        img.alt = m.attachment.name;
        box.append(img);
      }
      const link = el("a");
      link.href = m.attachment.url;
      const icon = el("i", "bi bi-paperclip");
      icon.setAttribute("aria-hidden", "true");
      link.append(icon, document.createTextNode(` ${m.attachment.name}`));
      box.append(link);
      bubble.append(box);
    }
    if (m.reactions && m.reactions.length) {
      const box = el("div", "msg-reactions");
      for (const r of m.reactions) {
        box.append(el("span", "badge rounded-pill text-bg-light border", `${r.emoji} ${r.count}`), " ");
      }
      bubble.append(box);
    }
    const meta = el("div", "msg-meta");
    const time = el("time", "", formatTime(m.created_at));
    time.setAttribute("datetime", m.created_at);
    meta.append(time);
    if (m.edited && !m.deleted) meta.append(el("span", "msg-edited", "edited"));
    bubble.append(meta);
    item.append(bubble);
    return item;
  }

  function lastShownSeq() {
    const items = messages ? messages.querySelectorAll(".msg") : [];
    return items.length ? Number(items[items.length - 1].dataset.seq) : 0;
  }

  function nearBottom() {
    return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
  }

  function scrollToBottom() {
    thread.scrollTop = thread.scrollHeight;
  }

  /* Put messages where they belong by seq: replace one shown already, append newer ones. */
  function place(items) {
    let appended = false;
    for (const m of items) {
      const existing = messages.querySelector(`[data-message-id="${CSS.escape(m.id)}"]`);
      if (existing) {
        existing.replaceWith(renderMessage(m));
      } else if (m.seq > lastShownSeq()) {
        messages.append(renderMessage(m));
        appended = true;
      }
    }
    updateSeen();
    return appended;
  }

  /* "Seen" under my last message once the other side has read it. */
  function updateSeen() {
    if (!messages) return;
    for (const old of messages.querySelectorAll(".msg-seen")) old.remove();
    const mine = messages.querySelectorAll('.msg[data-mine="1"]');
    const last = mine.length ? mine[mine.length - 1] : null;
    if (last && Number(last.dataset.seq) <= otherReadSeq) {
      last.querySelector(".msg-meta").append(el("span", "msg-seen", SEEN_LABEL));
    }
  }

  // --- the conversation list -------------------------------------------------------------

  function listItem(id) {
    return list ? list.querySelector(`[data-conversation-id="${CSS.escape(id)}"]`) : null;
  }

  function setUnread(item, count) {
    const badge = item.querySelector("[data-unread]");
    if (!badge) return;
    badge.hidden = !count;
    badge.replaceChildren(document.createTextNode(String(count)), el("span", "visually-hidden", " unread"));
  }

  function renderListItem(c) {
    const other = c.participants[0];
    const state = (other && other.presence && other.presence.state) || "offline";
    const label = state.charAt(0).toUpperCase() + state.slice(1);
    const item = el("li", `conv-item${c.id === openId ? " active" : ""}`);
    item.dataset.conversationId = c.id;
    const link = el("a", "conv-link");
    link.href = `${PAGE_URL}${c.id}/`;
    if (c.id === openId) link.setAttribute("aria-current", "page");
    const dot = el("span", `presence-dot presence-${state}`);
    dot.dataset.presence = "";
    dot.title = label;
    dot.append(el("span", "visually-hidden", label));
    const text = el("span", "conv-text");
    text.append(el("span", "conv-title", c.title));
    let preview = "No messages yet";
    if (c.last_message) {
      preview = `${c.last_message.sender.id === ME ? "You: " : ""}${c.last_message.preview}`;
    }
    const previewNode = el("span", "conv-preview", preview);
    previewNode.dataset.preview = "";
    text.append(previewNode);
    const badge = el("span", "badge rounded-pill text-bg-primary conv-unread");
    badge.dataset.unread = "";
    link.append(dot, text, badge);
    item.append(link);
    setUnread(item, c.id === openId ? 0 : c.unread);
    return item;
  }

  // One refresh per conversation at a time, and one more if asked meanwhile: answers to
  // overlapping requests may arrive out of order, and an older one must not win.
  const refreshing = new Map(); // id -> "running" | "again"

  async function refreshListItem(id) {
    if (!list || !id) return;
    if (refreshing.has(id)) {
      refreshing.set(id, "again");
      return;
    }
    refreshing.set(id, "running");
    try {
      await refreshListItemOnce(id);
    } finally {
      const again = refreshing.get(id) === "again";
      refreshing.delete(id);
      if (again) refreshListItem(id);
    }
  }

  async function refreshListItemOnce(id) {
    let data;
    try {
      data = await api(`/${encodeURIComponent(id)}`);
    } catch (error) {
      return;
    }
    if (data.archived) return;
    const fresh = renderListItem(data);
    const old = listItem(id);
    if (old) old.remove();
    const empty = list.querySelector("[data-empty-list]");
    if (empty) empty.remove();
    list.prepend(fresh); // most recently active first
  }

  // --- the open thread -------------------------------------------------------------------

  async function latest(limit) {
    const data = await api(`/${encodeURIComponent(openId)}/messages?limit=${limit}`);
    return data.items;
  }

  async function loadOlder() {
    if (!nextCursor || loadingOlder) return;
    loadingOlder = true;
    const pageSize = thread.dataset.pageSize || "30";
    try {
      const data = await api(
        `/${encodeURIComponent(openId)}/messages?limit=${pageSize}&cursor=${encodeURIComponent(nextCursor)}`,
      );
      // Keep what the reader sees in place while older messages go in above it.
      const fromBottom = thread.scrollHeight - thread.scrollTop;
      const fragment = document.createDocumentFragment();
      for (const m of data.items) {
        if (!messages.querySelector(`[data-message-id="${CSS.escape(m.id)}"]`)) fragment.append(renderMessage(m));
      }
      messages.prepend(fragment);
      thread.scrollTop = thread.scrollHeight - fromBottom;
      nextCursor = data.next_cursor;
      thread.querySelector("[data-older]").hidden = !nextCursor;
      thread.querySelector("[data-beginning]").hidden = Boolean(nextCursor);
      updateSeen();
    } catch (error) {
      // Try again on the next scroll.
    } finally {
      loadingOlder = false;
    }
  }

  let marking = false;
  let markAgain = false;
  // Something here is unread: read once the page is visible (then the API moves the read
  // position, and the others see "Seen").
  let pendingRead = thread ? Number(thread.dataset.unread || 0) > 0 : false;

  async function markRead() {
    if (!openId || !pendingRead || document.visibilityState !== "visible") return;
    if (marking) {
      markAgain = true;
      return;
    }
    marking = true;
    try {
      pendingRead = false;
      await api(`/${encodeURIComponent(openId)}/read`, { method: "POST", json: {} });
      const item = listItem(openId);
      if (item) setUnread(item, 0);
    } catch (error) {
      pendingRead = true; // try again on the next message or when the page shows again
    } finally {
      marking = false;
      if (markAgain) {
        markAgain = false;
        markRead();
      }
    }
  }

  async function showNew() {
    let items;
    try {
      items = await latest(50);
    } catch (error) {
      return;
    }
    const stick = nearBottom();
    const before = lastShownSeq();
    const appended = place(items);
    if (appended && (stick || items.some((m) => m.mine && m.seq > before))) scrollToBottom();
    if (items.some((m) => !m.mine && m.seq > before)) {
      pendingRead = true;
      markRead();
    }
  }

  async function refreshShown(messageId) {
    if (!messages.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`)) return;
    // No single-message endpoint: the message is among the latest (edits are only allowed
    // for minutes); a change further back shows on the next visit.
    try {
      place(await latest(100));
    } catch (error) {
      // shown as it was
    }
  }

  function showTyping(userId) {
    const name = people[userId];
    if (!name || !typingLine) return;
    typingLine.textContent = `${name} is typing…`;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      typingLine.textContent = "";
    }, TYPING_SHOW_MS);
  }

  function hideTyping() {
    window.clearTimeout(typingTimer);
    if (typingLine) typingLine.textContent = "";
  }

  // The composer's character counter: shown near the limit (the textarea's maxlength).
  function bodyLimit() {
    const area = composer && composer.querySelector("textarea");
    return area ? Number(area.getAttribute("maxlength")) || 0 : 0;
  }

  function updateCounter() {
    const counter = chat.querySelector("[data-composer-count]");
    const limit = bodyLimit();
    if (!counter || !limit || !composer) return;
    const used = composer.querySelector("textarea").value.length;
    counter.hidden = used < limit * 0.9;
    counter.textContent = `${used.toLocaleString("en")} / ${limit.toLocaleString("en")} characters`;
  }

  function showError(text) {
    if (!composerError) return;
    composerError.textContent = text;
    composerError.hidden = !text;
  }

  async function send(event) {
    event.preventDefault();
    const form = new FormData(composer);
    const text = String(form.get("body") || "");
    const file = form.get("attachment");
    const hasFile = file && typeof file === "object" && file.size > 0;
    if (!text.trim() && !hasFile) return;
    const limit = bodyLimit();
    if (limit && text.trim().length > limit) {
      showError(`Messages can be at most ${limit.toLocaleString("en")} characters.`);
      return;
    }
    if (!hasFile) form.delete("attachment");
    const button = composer.querySelector("[data-send]");
    button.disabled = true;
    showError("");
    try {
      const message = await api(`/${encodeURIComponent(openId)}/messages`, {
        method: "POST",
        body: form,
        headers: { "Idempotency-Key": newKey() },
      });
      composer.reset();
      updateCounter();
      place([message]);
      scrollToBottom();
      refreshListItem(openId);
    } catch (error) {
      showError(error.message || "The message was not sent. Try again.");
    } finally {
      button.disabled = false;
      composer.querySelector("textarea").focus();
    }
  }

  function typed() {
    const now = Date.now();
    if (now - lastTypingSent < TYPING_SEND_MS) return;
    lastTypingSent = now;
    api(`/${encodeURIComponent(openId)}/typing`, { method: "POST" }).catch(() => {});
  }

  // --- search ----------------------------------------------------------------------------

  const searchForm = chat.querySelector("[data-search-form]");
  const searchBox = chat.querySelector("[data-search-results]");
  const searchList = chat.querySelector("[data-search-list]");
  let searchTimer = null;
  let searchRun = 0;

  async function search() {
    const q = searchForm.elements.q.value.trim();
    const run = ++searchRun;
    if (!q) {
      searchBox.hidden = true;
      searchList.replaceChildren();
      return;
    }
    let data;
    try {
      data = await api(`/search?q=${encodeURIComponent(q)}&limit=20`);
    } catch (error) {
      data = { items: [] };
    }
    if (run !== searchRun) return; // a newer search answered first
    searchList.replaceChildren();
    if (!data.items.length) searchList.append(el("li", "px-3 py-2 small text-body-secondary", "No messages found."));
    for (const m of data.items) {
      const item = el("li");
      const link = el("a", "search-link");
      link.href = `${PAGE_URL}${m.conversation}/`;
      const text = el("span", "conv-text");
      text.append(el("span", "conv-title", m.mine ? "You" : m.sender.name));
      const snippet = m.body.length > 120 ? `${m.body.slice(0, 120)}…` : m.body;
      text.append(el("span", "conv-preview", snippet));
      link.append(text, el("span", "small text-body-secondary", formatTime(m.created_at)));
      item.append(link);
      searchList.append(item);
    }
    searchBox.hidden = false;
  }

  if (searchForm) {
    searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      search();
    });
    searchForm.elements.q.addEventListener("input", () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(search, 300);
    });
  }

  // --- live updates ----------------------------------------------------------------------

  document.addEventListener("tandem:message.created", (event) => {
    const data = (event.detail && event.detail.data) || {};
    if (openId && data.conversation === openId) {
      if (data.sender !== ME) hideTyping();
      showNew();
    }
    refreshListItem(data.conversation);
  });

  for (const kind of ["message.edited", "message.deleted", "message.reaction"]) {
    document.addEventListener(`tandem:${kind}`, (event) => {
      const data = (event.detail && event.detail.data) || {};
      if (openId && data.conversation === openId) refreshShown(data.message);
      if (kind === "message.deleted") refreshListItem(data.conversation);
    });
  }

  document.addEventListener("tandem:conversation.read", (event) => {
    const data = (event.detail && event.detail.data) || {};
    if (data.user === ME) {
      // Read on another device (or this page): no longer unread here.
      const item = listItem(data.conversation);
      if (item) setUnread(item, 0);
      return;
    }
    if (openId && data.conversation === openId) {
      otherReadSeq = Math.max(otherReadSeq, Number(data.read_seq) || 0);
      updateSeen();
    }
  });

  document.addEventListener("tandem:conversation.created", (event) => {
    const data = (event.detail && event.detail.data) || {};
    if (data.conversation) refreshListItem(data.conversation);
  });

  document.addEventListener("tandem:signal:typing", (event) => {
    const data = (event.detail && event.detail.data) || {};
    if (openId && data.conversation === openId && data.user !== ME) showTyping(data.user);
  });

  // --- start -----------------------------------------------------------------------------

  if (thread) {
    updateSeen();
    scrollToBottom();
    thread.addEventListener("scroll", () => {
      if (thread.scrollTop < 60) loadOlder();
    });
    const older = thread.querySelector("[data-load-older]");
    if (older) older.addEventListener("click", loadOlder);
    composer.addEventListener("submit", send);
    const textarea = composer.querySelector("textarea");
    textarea.addEventListener("input", typed);
    textarea.addEventListener("input", updateCounter);
    textarea.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter starts a new line.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    markRead();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") markRead();
    });
  }
})();
