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
