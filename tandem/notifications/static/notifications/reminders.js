/* Coach reminder times: typing your own lead times picks "My own lead times" for that side,
   so the text is not ignored because another preset was still selected. No inline scripts. */
(() => {
  "use strict";

  document.addEventListener("input", (event) => {
    const field = event.target;
    if (!(field instanceof HTMLInputElement) || !/_custom$/.test(field.name)) return;
    const side = field.closest("[data-reminder-side]");
    const custom = side && side.querySelector('input[type="radio"][value="custom"]');
    if (custom && field.value.trim()) custom.checked = true;
  });
})();
