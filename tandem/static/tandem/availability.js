/* The availability editor: add and remove interval rows, date overrides and time off; copy
   Monday's hours to the other weekdays; keep the live preview's errors visible.
   The page works without this script except for adding rows. Loaded with `defer`; no inline
   scripts (strict CSP). Rows are copies of the page's <template>s. */
(function () {
  "use strict";

  var counter = 0;

  var announce = window.tandem.announce; // shared.js

  function rulesChanged(from) {
    var form = from.closest("form");
    // htmx listens for this on the form (hx-trigger) and refreshes the preview.
    if (form) form.dispatchEvent(new Event("rules-changed", { bubbles: true }));
  }

  function fromTemplate(id, replacements) {
    var template = document.getElementById(id);
    var html = template.innerHTML;
    Object.keys(replacements).forEach(function (key) {
      html = html.split(key).join(replacements[key]);
    });
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.hasAttribute("data-interval");
    });
  }

  // Labels say which row is which ("Monday, hours 2: from"); keep them right after changes.
  function renumber(list) {
    var label = list.getAttribute("data-label") || "Hours";
    rowsOf(list).forEach(function (row, i) {
      var n = i + 1;
      row.querySelectorAll("[data-label-kind]").forEach(function (el) {
        var kind = el.getAttribute("data-label-kind");
        if (kind === "start") el.textContent = label + ", hours " + n + ": from";
        else if (kind === "end") el.textContent = label + ", hours " + n + ": until";
        else if (kind === "remove") el.textContent = "Remove " + label + ", hours " + n;
      });
    });
    var empty = list.parentElement.querySelector(":scope > [data-empty]");
    if (empty) empty.hidden = rowsOf(list).length > 0;
  }

  function addRow(list, start, end) {
    counter += 1;
    var prefix = list.getAttribute("data-prefix");
    var row = fromTemplate("tpl-interval", {
      __ID__: prefix + "-new" + counter,
      __PREFIX__: prefix,
      __LABEL__: list.getAttribute("data-label") || "",
      __N__: String(rowsOf(list).length + 1),
    });
    list.appendChild(row);
    var inputs = row.querySelectorAll("input");
    if (start) inputs[0].value = start;
    if (end) inputs[1].value = end;
    renumber(list);
    return row;
  }

  function listFor(button) {
    return button.parentElement.querySelector("[data-intervals]");
  }

  function addInterval(button) {
    var list = listFor(button);
    if (!list) return;
    var row = addRow(list);
    row.querySelector("input").focus();
    announce("Added hours for " + list.getAttribute("data-label") + ".");
  }

  function removeInterval(button) {
    var row = button.closest("[data-interval]");
    var list = row.parentElement;
    var rows = rowsOf(list);
    var index = rows.indexOf(row);
    var label = list.getAttribute("data-label");
    row.remove();
    renumber(list);
    rows = rowsOf(list);
    // Focus stays near: the next row, else the previous one, else the "Add hours" button.
    var next = rows[index] || rows[index - 1];
    var focus = next ? next.querySelector("[data-remove-interval]")
      : list.parentElement.querySelector("[data-add-interval]");
    if (focus) focus.focus();
    announce("Removed hours for " + label + ".");
    rulesChanged(list);
  }

  function copyMonday(button) {
    var form = button.closest("form");
    var monday = form.querySelector('[data-day="0"] [data-intervals]');
    var hours = rowsOf(monday).map(function (row) {
      var inputs = row.querySelectorAll("input");
      return [inputs[0].value, inputs[1].value];
    });
    for (var day = 1; day <= 4; day += 1) {
      var list = form.querySelector('[data-day="' + day + '"] [data-intervals]');
      rowsOf(list).forEach(function (row) { row.remove(); });
      hours.forEach(function (pair) { addRow(list, pair[0], pair[1]); });
      renumber(list);
    }
    announce(hours.length
      ? "Monday's hours copied to Tuesday through Friday."
      : "Monday has no hours: Tuesday through Friday are now unavailable too.");
    rulesChanged(button);
  }

  function addBlock(button) {
    var container = button.parentElement.querySelector("[data-blocks]");
    var key = parseInt(container.getAttribute("data-next-key"), 10) || 0;
    container.setAttribute("data-next-key", String(key + 1));
    var block = fromTemplate(container.getAttribute("data-template"), { __KEY__: String(key) });
    container.appendChild(block);
    block.querySelector("input").focus();
    announce(block.querySelector("legend").textContent.trim() + " added.");
  }

  function removeBlock(button) {
    var block = button.closest("[data-block]");
    var section = block.closest("section");
    var name = block.querySelector("legend").textContent.trim();
    block.remove();
    var add = section.querySelector("[data-add-block]");
    if (add) add.focus();
    announce(name + " removed.");
    rulesChanged(section);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target || !target.closest("#availability-form")) return;
    if (target.hasAttribute("data-add-interval")) addInterval(target);
    else if (target.hasAttribute("data-remove-interval")) removeInterval(target);
    else if (target.hasAttribute("data-copy-monday")) copyMonday(target);
    else if (target.hasAttribute("data-add-block")) addBlock(target);
    else if (target.hasAttribute("data-remove-block")) removeBlock(target);
  });

  document.addEventListener("change", function (event) {
    var toggle = event.target;
    if (!toggle.matches || !toggle.matches("[data-closed-toggle]")) return;
    var hours = toggle.closest("[data-block]").querySelector("[data-override-hours]");
    if (hours) hours.hidden = toggle.checked;
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[type="date"][name$="-date"]')) return;
    var list = input.closest("[data-block]").querySelector("[data-intervals]");
    if (!list) return;
    list.setAttribute("data-label", input.value || "Date override");
    renumber(list);
  });

  // A refused preview (400: the rules have a problem) still belongs in the panel.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.target && detail.target.id === "preview-results" && detail.xhr.status === 400) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "preview-results") return;
    var summary = target.querySelector("[data-preview-summary]");
    if (summary) announce("Preview updated: " + summary.getAttribute("data-preview-summary"));
  });
})();
