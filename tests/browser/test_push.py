"""Push, end to end: a change made in the calendar shows on the open dashboard by itself."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.chromium import EMAIL, allow, audit, expect, register
from tests.conftest import served_with_sandbox
from tests.helpers import channel_verified
from tests.live import LiveApp, wait_until


@pytest.fixture
def pushing_app(database_url, sandbox) -> Iterator[LiveApp]:
    """The app with push on and its queue worked by real consumer threads."""
    with served_with_sandbox(database_url, sandbox, push=True, worker_threads=2) as server:
        yield server


def delta_reads(sandbox) -> list[str]:
    return [e["path"] for e in sandbox.state.requests_log() if e["path"].startswith("/v1/")]


def test_a_change_in_the_calendar_appears_on_the_open_dashboard(
    page, context, pushing_app, sandbox
):
    register(page, pushing_app.url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    allow(page, EMAIL)
    expect(page.locator(".calendar-name").filter(has_text="Team holidays")).to_be_visible()
    wait_until(lambda: channel_verified(pushing_app.app), "the channel's verification")
    page.evaluate("window.notReloaded = true")
    sandbox.state.clear_log()

    # The person edits their calendar elsewhere: the sandbox's "your sandbox calendar" page.
    calendar = context.new_page()
    calendar.goto(f"{sandbox.app_url}/calendar?email={EMAIL}")
    day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    calendar.get_by_label("Title", exact=True).fill("Launch party")
    calendar.get_by_label("Date", exact=True).fill(day)
    calendar.get_by_label("Start (UTC)", exact=True).fill("12:00")
    calendar.get_by_role("button", name="Add event").click()
    expect(calendar.get_by_text("Event added.")).to_be_visible()

    party = page.locator("li.event").filter(has_text="Launch party")
    expect(party).to_have_count(1, timeout=10_000)
    expect(party.locator(".event-time")).to_have_text("12:00 – 12:30")
    expect(page.get_by_text("Updated just now").first).to_be_visible()
    assert page.evaluate("window.notReloaded") is True  # followed, not reloaded
    audit(page)

    entry = calendar.locator("ul.events > li").filter(has_text="Launch party")
    entry.get_by_text("Move or delete").click()
    entry.get_by_label("New start").fill("16:00")
    entry.get_by_role("button", name="Move “Launch party”").click()
    expect(party.locator(".event-time")).to_have_text("16:00 – 16:30", timeout=10_000)

    entry.get_by_text("Move or delete").click()
    entry.get_by_role("button", name="Delete “Launch party”").click()
    expect(party).to_have_count(0, timeout=10_000)
    assert page.evaluate("window.notReloaded") is True

    # One read of what changed per change, and nothing else.
    assert delta_reads(sandbox) == ["/v1/events"] * 3
