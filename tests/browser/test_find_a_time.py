"""Find a time in a real browser: search, book a slot, see it, delete it; desktop and phone."""

import re

import pytest

from tests.browser.chromium import audit, connect, expect, register

EMAIL = "grace@example.com"
TITLE = "Found a time"
# Monday 4 January 2027, 08:00 UTC: between 12:00 and 15:00 UTC a demo account's weekdays
# hold only Focus time (13:00-14:30), so the free half hours are known in advance.
MONDAY = "2027-01-04T08:00:00Z"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def fits_the_width(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide in a {widths[1]}px window"


@pytest.mark.steady_clock  # pinned to a Monday, whatever day the suite runs
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_find_a_time_book_it_see_it_and_delete_it(page, live_app, sandbox, clock, viewport):
    clock.move_to(MONDAY)
    page.set_viewport_size(viewport)
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    expect(page.locator(".agenda")).to_contain_text("Focus time")  # the copy is in

    page.locator(".page-header").get_by_role("link", name="Find a time").click()
    expect(page).to_have_url(f"{live_app.url}/events/find")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a time")
    expect(page.get_by_role("checkbox", name=EMAIL)).to_be_checked()
    fits_the_width(page)
    audit(page)

    page.get_by_label("From", exact=True).fill("2027-01-05")
    page.get_by_label("To (inclusive)").fill("2027-01-05")
    page.get_by_label("Working hours from").fill("12:00")
    page.get_by_label("Working hours until").fill("15:00")
    page.get_by_role("button", name="Find free times").click()

    results = page.locator(".find-results")
    expect(results.get_by_role("heading", name="Tuesday 5 January 2027")).to_be_visible()
    slots = results.locator(".slots a")
    expect(slots).to_have_text(["12:00–12:30", "12:30–13:00", "14:30–15:00"])
    expect(results.get_by_role("img", name="Busy 13:00–14:30")).to_be_visible()
    expect(results).not_to_contain_text("Focus time")  # times, never titles
    fits_the_width(page)
    audit(page)

    page.get_by_role("link", name="Book 12:30–13:00 on Tuesday 5 January").click()
    expect(page).to_have_url(re.compile(r"/events/new\?"))
    expect(page.get_by_label("Date")).to_have_value("2027-01-05")
    expect(page.get_by_label("Start time")).to_have_value("12:30")
    expect(page.get_by_label("Duration")).to_have_value("30")
    audit(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("button", name="Create event").click()

    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Created “{TITLE}”.")
    event = page.locator("li.event").filter(has_text=TITLE)
    expect(event.locator(".event-time")).to_have_text("12:30 – 13:00")
    expect(event.get_by_text("Created here")).to_be_visible()

    # Searching again, the booked half hour is busy.
    page.locator(".page-header").get_by_role("link", name="Find a time").click()
    page.get_by_label("From", exact=True).fill("2027-01-05")
    page.get_by_label("To (inclusive)").fill("2027-01-05")
    page.get_by_label("Working hours from").fill("12:00")
    page.get_by_label("Working hours until").fill("15:00")
    page.get_by_role("button", name="Find free times").click()
    expect(slots).to_have_text(["12:00–12:30", "14:30–15:00"])
    expect(results.get_by_role("img", name="Busy 12:30–14:30")).to_be_visible()

    page.get_by_role("link", name="Back to the dashboard").click()
    event.get_by_role("link", name=f"Delete {TITLE}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text(f"Deleted “{TITLE}”.")
    expect(page.locator("li.event").filter(has_text=TITLE)).to_have_count(0)
