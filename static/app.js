// Progressive enhancement only: every page works without this file.

// Forms whose button carries data-confirm ask first (inline onclick handlers would break the CSP).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// A live log that reached its end (event "end", hx-sse:close) reloads the page once, so it shows the
// finished task: its timings, summary and diff, and no Cancel button.
document.addEventListener("htmx:sse:close", (event) => {
  if (event.detail && event.detail.reason === "message") window.location.reload();
});
