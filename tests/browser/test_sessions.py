"""What a browser session lives through: a lost login mid-flow, and expiring access tokens."""

import time

from tests.browser.chromium import (
    EMAIL,
    allow,
    audit,
    calendar_names,
    expect,
    expect_calendars,
    register,
    starting_with,
)
from tests.helpers import PASSWORD, age_the_copy


def test_session_lost_before_the_callback_offers_a_retry(page, context, live_app, sandbox):
    """Cookies cleared while at Cronofy: the user is told why and can log in and connect."""
    register(page, live_app.url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    expect(page).to_have_url(starting_with(f"{sandbox.app_url}/oauth/authorize"))
    context.clear_cookies()  # both servers are on 127.0.0.1; cookies ignore the port
    allow(page, EMAIL)

    expect(page).to_have_url(starting_with(f"{live_app.url}/auth/login"))
    expect(page.get_by_role("alert")).to_have_text(
        "Your session ended before Cronofy sent you back. Log in and connect again."
    )
    audit(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("heading", name="No calendar connected yet")).to_be_visible()
    page.get_by_role("button", name="Connect calendar").click()
    allow(page, EMAIL)
    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Connected {EMAIL}.")


def test_expired_access_tokens_are_refreshed_while_browsing(page, live_app, sandbox):
    """With two-second access tokens, each sync a page asks for refreshes them first."""
    lifetime = 2
    sandbox.state.set_settings(access_token_lifetime=lifetime)
    register(page, live_app.url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    allow(page, EMAIL)
    expect(page.get_by_role("status")).to_have_text(f"Connected {EMAIL}.")
    live, _ = calendar_names(sandbox.state.accounts(), EMAIL)
    time.sleep(lifetime + 0.5)  # the access token from the code exchange has now expired
    sandbox.state.clear_log()

    for _ in range(3):
        age_the_copy(live_app.app)  # each reload asks for a sync (run at once here)
        page.reload()
        expect_calendars(page, live)
        account = page.get_by_role("region", name=EMAIL)
        expect(account.get_by_text("Connected", exact=True)).to_be_visible()
        expect(page.locator(".flash")).to_have_count(0)  # no error or warning of any kind

    log = sandbox.state.requests_log()
    refreshes = [e["status"] for e in log if e.get("grant_type") == "refresh_token"]
    assert refreshes and set(refreshes) == {200}, log
    reads = [e["status"] for e in log if e["path"] == "/v1/calendars"]
    assert reads and reads[-1] == 200, log
