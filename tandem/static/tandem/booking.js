/* Booking pages: the hold countdown on the review page, the review step's sponsor box, and
   focus after "Load more".
   Loaded with `defer`; no inline scripts (strict CSP). The pages work without it: the hold's
   end time is printed, and the server refuses an expired hold with a message; the Payment
   box's summary is the server's split of the options as sent. */
(function () {
  "use strict";

  var WARN_AT = 60; // seconds left when screen reader users hear a warning

  var announce = window.tandem.announce; // shared.js

  function expire(box) {
    box.hidden = true;
    var expired = document.querySelector("[data-hold-expired]");
    if (expired) expired.hidden = false;
    document.querySelectorAll("[data-hold-submit]").forEach(function (button) {
      button.disabled = true;
    });
  }

  // Counts from the seconds the server computed, not the browser's clock (which may be off).
  function startCountdown(box) {
    var left = parseInt(box.getAttribute("data-seconds-left"), 10);
    if (isNaN(left)) return;
    var wrapper = box.querySelector("[data-hold-countdown]");
    var output = box.querySelector("[data-hold-remaining]");
    if (wrapper) wrapper.hidden = false;
    var warned = left <= WARN_AT;
    window.tandem.countdown(
      left,
      function (remaining, text) {
        if (output) output.textContent = text;
        if (!warned && remaining <= WARN_AT) {
          warned = true;
          announce("One minute left to confirm this time.");
        }
      },
      function () { expire(box); }
    );
  }

  // The review step's "Covered by ..." box. Ticked, the sponsor pays the whole price, so the
  // other means (package credit, gift card, account credit) are hidden behind the note that
  // says they are not used; unticked, they come back. The summary (and the submit button)
  // follow the box: the server rendered both splits (the other one in a <template>). The
  // inputs are only hidden, never disabled, so the form sends what it always sent.
  function startSponsorBox(sponsor) {
    var box = sponsor.closest(".pay-options");
    if (!box) return;
    var note = box.querySelector("[data-pay-others-note]");
    var others = box.querySelector("[data-pay-others]");
    var summary = box.querySelector("[data-pay-summary]");
    var other = box.querySelector("template[data-pay-other]");
    var button = sponsor.form && sponsor.form.querySelector("[data-pay-label-other]");
    var sent = sponsor.checked;
    var sentSummary = document.createDocumentFragment();
    if (summary) {
      summary.childNodes.forEach(function (node) { sentSummary.appendChild(node.cloneNode(true)); });
    }
    var labels = button
      ? { sent: button.textContent.trim(), other: button.getAttribute("data-pay-label-other") }
      : null;

    function apply(speak) {
      var asSent = sponsor.checked === sent;
      if (note) note.hidden = !sponsor.checked;
      // An error on one of them stays in view.
      if (others && !others.querySelector(".field-errors")) others.hidden = sponsor.checked;
      if (summary && other) {
        summary.replaceChildren((asSent ? sentSummary : other.content).cloneNode(true));
      }
      if (labels) button.textContent = asSent ? labels.sent : labels.other;
      if (speak && summary) announce(summary.textContent.replace(/\s+/g, " ").trim());
    }

    sponsor.addEventListener("change", function () { apply(true); });
    apply(false);
  }

  function init() {
    document.querySelectorAll("[data-hold]").forEach(startCountdown);
    document.querySelectorAll("[data-pay-sponsor]").forEach(startSponsorBox);
  }

  // "Load more": focus the first new session and say how many arrived.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "session-list") return;
    var first = target.querySelector("[data-first-new]");
    if (!first) return;
    var added = target.querySelectorAll("[data-first-new], [data-first-new] ~ li").length;
    first.removeAttribute("data-first-new");
    var link = first.querySelector("a");
    if (link) link.focus();
    announce(added + (added === 1 ? " more session" : " more sessions") + " loaded.");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
