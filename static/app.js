// Progressive enhancement only: every page works without this file.

// Forms whose button carries data-confirm ask first (inline onclick handlers would break the CSP).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
