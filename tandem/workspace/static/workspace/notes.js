/* Session-note editor: autosave the draft while the coach types.

   Each <form data-autosave data-api-url data-booking data-visibility> holds one note's
   textarea. After AUTOSAVE_MS without typing, the text goes to the API as the note's draft
   (POST /api/v1/workspace/engagements/<id>/notes {booking, visibility, draft}: the note is
   made if it is not there yet); no version is made. Save (a normal form post) makes one.
   Without this script the form's "Save draft" button does the same by hand. */
(() => {
  "use strict";

  const AUTOSAVE_MS = 2000;

  function timeNow() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function setup(form) {
    const textarea = form.querySelector("textarea[name=body]");
    const status = form.closest("section")?.querySelector("[data-autosave-status]");
    if (!textarea) return;
    let timer = null;
    let sent = textarea.value;
    let inFlight = false;

    function say(text) {
      if (status) status.textContent = text;
    }

    async function autosave() {
      timer = null;
      const draft = textarea.value;
      if (draft === sent || inFlight) return;
      inFlight = true;
      try {
        const response = await fetch(form.dataset.apiUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": window.tandem.csrfToken(),
          },
          body: JSON.stringify({
            booking: form.dataset.booking,
            visibility: form.dataset.visibility,
            draft,
          }),
        });
        if (response.ok) {
          sent = draft;
          form.dataset.autosaved = "true";
          say(`Draft autosaved at ${timeNow()}.`);
        } else {
          const body = await response.json().catch(() => ({}));
          say(body?.error?.message || "The draft could not be autosaved; use Save draft.");
        }
      } catch (error) {
        say("Offline: the draft could not be autosaved; use Save draft.");
      } finally {
        inFlight = false;
        if (textarea.value !== sent && timer === null) schedule();
      }
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(autosave, AUTOSAVE_MS);
    }

    textarea.addEventListener("input", schedule);
    // Leaving the field saves at once (no waiting for the idle time).
    textarea.addEventListener("blur", () => {
      if (timer !== null) {
        window.clearTimeout(timer);
        autosave();
      }
    });
    // A normal Save posts the text; no autosave should race it.
    form.addEventListener("submit", () => window.clearTimeout(timer));
  }

  document.querySelectorAll("form[data-autosave]").forEach(setup);
})();
