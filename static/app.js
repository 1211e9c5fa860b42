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

// What cannot be undone asks once. Each such action is a link to a confirmation page; with
// this script it opens the page's dialog instead, with the same words (the link carries
// them). The dialog is modal: Escape or Cancel closes it, and focus goes back to the link.
const confirmDialog = document.getElementById("confirm-dialog");
if (confirmDialog && typeof confirmDialog.showModal === "function") {
  let opener = null;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-confirm-action]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    opener = link;
    confirmDialog.querySelector("#confirm-question").textContent = link.dataset.confirmQuestion;
    confirmDialog.querySelector("#confirm-consequence").textContent = link.dataset.confirmConsequence;
    confirmDialog.querySelector("form").action = link.dataset.confirmAction;
    confirmDialog.querySelector("[data-confirm-submit]").textContent = link.dataset.confirmLabel;
    confirmDialog.showModal();
  });
  confirmDialog.querySelector("[data-confirm-cancel]").addEventListener("click", () => confirmDialog.close());
  confirmDialog.addEventListener("close", () => {
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  });
}

// Offer the browser's time zone when the agenda shows another and the person has not
// chosen one (the form is in the page, hidden, and works like Settings).
const zoneOffer = document.querySelector("form.zone-offer");
if (zoneOffer) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Compared as the browser spells zones, so aliases (Etc/UTC and UTC) count as one.
  let shown = zoneOffer.dataset.shownZone;
  try {
    shown = new Intl.DateTimeFormat("en", { timeZone: shown }).resolvedOptions().timeZone;
  } catch (error) { /* a zone this browser does not know: offer its own */ }
  if (zone && zone !== shown) {
    zoneOffer.querySelector("[data-browser-zone]").textContent = zone;
    zoneOffer.querySelector("[data-use-browser-zone]").value = zone;
    zoneOffer.hidden = false;
  }
}

// Settings: name the browser's zone, with a button that puts it in the field.
const browserZone = document.querySelector(".browser-zone");
if (browserZone) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const input = browserZone.closest("form").querySelector("input[list]");
  if (zone && input) {
    browserZone.querySelector("[data-browser-zone]").textContent = zone;
    browserZone.querySelector("[data-fill-browser-zone]").addEventListener("click", () => {
      input.value = zone;
      input.focus();
    });
    browserZone.hidden = false;
  }
}

// The dashboard follows its local copy. While the tab is visible it asks, every couple of
// seconds (twice a second during a first sync), for the copy's version: one cheap query on
// the server, never a call to Cronofy. When the version changed, it fetches the page again
// and swaps in the new agenda and calendars, leaving scroll and focus where they were.
// Without this script, a reload shows the same.
const live = document.querySelector("[data-copy-url]");
if (live) {
  const status = document.getElementById("copy-status");
  let busy = false;

  const describe = (element) => {
    if (!element || !live.contains(element)) return null;
    const form = element.closest("form");
    return { tag: element.tagName, text: element.textContent.trim(), form: form && form.action };
  };
  const refocus = (wanted) => {
    if (!wanted) return;
    for (const element of live.querySelectorAll(wanted.tag)) {
      const form = element.closest("form");
      if (element.textContent.trim() === wanted.text && (form && form.action) === wanted.form) {
        element.focus({ preventScroll: true });
        return;
      }
    }
  };
  const follow = async () => {
    const page = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!page.ok) return;
    const fresh = new DOMParser()
      .parseFromString(await page.text(), "text/html")
      .querySelector("[data-copy-url]");
    if (!fresh) { window.location.reload(); return; }
    const focused = describe(document.activeElement);
    live.innerHTML = fresh.innerHTML;
    live.dataset.copyVersion = fresh.dataset.copyVersion;
    live.toggleAttribute("data-syncing", fresh.hasAttribute("data-syncing"));
    refocus(focused);
    if (status) status.textContent = "Calendars updated just now.";
  };
  const poll = async () => {
    if (document.visibilityState === "visible" && !busy) {
      busy = true;
      try {
        const response = await fetch(live.dataset.copyUrl, { headers: { Accept: "application/json" } });
        if (response.ok) {
          const copy = await response.json();
          if (copy.version !== live.dataset.copyVersion) await follow();
        }
      } catch (error) { /* offline for a moment: try again */ }
      busy = false;
    }
    setTimeout(poll, live.hasAttribute("data-syncing") ? 500 : 2000);
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") poll();
  });
  setTimeout(poll, live.hasAttribute("data-syncing") ? 500 : 2000);
}
