"""Push across processes: changes at the provider reach the copy through two gunicorn
processes, a real consumer on Redis and PostgreSQL, one delta read per change.

The sandbox delivers its signed notifications to the first web process; the person's
browser uses the second. Each change is made at the provider (as in Google Calendar), and the
test waits until a page on the other process shows it: the notification was verified and
noted, the worker read just that change and applied it to the copy, and the copy is shared.
How fast that happens is measured by `make bench`; this checks that it happens, every time,
at the cost the design promises.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cronofy_data import utc_stamp
from tests.helpers import PASSWORD, channel_verified
from tests.live import two_web_processes_and_a_worker, wait_until
from tests.pages import event_time_shown
from tests.visitor import register_and_connect

CHANGES = 50
EMAIL = "pushed@example.com"


@pytest.fixture
def pushing_processes(database_url, app, sandbox, own_redis) -> Iterator[tuple[str, str]]:
    """Two web processes and a worker; Cronofy's notifications go to the first.

    No client id: development talks to the sandbox, with its credentials, and knows the
    sandbox can reach a local notification URL.
    """
    with two_web_processes_and_a_worker(
        app, database_url, sandbox, own_redis.url, threads=4, push=True, CRONOFY_CLIENT_ID=""
    ) as urls:
        yield urls


def planned_changes(calendar_id: str, start: datetime) -> list[tuple[str, dict[str, str]]]:
    """CHANGES changes: add an event, move it, delete it, and again with the next one."""
    changes = []
    for n in range(CHANGES):
        kind = ("add", "move", "delete")[n % 3]
        begins = start + timedelta(hours=n // 3, minutes=30 if kind == "move" else 0)
        fields = {
            "calendar_id": calendar_id,
            "summary": f"Pushed event {n // 3:02d}",
            "start": utc_stamp(begins),
            "end": utc_stamp(begins + timedelta(minutes=20)),
        }
        changes.append((kind, fields))
    return changes


# Several processes need a database server they all share: this runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_every_change_reaches_the_other_process_with_one_delta_read(
    pushing_processes, app, sandbox
):
    _first, second = pushing_processes
    visitor = register_and_connect(second, EMAIL, PASSWORD)
    [account] = sandbox.state.accounts()
    primary = next(c for c in account["calendars"] if c["primary"])
    visitor.reload_until(primary["name"])
    wait_until(lambda: channel_verified(app), "the channel's verification", 20)
    sandbox.state.clear_log()
    sandbox.state.deliveries.clear_log()

    # Tomorrow from 06:00 UTC: inside the dashboard's week at any hour the test runs.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    zone = ZoneInfo(account["default_tzid"])  # the dashboard shows the account's zone
    uid = ""
    for n, (kind, fields) in enumerate(planned_changes(primary["calendar_id"], tomorrow)):
        if kind == "add":
            uid = sandbox.state.add_provider_event(account["account_id"], **fields)
        elif kind == "move":
            sandbox.state.edit_provider_event(uid, start=fields["start"], end=fields["end"])
        else:
            sandbox.state.delete_provider_event(uid)
        start, end = (
            datetime.fromisoformat(fields[key]).astimezone(zone).strftime("%H:%M")
            for key in ("start", "end")
        )
        expected = None if kind == "delete" else f"{start} – {end}"

        def landed(summary: str = fields["summary"], expected: str | None = expected) -> bool:
            return event_time_shown(visitor.get(f"{second}/dashboard").text, summary) == expected

        wait_until(landed, f"change {n} ({kind}) on the dashboard", 20)

    assert sandbox.state.wait_for_deliveries()
    deliveries = [d for d in sandbox.state.deliveries.log() if d["type"] == "change"]
    assert len(deliveries) == CHANGES
    assert {d["status"] for d in deliveries} == {200}
    assert all(d["attempt"] == 1 for d in deliveries)  # none had to be retried
    # What the app asked Cronofy for: one read of what changed per change, nothing else.
    reads = Counter(e["path"] for e in sandbox.state.requests_log())
    assert reads == {"/v1/events": CHANGES}  # a full read would ask for calendars too
