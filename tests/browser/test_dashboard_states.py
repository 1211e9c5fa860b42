"""What the dashboard shows while leaving for Cronofy, and when a linked account is lost."""

import json
import re

from tests.browser.chromium import (
    EMAIL,
    allow,
    audit,
    connect,
    expect,
    primary_profile_id,
    register,
    starting_with,
)
from tests.helpers import age_the_copy

# Logs `busy ["<text>", "<aria-busy>"]` whenever a button leading to Cronofy becomes busy.
REPORT_BUSY_BUTTONS = """
new MutationObserver(() => {
    for (const b of document.querySelectorAll("form[data-leaves-site] button[aria-busy]")) {
        console.log("busy " + JSON.stringify([b.textContent, b.getAttribute("aria-busy")]));
    }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


def test_connect_button_shows_it_is_working(page, live_app, sandbox):
    """While Cronofy's page loads, the button says so and is marked busy."""
    register(page, live_app.url, EMAIL)
    # Playwright's calls into a page wait while a navigation is pending, so the page reports
    # the button's changes itself, through the console.
    page.add_init_script(REPORT_BUSY_BUTTONS)
    page.reload()
    # Hold the button's POST, which redirects to the consent page, until the test lets it go.
    # (Playwright routes see only the first request of a redirect chain, not the hop to
    # Cronofy, so the hold is on the app's side of it.)
    held = []
    page.route(f"{live_app.url}/auth/cronofy/connect", lambda route: held.append(route))
    button = page.get_by_role("button", name="Connect calendar")
    expect(button).not_to_have_attribute("aria-busy", "true")

    with page.expect_console_message(lambda m: m.text.startswith("busy ")) as message:
        button.click(no_wait_after=True)
    assert json.loads(message.value.text.removeprefix("busy ")) == ["Opening Cronofy…", "true"]
    while not held:
        page.wait_for_timeout(20)
    assert page.url == f"{live_app.url}/dashboard", "still here: the request is held"

    held[0].continue_()
    expect(page).to_have_url(starting_with(f"{sandbox.app_url}/oauth/authorize"))
    expect(page.get_by_role("button", name="Allow")).to_be_visible()


def test_disconnected_profile_offers_relinking_at_cronofy(page, live_app, sandbox):
    """A profile the provider dropped is marked, and its relink link opens Cronofy's page."""
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    sandbox.state.disconnect_profile(primary_profile_id(sandbox.state.accounts(), EMAIL))

    age_the_copy(live_app.app)  # the next page asks for a sync (run at once in these tests)
    page.reload()
    connection = page.get_by_role("region", name=EMAIL)
    profile = connection.get_by_role("heading", level=3, name=re.compile(f"^{re.escape(EMAIL)}"))
    expect(profile.get_by_text("Disconnected", exact=True)).to_be_visible()
    expect(connection.get_by_text("Disconnected", exact=True)).to_have_count(1)  # one profile
    relink = connection.get_by_role("link", name="Relink it at Cronofy (opens in a new tab)")
    expect(relink).to_have_attribute("href", starting_with(f"{sandbox.app_url}/oauth/relink"))
    audit(page)

    # Cronofy's relink page ends with "you can close this window": it opens in a new tab.
    with page.context.expect_page() as opened:
        relink.click()
    cronofy = opened.value
    expect(cronofy).to_have_url(starting_with(f"{sandbox.app_url}/oauth/relink"))
    expect(cronofy.get_by_role("heading", level=1)).to_have_text(f"Reconnect {EMAIL}")
    audit(cronofy)
    cronofy.get_by_role("button", name="Reconnect").click()
    expect(cronofy.get_by_text(f"{EMAIL} is connected again.")).to_be_visible()
    cronofy.close()

    age_the_copy(live_app.app)
    page.goto(f"{live_app.url}/dashboard")
    expect(
        page.get_by_role("region", name=EMAIL).get_by_text("Disconnected", exact=True)
    ).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Relink it at Cronofy"))).to_have_count(0)


def test_an_outage_shows_the_last_known_data_as_of_when_and_why(page, live_app, sandbox):
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    for path in ("/v1/calendars", "/v1/profiles", "/v1/events"):
        sandbox.state.add_fault(path, 503, count=100)
    age_the_copy(live_app.app)
    page.reload()
    connection = page.get_by_role("region", name=EMAIL)
    notice = connection.get_by_role("status").filter(has_text="Cronofy is not answering.")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Showing its calendars, account health and events as of")
    expect(connection.get_by_text("Work", exact=True)).to_be_visible()
    expect(page.locator(".event").first).to_be_visible()
    audit(page)


def test_events_that_never_loaded_are_not_shown_as_free(page, live_app, sandbox):
    register(page, live_app.url, EMAIL)
    sandbox.state.add_fault("/v1/events", 503, count=100)
    page.get_by_role("button", name="Connect calendar").click()
    allow(page, EMAIL)
    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_text("Its events could not be loaded yet.")).to_be_visible()
    expect(page.get_by_text("Events for this day could not be loaded yet: the")).to_have_count(7)
    expect(page.get_by_text("Nothing planned.")).to_have_count(0)
    audit(page)


def test_an_ended_authorization_removes_its_data_and_offers_to_reconnect(page, live_app, sandbox):
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    [account] = sandbox.state.accounts()
    sandbox.state.revoke_account(account["account_id"])
    age_the_copy(live_app.app)
    page.reload()
    connection = page.get_by_role("region", name=EMAIL)
    expect(connection.get_by_text("Needs reconnecting", exact=True)).to_be_visible()
    expect(connection.get_by_text("its copied calendar data was removed")).to_be_visible()
    expect(connection.get_by_role("button", name="Reconnect")).to_be_visible()
    expect(connection.get_by_text("Work", exact=True)).to_have_count(0)
    audit(page)
