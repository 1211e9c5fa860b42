"""Regenerate docs/screenshots/*.png: the real app and the bundled sandbox, in Chromium.

Run with `make screenshots` (or give another output directory as the argument). It serves
the app on a throwaway SQLite database and the sandbox on free ports, walks the connect flow
as a new user at desktop width, and saves the landing page, the sandbox's consent page, the
new-event form, the dashboard with calendars and an event created here (also at phone
width), the question Disconnect asks, the dashboard with two accounts whose calendars share
names, the dashboard during a Cronofy outage (last known data, as of when, and why), and a
404 page. Background syncs run at once here, inside the request that asks for them.
"""

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from sandbox import SandboxServer  # noqa: E402
from sandbox.defaults import CALLBACK_PATH  # noqa: E402
from tests.browser.chromium import (  # noqa: E402
    VIEWPORT,
    allow,
    expect,
    launch,
    missing_tools,
    register,
    sync_playwright,
)
from tests.helpers import age_the_copy  # noqa: E402
from tests.live import LiveApp  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EMAIL = "grace@example.com"
SECOND_EMAIL = "grace.hopper@example.org"
PHONE = {"width": 375, "height": 740}


def main() -> None:
    reason = missing_tools()
    if reason:
        sys.exit(f"Cannot take screenshots: {reason}")
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, SandboxServer() as sandbox:
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'screenshots.db'}",
                "CRONOFY_APP_URL": sandbox.app_url,
                "CRONOFY_API_URL": sandbox.api_url,
                "CRONOFY_CLIENT_ID": sandbox.state.client_id,
                "CRONOFY_CLIENT_SECRET": sandbox.state.client_secret,
                "TASK_QUEUE_IMMEDIATE": True,
            },
        )
        with app.app_context():
            upgrade()
        with LiveApp(app) as server:
            sandbox.state.register_redirect_uri(f"{server.url}{CALLBACK_PATH}")
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    shoot(browser.new_page(viewport=VIEWPORT), server.url, out)
                    shoot_outage(
                        browser.new_page(viewport=VIEWPORT), app, sandbox, server.url, out
                    )
                finally:
                    browser.close()
        with app.app_context():
            db.engine.dispose()


def shoot(page, app_url: str, out: Path) -> None:
    """Walk the flow, saving a picture at each step docs/testing.md shows."""
    page.goto(app_url)
    save(page, out, "landing")

    register(page, app_url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    save(page, out, "consent")

    allow(page, EMAIL)
    expect(page.get_by_role("status")).to_have_text(f"Connected {EMAIL}.")
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("Design review")
    page.get_by_label("Description").fill("Walk through the new onboarding screens.")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # the sandbox account is in UTC
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Duration").select_option(label="1 hour")
    page.evaluate("document.activeElement.blur()")  # no focus ring in the picture
    save(page, out, "new-event")

    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("status")).to_have_text("Created “Design review”.")
    save(page, out, "dashboard")
    page.set_viewport_size(PHONE)
    save(page, out, "dashboard-mobile", full_page=False)  # one phone screen: accounts first
    page.set_viewport_size(VIEWPORT)

    page.get_by_role("link", name=f"Disconnect {EMAIL}").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    save(page, out, "confirm-disconnect", full_page=False)
    page.keyboard.press("Escape")

    page.get_by_role("button", name="Connect another calendar").click()
    allow(page, SECOND_EMAIL)
    expect(page.get_by_role("status")).to_have_text(f"Connected {SECOND_EMAIL}.")
    expect(page.locator(".event-account").first).to_be_visible()
    save(page, out, "two-accounts")

    page.goto(f"{app_url}/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    save(page, out, "error")


def shoot_outage(page, app, sandbox, app_url: str, out: Path) -> None:
    """Cronofy stops answering; the copy is older than its maximum age: what people see."""
    register(page, app_url, "ada@example.com")
    page.get_by_role("button", name="Connect calendar").click()
    allow(page, "ada@example.com")
    for path in ("/v1/calendars", "/v1/profiles", "/v1/events"):
        sandbox.state.add_fault(path, 503, count=100)
    age_the_copy(app, timedelta(minutes=42))
    page.goto(f"{app_url}/dashboard")
    expect(page.get_by_text("Cronofy is not answering.").first).to_be_visible()
    save(page, out, "dashboard-outage")
    sandbox.state.clear_faults()


def save(page, out: Path, name: str, full_page: bool = True) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
