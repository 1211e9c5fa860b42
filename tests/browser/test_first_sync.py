"""The first visit after Connect: "Syncing your calendars…", then the page updates by itself."""

from collections.abc import Iterator

import pytest

from tests.browser.chromium import (
    EMAIL,
    allow,
    audit,
    calendar_names,
    expect,
    expect_calendars,
    register,
)
from tests.conftest import served_with_sandbox
from tests.live import LiveApp


@pytest.fixture
def app_with_a_worker(database_url, sandbox) -> Iterator[LiveApp]:
    """The app with its queue worked by real consumer threads, as `make run` does."""
    with served_with_sandbox(database_url, sandbox, worker_threads=2) as server:
        yield server


def test_the_dashboard_updates_itself_when_the_first_sync_lands(page, app_with_a_worker, sandbox):
    # The sandbox answers slowly, so the first sync is still on its way when the page opens.
    sandbox.state.set_settings(latency_ms=800, page_size=500)
    register(page, app_with_a_worker.url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    allow(page, EMAIL)
    expect(page.get_by_text("Syncing your calendars…")).to_be_visible()
    expect(page.get_by_text("Loading events…").first).to_be_visible()
    expect(page.get_by_text("Nothing planned.")).to_have_count(0)  # unknown is not free
    audit(page)
    # No reload by the test: the page's own script notices the copy changed.
    expect_calendars(page, calendar_names(sandbox.state.accounts(), EMAIL)[0])
    expect(page.get_by_text("Syncing your calendars…")).to_have_count(0)
    expect(page.locator(".event").first).to_be_visible()
    audit(page)
