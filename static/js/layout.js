// Small screens: filters and menus start folded; after a drill-down, focus lands on the results.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 40.0525em)");
  var drilled = false;

  // The <details> are open in the markup so everything works without JavaScript.
  function fold() {
    if (!narrow.matches) return;
    document.querySelectorAll("details[data-fold-small]").forEach(function (details) {
      details.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", fold);
  document.addEventListener("click", function (event) {
    drilled = Boolean(event.target.closest && event.target.closest("a.app-drill"));
  });
  // A swap replaces the link that had focus; without this, focus falls back to the page top.
  document.addEventListener("htmx:after:swap", function () {
    if (!drilled) return;
    drilled = false;
    var results = document.getElementById("results");
    if (!results) return;
    results.setAttribute("tabindex", "-1");
    results.focus();
  });
})();
