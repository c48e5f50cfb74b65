// Change Pulse's own script (our origin only; no inline script anywhere, strict CSP).
// The page's error area (#app-error) shows what went wrong with the last htmx action; once a
// later htmx request succeeds, the message is out of date, so it goes.
document.addEventListener("htmx:after:request", (event) => {
  const status = event.detail?.ctx?.response?.status ?? 0;
  const area = document.getElementById("app-error");
  if (area && status >= 200 && status < 400) {
    area.replaceChildren();
  }
});
