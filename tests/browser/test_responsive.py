"""At phone width the pages fit the screen: no sideways scrolling, the main actions in view."""

from tests.browser.chromium import EMAIL, audit, connect, expect, register

PHONE = {"width": 375, "height": 740}


def fits_the_width(page) -> None:
    """Nothing sticks out sideways, so the page never scrolls horizontally."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide in a {widths[1]}px window"


def within_the_screen(page, locator) -> None:
    """Visible, and its box lies inside the viewport's width."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_pages_fit_a_phone_screen(page, live_app, sandbox):
    """Landing page, dashboard with calendars and events, and the new-event form at 375px."""
    page.set_viewport_size(PHONE)
    page.goto(live_app.url)
    fits_the_width(page)
    within_the_screen(page, page.get_by_role("main").get_by_role("link", name="Create an account"))
    audit(page)

    register(page, live_app.url, EMAIL)
    fits_the_width(page)
    within_the_screen(page, page.get_by_role("button", name="Connect calendar"))
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    fits_the_width(page)
    within_the_screen(page, page.get_by_role("link", name="New event"))
    within_the_screen(page, page.get_by_role("button", name="Connect another calendar"))
    within_the_screen(page, page.get_by_role("link", name=f"Disconnect {EMAIL}"))
    within_the_screen(page, page.get_by_role("button", name="Log out"))
    # The accounts are listed before the week, each a jump to its card and its Disconnect.
    accounts = page.get_by_role("navigation", name="Your calendar accounts")
    within_the_screen(page, accounts)
    agenda = page.get_by_role("heading", name="Next 7 days")
    assert accounts.bounding_box()["y"] < agenda.bounding_box()["y"]
    accounts.get_by_role("link", name=EMAIL).click()
    expect(page.get_by_role("link", name=f"Disconnect {EMAIL}")).to_be_in_viewport()
    audit(page)

    page.get_by_role("link", name="New event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New event")
    fits_the_width(page)
    for label in ("Calendar", "Title", "Description", "Date", "Start time", "Duration"):
        within_the_screen(page, page.get_by_label(label))
    within_the_screen(page, page.get_by_role("button", name="Create event"))
    audit(page)


def test_the_accounts_summary_is_only_for_narrow_screens(page, live_app, sandbox):
    """Side by side with the week, the accounts need no list of their own."""
    page.set_viewport_size({"width": 1280, "height": 900})
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    expect(page.get_by_role("navigation", name="Your calendar accounts")).to_be_hidden()
    expect(page.get_by_role("link", name=f"Disconnect {EMAIL}")).to_be_in_viewport()
