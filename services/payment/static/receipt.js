// The receipt page's print button (a static file: the Content-Security-Policy allows no inline script). Opened with
// ?print=1 (the counter's "In biên lai / Print receipt"), it prints at once.
document.getElementById("print")?.addEventListener("click", () => window.print());
if (new URLSearchParams(location.search).has("print")) window.addEventListener("load", () => window.print());
