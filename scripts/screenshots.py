"""Regenerate docs/screenshots/*.png: the real app and the bundled sandbox, in Chromium.

Run with `make screenshots`. It serves the app on a throwaway SQLite database and the
sandbox on free ports, walks the connect flow as a new user at desktop width, and saves
the landing page, the sandbox's consent page, the dashboard with calendars, and a 404 page.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from sandbox import SandboxServer  # noqa: E402
from tests.browser.chromium import (  # noqa: E402
    VIEWPORT,
    allow,
    expect,
    launch,
    missing_tools,
    register,
    sync_playwright,
)
from tests.live import LiveApp  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EMAIL = "grace@example.com"


def main() -> None:
    reason = missing_tools()
    if reason:
        sys.exit(f"Cannot take screenshots: {reason}")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, SandboxServer() as sandbox:
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'screenshots.db'}",
                "CRONOFY_APP_URL": sandbox.app_url,
                "CRONOFY_API_URL": sandbox.api_url,
                "CRONOFY_CLIENT_ID": sandbox.state.client_id,
                "CRONOFY_CLIENT_SECRET": sandbox.state.client_secret,
            },
        )
        with app.app_context():
            upgrade()
        with LiveApp(app) as server:
            sandbox.state.register_redirect_uri(f"{server.url}/auth/cronofy/callback")
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    shoot(browser.new_page(viewport=VIEWPORT), server.url)
                finally:
                    browser.close()
        with app.app_context():
            db.engine.dispose()


def shoot(page, app_url: str) -> None:
    """Walk the flow, saving a picture at each step the README shows."""
    page.goto(app_url)
    save(page, "landing")

    register(page, app_url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    save(page, "consent")

    allow(page, EMAIL)
    expect(page.get_by_role("status")).to_have_text(f"Connected {EMAIL}.")
    save(page, "dashboard")

    page.goto(f"{app_url}/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    save(page, "error")


def save(page, name: str) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
