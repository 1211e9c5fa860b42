"""Creating and deleting an event in a real browser, and the new-event form's errors."""

import re
from datetime import UTC, datetime, timedelta

from tests.browser.chromium import EMAIL, audit, connect, expect, register

TITLE = "Browser planning"


def events_requests(log: list[dict]) -> list[tuple[str, str, str, int]]:
    """(host, method, calendar-relative path, status) of every event write in the sandbox log."""
    return [
        (
            e["host"],
            e["method"],
            re.sub(r"^/v1/calendars/[^/]+/", "/v1/calendars/<id>/", e["path"]),
            e["status"],
        )
        for e in log
        if re.fullmatch(r"/v1/calendars/[^/]+/events", e["path"]) and e["method"] != "GET"
    ]


def test_create_an_event_see_it_and_delete_it(page, live_app, sandbox, clock):
    """The form creates the event at Cronofy, the agenda shows it, Delete removes it."""
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    # The sandbox account's zone; the dates below assume it.
    expect(page.locator(".agenda").get_by_text(re.compile(r"^Times in "))).to_contain_text(
        "Times in Etc/UTC."
    )
    sandbox.state.clear_log()

    page.get_by_role("link", name="New event").click()
    expect(page).to_have_url(f"{live_app.url}/events/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("New event")
    audit(page)
    calendar = page.get_by_label("Calendar")
    expect(calendar.locator("optgroup")).to_have_attribute("label", EMAIL)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Planned in Chromium.")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Start time").fill("14:15")
    page.get_by_label("Duration").select_option(label="1 hour")
    page.get_by_role("button", name="Create event").click()

    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Created “{TITLE}”.")
    tomorrow_section = page.locator("section.day").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Tomorrow, "))
    )
    event = tomorrow_section.locator("li.event").filter(has_text=TITLE)
    expect(event).to_have_count(1)
    expect(event.locator(".event-time")).to_have_text("14:15 – 15:15")
    expect(event.get_by_text("Created here")).to_be_visible()
    audit(page)

    # Listed with the events created here, whatever their date, with its own Delete.
    page.get_by_role("link", name="Events you created").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Events you created")
    expect(page.get_by_role("link", name=f"Delete {TITLE}")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Back to the dashboard").click()

    event.get_by_role("link", name=f"Delete {TITLE}").click()
    dialog = page.get_by_role("dialog", name=f"Delete “{TITLE}”?")
    expect(dialog).to_contain_text("cannot be undone")
    audit(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(event).to_have_count(1)  # nothing happened
    event.get_by_role("link", name=f"Delete {TITLE}").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Deleted “{TITLE}”.")
    expect(page.locator("li.event").filter(has_text=TITLE)).to_have_count(0)
    audit(page)

    assert events_requests(sandbox.state.requests_log()) == [
        ("api", "POST", "/v1/calendars/<id>/events", 202),
        ("api", "DELETE", "/v1/calendars/<id>/events", 202),
    ]


def test_new_event_form_errors_are_tied_to_their_fields(page, live_app, sandbox):
    """An empty title is refused next to the Title field, and nothing is sent to Cronofy."""
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    sandbox.state.clear_log()
    page.goto(f"{live_app.url}/events/new")
    page.get_by_label("Title").fill("   ")
    response_status = []
    page.on(
        "response",
        lambda r: response_status.append(r.status) if r.request.method == "POST" else None,
    )
    page.get_by_role("button", name="Create event").click()

    expect(page).to_have_url(f"{live_app.url}/events/new")
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("This field is required.")
    errors_id = title.get_attribute("aria-describedby")
    expect(page.locator(f"#{errors_id}")).to_be_visible()
    expect(page.get_by_label("Date")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Date")).to_have_accessible_description("Times are in Etc/UTC.")
    assert response_status == [422]
    audit(page)
    assert events_requests(sandbox.state.requests_log()) == []
