// Small shared behaviours. Kept dependency-free (htmx and Bootstrap are vendored beside).
// No inline script anywhere (Content-Security-Policy): page behaviours live here, each one
// starting only when its page's elements are present.
(function () {
  "use strict";

  // Household form: "Ajouter un membre" adds a member form from the <template> of the formset.
  function householdMembers() {
    var button = document.getElementById("add-member");
    if (!button) return;
    button.addEventListener("click", function () {
      var total = document.getElementById("id_members-TOTAL_FORMS");
      var index = parseInt(total.value, 10);
      var html = document.getElementById("member-template").innerHTML
        .replace(/__prefix__/g, index)
        .replace(/__number__/g, index + 1);
      document.getElementById("members").insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      var added = document.getElementById("members").lastElementChild;
      added.querySelector("input").focus();
    });
  }

  // A refused form: the error summary at the top of the page takes the focus, so that it is
  // read first (components/error_summary.html).
  function focusErrorSummary() {
    var summary = document.getElementById("resume-erreurs");
    if (summary) summary.focus();
  }

  // Forms are checked by the server, which answers with the error summary and every message
  // next to its field, in French. The browser's own bubbles would stop the submission before.
  // The `required` attributes stay: assistive technologies announce them.
  // Every form that shows an asterisk says once, at its top, what it means (RGAA 11.10).
  var REQUIRED_NOTE = "Les champs marqués d'un astérisque (*) sont obligatoires.";

  function prepareForms(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if ((form.getAttribute("method") || "").toLowerCase() === "post") form.noValidate = true;
      if (form.querySelector(".required-note") || !form.querySelector(".asteriskField")) return;
      var note = document.createElement("p");
      note.className = "required-note small text-muted";
      note.textContent = REQUIRED_NOTE;
      // At the top of the form, after its heading if it starts with one.
      var first = Array.prototype.find.call(form.children, function (child) {
        return !(child.tagName === "INPUT" && child.type === "hidden");
      });
      if (first && /^H[1-6]$/.test(first.tagName)) first = first.nextElementSibling;
      form.insertBefore(note, first || null);
    });
  }

  // Wide tables scroll inside their own container (.table-responsive), never the page. A
  // container that does scroll must be reachable with the keyboard and named by the table's
  // caption (RGAA 10.11, 12.13); one that does not stays a plain box (no extra tab stop, no
  // landmark). Checked again when the window changes size.
  var captions = 0;

  function updateScrollers() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var caption = box.querySelector("caption");
      var scrolls =
        box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
      if (scrolls) {
        box.setAttribute("tabindex", "0");
        if (caption) {
          if (!caption.id) caption.id = "legende-tableau-" + ++captions;
          box.setAttribute("role", "region");
          box.setAttribute("aria-labelledby", caption.id);
        }
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-labelledby");
      }
    });
  }

  // A table that a template left without its scroll container gets one.
  function wrapTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".table-responsive")) return;
      var box = document.createElement("div");
      box.className = "table-responsive";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  function prepare(root) {
    prepareForms(root);
    wrapTables(root);
    updateScrollers();
  }

  function start() {
    householdMembers();
    prepare(document);
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("resize", updateScrollers);
  // Late layout (web fonts, images) can make a table wider after the first check.
  window.addEventListener("load", updateScrollers);
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(updateScrollers);
    document.querySelectorAll("main").forEach(function (main) {
      observer.observe(main);
    });
  }
  // Fragments swapped in by htmx get the same treatment.
  document.addEventListener("htmx:load", function (event) {
    prepare(event.target);
  });
})();
