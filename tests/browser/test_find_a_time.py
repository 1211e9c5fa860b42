"""Find a time in a real browser: search, book a slot, see it, edit it, delete it; desktop
and phone."""

import re

import pytest

from tests.browser.chromium import audit, connect, expect, register

EMAIL = "grace@example.com"
TITLE = "Found a time"
EDITED = "Found a time, moved"
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
def test_find_a_time_book_it_see_it_edit_it_and_delete_it(
    page, live_app, sandbox, clock, viewport
):
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

    # Edit it: later, longer and renamed; it lands in "Events you created".
    page.get_by_role("link", name="Back to the dashboard").click()
    event.get_by_role("link", name=f"Edit {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit “{TITLE}”")
    expect(page.get_by_label("Start time")).to_have_value("12:30")
    fits_the_width(page)
    audit(page)
    page.get_by_label("Title").fill(EDITED)
    page.get_by_label("Start time").fill("14:30")
    page.get_by_label("Duration").select_option("60")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_app.url}/events/")
    expect(page.get_by_role("status")).to_have_text(f"Saved “{EDITED}”.")
    expect(page.locator(".created-events")).to_contain_text("Tue 5 Jan 2027, 14:30")

    page.get_by_role("link", name="Back to the dashboard").click()
    edited = page.locator("li.event").filter(has_text=EDITED)
    expect(edited.locator(".event-time")).to_have_text("14:30 – 15:30")
    edited.get_by_role("link", name=f"Delete {EDITED}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text(f"Deleted “{EDITED}”.")
    expect(page.locator("li.event").filter(has_text=EDITED)).to_have_count(0)
