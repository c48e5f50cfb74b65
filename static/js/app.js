// The HR pages' script (admin, insights): our origin only, no inline script anywhere (strict CSP).
// The page's error area (#app-error) shows what went wrong with the last htmx action; once a
// later htmx request succeeds, the message is out of date, so it goes.
document.addEventListener("htmx:after:request", (event) => {
  const status = event.detail?.ctx?.response?.status ?? 0;
  const area = document.getElementById("app-error");
  if (area && status >= 200 && status < 400) {
    area.replaceChildren();
  }
});

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

  // A table wider than a phone scrolls inside itself (app.css); the keyboard must reach it too.
  function reachTables() {
    document.querySelectorAll("main .govuk-table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.closest(".app-table-scroll")) table.setAttribute("tabindex", "0");
      else if (table.getAttribute("tabindex") === "0") table.removeAttribute("tabindex");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fold();
    reachTables();
  });
  window.addEventListener("resize", reachTables);
  document.addEventListener("htmx:after:settle", reachTables);
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
