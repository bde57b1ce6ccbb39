/* Coach profile page: preview a chosen photo before upload; show the page address as typed.
   Loaded with `defer`; no inline scripts (strict CSP). */
(function () {
  "use strict";

  var MAX_BYTES = 5 * 1024 * 1024;

  function showPhoto(input) {
    var form = input.form;
    var page = form ? form.closest("section") || document : document;
    var img = page.querySelector("[data-photo-preview]");
    var placeholder = page.querySelector("[data-photo-placeholder]");
    var status = page.querySelector("[data-photo-status]");
    var file = input.files && input.files[0];
    if (!img || !file) return;
    if (status) {
      status.hidden = false;
      status.textContent = file.size > MAX_BYTES
        ? "This file is larger than 5 MB; choose a smaller one."
        : "Preview of “" + file.name + "”. Select Upload photo to use it.";
    }
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size > MAX_BYTES) return;
    // A data: URL, not a blob: URL: the CSP allows img-src 'self' data:.
    var reader = new FileReader();
    reader.onload = function () {
      img.src = String(reader.result);
      img.alt = "Preview of your new photo";
      img.hidden = false;
      if (placeholder) placeholder.hidden = true;
    };
    reader.readAsDataURL(file);
  }

  function showSlug(input) {
    var help = document.getElementById(input.id + "_helptext");
    var target = help && help.querySelector("[data-slug-url]");
    if (!target) return;
    var slug = input.value.trim().toLowerCase();
    target.textContent = target.getAttribute("data-base") + (slug ? slug + "/" : "…");
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-photo-input]")) showPhoto(input);
  });
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches('input[name="slug"]')) showSlug(input);
  });
})();
