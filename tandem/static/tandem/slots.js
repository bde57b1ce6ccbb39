/* The public coach pages: the directory and the week-by-week slot picker.
   Loaded with `defer` after htmx; no inline scripts (strict CSP). Everything here is an
   enhancement: the pages work as plain links and GET forms without it. */
(function () {
  "use strict";

  var AUTO_ZONE_HEADER = "X-Tandem-Auto-Zone";
  var SWAP_ERRORS_INTO = ["slot-picker", "directory-results", "coach-list"];
  var autoZoneDone = false;

  document.documentElement.classList.add("js");

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  var announce = window.tandem.announce; // shared.js

  function withParam(url, name, value) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + name + "=" + encodeURIComponent(value);
  }

  // Forms carry the browser's zone (anonymous visitors; signed-in users have their profile's).
  function fillZones(root) {
    var zone = browserZone();
    if (!zone) return;
    root.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      if (!input.value) input.value = zone;
    });
  }

  // A region rendered in UTC for want of a zone re-renders itself in the browser's zone, once.
  // The server answers with HX-Replace-Url, so the address (and a reload) keeps the zone.
  function autoZone(root) {
    if (autoZoneDone || !window.htmx) return;
    var region = root.matches && root.matches("[data-tz-auto]") ? root : root.querySelector("[data-tz-auto]");
    if (!region) return;
    autoZoneDone = true;
    var zone = browserZone();
    if (!zone || zone === region.getAttribute("data-tz-current")) return;
    var headers = {};
    headers[AUTO_ZONE_HEADER] = "1";
    window.htmx.ajax("GET", withParam(region.getAttribute("data-tz-url"), "tz", zone), {
      target: "#" + region.id,
      swap: "outerHTML",
      headers: headers,
    });
  }

  // On a small screen the directory's extra filters start folded (unless one is in use),
  // so the results are in sight; without JS they stay open.
  function foldFilters(root) {
    if (!window.matchMedia || !window.matchMedia("(max-width: 991.98px)").matches) return;
    root.querySelectorAll("details[data-collapse-small]").forEach(function (details) {
      var inUse = Array.prototype.some.call(
        details.querySelectorAll("input, select"),
        function (field) {
          if (field.name === "sort") return field.value !== "" && field.value !== "relevance";
          return field.value !== "";
        }
      );
      if (!inUse && !details.querySelector("[aria-invalid='true']")) details.open = false;
    });
  }

  function init(root) {
    fillZones(root);
    autoZone(root);
  }

  function initPage() {
    foldFilters(document);
    init(document);
  }

  // A refused picker or filter request still shows its message (htmx skips 4xx by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 400 || status === 404 || status === 422) && target &&
        SWAP_ERRORS_INTO.indexOf(target.id) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Which swap target held the focus when its request started (a user action, not autoZone).
  var focusWasIn = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    focusWasIn = target && target.contains(document.activeElement) ? target.id : null;
  });

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    var id = target && target.id;
    if (id === "slot-picker") {
      var picker = document.getElementById("slot-picker");
      if (!picker) return;
      announce(picker.getAttribute("data-announce"));
      var title = document.getElementById("picker-title");
      var fromOutside = trigger && trigger.hasAttribute && trigger.hasAttribute("data-focus-picker");
      if (title && (fromOutside || (focusWasIn === "slot-picker" && focusLost()))) title.focus();
    } else if (id === "directory-results") {
      var results = document.getElementById("directory-results");
      if (results) announce(results.getAttribute("data-announce"));
    } else if (id === "coach-list") {
      var list = document.getElementById("coach-list");
      var first = list && list.querySelector("[data-first-new]");
      if (!first) return;
      var added = list.querySelectorAll("[data-first-new], [data-first-new] ~ li").length;
      first.removeAttribute("data-first-new");
      var link = first.querySelector(".coach-link");
      if (link) link.focus();
      announce(added + (added === 1 ? " more coach" : " more coaches") + " loaded.");
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initPage);
  } else {
    initPage();
  }
  document.addEventListener("htmx:load", function (event) {
    if (event.detail && event.detail.elt && event.detail.elt.querySelectorAll) init(event.detail.elt);
  });
})();
