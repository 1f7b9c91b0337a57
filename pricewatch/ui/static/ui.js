/* The workspace's own behaviour (no third-party code here): CSRF header for htmx requests, keyboard navigation
   in the queue, select-all, confirmation before upholding. */
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
  });

  function queueKeys() {
    var table = document.getElementById("alerts-table");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]"));
    var current = -1;
    function focusRow(i) {
      if (!rows.length) { return; }
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, j) { r.classList.toggle("focused", j === current); });
      rows[current].scrollIntoView({block: "nearest"});
    }
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        rows.forEach(function (r) { r.querySelector("input[name=ids]").checked = all.checked; });
      });
    }
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key === "j" || e.key === "ArrowDown") { focusRow(current + 1); e.preventDefault(); }
      else if (e.key === "k" || e.key === "ArrowUp") { focusRow(current - 1); e.preventDefault(); }
      else if ((e.key === "Enter" || e.key === "o") && current >= 0) { window.location = rows[current].dataset.href; }
      else if (e.key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[name=ids]"); box.checked = !box.checked;
      }
      else if (e.key === "n") { var next = document.querySelector("a[rel=next]"); if (next) { next.click(); } }
      else if (e.key === "p") { var prev = document.querySelector("a[rel=prev]"); if (prev) { prev.click(); } }
      else if (e.key === "/") { var s = document.getElementById("seller"); if (s) { s.focus(); e.preventDefault(); } }
    });
  }

  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.dataset.confirm)) { e.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { queueKeys(); confirmForms(); });
})();
