/* The pay page (Stripe mode): mount Stripe.js's Payment Element, confirm the card, then ask
   the server to re-read the payment (POST /api/v1/payments/<id>/sync) and go to the session.
   Loaded with `defer`; no inline scripts. Stripe.js comes from https://js.stripe.com/v3, which
   the pay page's own Content-Security-Policy allows (csp_update on that view only).
   Everything it needs is on the form's data attributes: the publishable key, the payment's
   client secret, the sync URL and where sessions live. The webhook books the session too, so
   a page closed mid-way loses nothing. */
(function () {
  "use strict";

  var STRIPE_JS = "https://js.stripe.com/v3";

  function $(form, selector) { return form.querySelector(selector); }

  function say(form, text) {
    var status = $(form, "[data-card-status]");
    if (status) status.textContent = text || "";
  }

  function fail(form, text) {
    var box = $(form, "[data-card-error]");
    if (box) {
      box.textContent = text;
      box.hidden = false;
      box.focus && box.focus();
    }
    say(form, "");
  }


  function loadStripe() {
    return new Promise(function (resolve, reject) {
      if (window.Stripe) { resolve(window.Stripe); return; }
      var script = document.createElement("script");
      script.src = STRIPE_JS;
      script.async = true;
      script.onload = function () { window.Stripe ? resolve(window.Stripe) : reject(); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  // Ask the server for the payment's state (it re-reads the intent from Stripe and books).
  function sync(form) {
    return fetch(form.getAttribute("data-sync-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": window.tandem.csrfToken(), "Content-Type": "application/json" },
      body: "{}"
    }).then(function (response) {
      if (!response.ok) throw new Error("sync " + response.status);
      return response.json();
    });
  }

  function finish(form, payment) {
    if (payment.status === "succeeded" && payment.booking) {
      say(form, "Paid. Opening your session…");
      window.location.assign(form.getAttribute("data-session-url-prefix") + payment.booking + "/");
    } else if (payment.status === "requires_payment") {
      say(form, "Your bank is still confirming the payment. This page updates when it does.");
      window.setTimeout(function () { sync(form).then(function (p) { finish(form, p); }); }, 3000);
    } else {
      // Failed, cancelled or refunded: the page says what happened.
      window.location.reload();
    }
  }

  function init() {
    var form = document.querySelector("[data-card-payment]");
    if (!form) return;
    var submit = $(form, "[data-card-submit]");
    var params = new URLSearchParams(window.location.search);
    if (params.get("redirect_status")) {
      // Back from a bank's check (3-D Secure): the intent is settled; read it.
      say(form, "Checking your payment…");
      sync(form).then(function (p) { finish(form, p); }, function () {
        fail(form, "We could not check your payment. Reload the page in a moment.");
      });
      return;
    }
    loadStripe().then(function (Stripe) {
      var stripe = Stripe(form.getAttribute("data-publishable-key"));
      var elements = stripe.elements({ clientSecret: form.getAttribute("data-client-secret") });
      var element = elements.create("payment");
      var loading = $(form, "[data-card-loading]");
      if (loading) loading.remove();
      element.mount("#payment-element");
      element.on("ready", function () { submit.disabled = false; });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submit.disabled = true;
        say(form, "Paying…");
        stripe.confirmPayment({
          elements: elements,
          confirmParams: { return_url: form.getAttribute("data-return-url") },
          redirect: "if_required"
        }).then(function (result) {
          if (result.error) {
            fail(form, result.error.message || "The card payment did not go through.");
            submit.disabled = false;
            return;
          }
          return sync(form).then(function (p) { finish(form, p); });
        }).catch(function () {
          fail(form, "Something went wrong. Your card may not have been charged; reload the page.");
          submit.disabled = false;
        });
      });
    }, function () {
      fail(form, "The secure card form could not be loaded. Check your connection and reload the page.");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
