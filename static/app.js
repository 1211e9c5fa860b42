// Buttons that send the browser to Cronofy say so while the next page loads.
// Progressive enhancement only: every form works without this script.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-leaves-site]")) return;
  const button = form.querySelector("button[type=submit]");
  if (!button || button.getAttribute("aria-busy") === "true") return;
  button.setAttribute("aria-busy", "true");
  button.textContent = "Opening Cronofy…";
});

// While a first sync is awaited, ask the server now and then whether the local copy changed,
// and reload the page once it has. Without this script, a reload shows the same.
const awaiting = document.querySelector("[data-syncing][data-copy-url]");
if (awaiting) {
  const seen = awaiting.dataset.copyVersion;
  let tries = 0;
  const poll = async () => {
    tries += 1;
    try {
      const response = await fetch(awaiting.dataset.copyUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const copy = await response.json();
        if (copy.version !== seen) { window.location.reload(); return; }
      }
    } catch (error) { /* offline for a moment: try again */ }
    if (tries < 120) setTimeout(poll, tries < 10 ? 500 : 2000);
  };
  setTimeout(poll, 500);
}
