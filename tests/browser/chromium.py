"""Debian's Chromium driven by Playwright, axe-core's audit, and the steps of the connect flow.

Shared by the browser tests and `scripts/screenshots.py`, so both walk the same path.
Importable without Playwright, so that its absence is a skip with a reason, not an error.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    expect = sync_playwright = None  # type: ignore[assignment]  # Playwright is optional

from tests.helpers import PASSWORD
from tests.live import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Headless on a closed network: no sandboxing (root in CI), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
EMAIL = "grace@example.com"  # the person of the browser tests
BLOCKING_IMPACTS = ("serious", "critical")


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when everything they need is present."""
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core is missing at {AXE.relative_to(ROOT)} (npm ci)"
    return None


def launch(playwright: Playwright) -> Browser:
    """Start headless Chromium from the system package, never a downloaded build."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def audit(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    # Evaluated through the DevTools protocol, which the app's Content-Security-Policy
    # (no inline scripts) does not govern; a <script> tag would be blocked, rightly.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    results: dict[str, Any] = page.evaluate("() => axe.run()")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; nodes: "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in blocking
    )
    assert not blocking, f"accessibility violations on {page.url}:\n{report}"


def register(page: Page, app_url: str, email: str) -> None:
    """Create an account through the form; the new user lands on the empty dashboard."""
    page.goto(f"{app_url}/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{app_url}/dashboard")
    expect(page.get_by_role("heading", name="No calendar connected yet")).to_be_visible()


def allow(page: Page, email: str, provider: str = "Google") -> None:
    """On the sandbox's consent page: pick the provider, give the account's email, Allow."""
    page.get_by_label(provider).check()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Allow").click()


def connect(page: Page, app_url: str, sandbox_app_url: str, email: str) -> None:
    """From the empty dashboard through the consent page and back, connected."""
    page.get_by_role("button", name="Connect calendar").click()
    expect(page).to_have_url(starting_with(f"{sandbox_app_url}/oauth/authorize"))
    allow(page, email)
    expect(page).to_have_url(f"{app_url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Connected {email}.")


def primary_profile_id(accounts: list[dict[str, Any]], email: str) -> str:
    """The sandbox id of the profile chosen on the consent page (named after the email)."""
    [account] = [a for a in accounts if a["email"] == email]
    [profile] = [p for p in account["profiles"] if p["profile_name"] == email]
    return profile["profile_id"]


def calendar_names(accounts: list[dict[str, Any]], email: str) -> tuple[list[str], list[str]]:
    """The sandbox account's (live, deleted) calendar names, as the dashboard should show."""
    [account] = [a for a in accounts if a["email"] == email]
    calendars = account["calendars"]
    return (
        [c["name"] for c in calendars if not c["deleted"]],
        [c["name"] for c in calendars if c["deleted"]],
    )


def expect_calendars(page: Page, names: list[str]) -> None:
    """The dashboard lists exactly these calendar names (the badges beside them aside)."""
    items = page.get_by_role("main").locator("ul.calendars > li")
    expect(items).to_have_count(len(names))
    shown = items.locator(".calendar-name").all_inner_texts()
    assert sorted(shown) == sorted(names)


def starting_with(url: str) -> re.Pattern[str]:
    """A URL pattern for `expect(page).to_have_url` that ignores any query or fragment."""
    return re.compile("^" + re.escape(url) + r"([?#]|$)")
