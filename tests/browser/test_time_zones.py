"""The agenda's time zone: the browser's is offered when it is not the one shown."""

import pytest

from tests.browser.chromium import EMAIL, VIEWPORT, audit, connect, expect, register


@pytest.fixture
def context(browser):
    """A browser in Los Angeles (the sandbox's accounts are in UTC)."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id="America/Los_Angeles")
    yield context
    context.close()


def test_the_browsers_time_zone_is_offered_and_taken_in_one_press(page, live_app, sandbox):
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    expect(page.locator(".agenda-zone")).to_contain_text("Times in Etc/UTC.")
    offer = page.locator("form.zone-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Your browser is in America/Los_Angeles")
    audit(page)

    offer.get_by_role("button", name="Use my browser's time zone").click()
    expect(page.get_by_role("status")).to_have_text("Time zone saved.")
    expect(page.locator(".agenda-zone")).to_contain_text("Times in America/Los_Angeles.")
    expect(page.locator("form.zone-offer")).to_have_count(0)  # chosen: asked no more


def test_keeping_the_shown_zone_is_a_choice_too(page, live_app, sandbox):
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    page.locator("form.zone-offer").get_by_role("button", name="Keep Etc/UTC").click()
    expect(page.locator(".agenda-zone")).to_contain_text("Times in Etc/UTC.")
    expect(page.locator("form.zone-offer")).to_have_count(0)


def test_a_browser_in_the_shown_zone_is_not_asked(browser, live_app, sandbox):
    context = browser.new_context(viewport=VIEWPORT, timezone_id="Etc/UTC")
    page = context.new_page()
    try:
        register(page, live_app.url, EMAIL)
        connect(page, live_app.url, sandbox.app_url, EMAIL)
        expect(page.locator(".agenda-zone")).to_contain_text("Times in Etc/UTC.")
        expect(page.locator("form.zone-offer")).to_be_hidden()
    finally:
        context.close()


def test_settings_name_the_browsers_zone_and_fill_it_in(page, live_app, sandbox):
    register(page, live_app.url, EMAIL)
    page.goto(f"{live_app.url}/settings")
    offer = page.locator(".browser-zone")
    expect(offer).to_have_text("Your browser is in America/Los_Angeles. Use it")
    audit(page)
    offer.get_by_role("button", name="Use it").click()
    field = page.get_by_label("Time zone")
    expect(field).to_have_value("America/Los_Angeles")
    expect(field).to_be_focused()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Time zone saved.")
    page.goto(f"{live_app.url}/settings")
    expect(page.get_by_label("Time zone")).to_have_value("America/Los_Angeles")
