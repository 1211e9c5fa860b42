"""Push across processes: changes at the provider reach the copy through two gunicorn
processes, a real consumer on Redis and PostgreSQL, one delta read per change.

The sandbox delivers its signed notifications to the first web process; the person's
browser uses the second. Each change is made at the provider (as in Google Calendar), and the
test waits until a page on the other process shows it: the notification was verified and
noted, the worker read just that change and applied it to the copy, and the copy is shared.
How fast that happens is measured by `make bench`; this checks that it happens, every time,
at the cost the design promises.
"""

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select

from app.models import CronofyConnection
from tests.conftest import unavailable
from tests.helpers import PASSWORD
from tests.live import RedisServer, ServerProcess, WorkerProcess, free_port, gunicorn_command
from tests.visitor import event_time_shown, register_and_connect

CHANGES = 50
EMAIL = "pushed@example.com"


@pytest.fixture
def pushing_processes(database_url, app, sandbox) -> Iterator[tuple[str, str]]:
    """Two web processes and a worker; Cronofy's notifications go to the first."""
    try:
        redis_server = RedisServer()
    except FileNotFoundError as exc:
        unavailable(f"{exc}: the multi-process tests start their own Redis")
    ports = free_port(), free_port()
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    callback = f"{second}/auth/cronofy/callback"
    sandbox.state.register_redirect_uri(callback)
    env = {
        **os.environ,
        # No client id: development talks to the sandbox, with its credentials, and knows
        # the sandbox can reach a local notification URL.
        "APP_CONFIG": "development",
        "CRONOFY_CLIENT_ID": "",
        "SECRET_KEY": "shared-by-every-process-" + "x" * 24,
        "TOKEN_ENCRYPTION_KEYS": ",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
        "DATABASE_URL": database_url,
        "CRONOFY_APP_URL": sandbox.app_url,
        "CRONOFY_API_URL": sandbox.api_url,
        "CRONOFY_REDIRECT_URI": callback,
        "CRONOFY_NOTIFICATION_URL": first,
        "RATELIMIT_STORAGE_URI": redis_server.url,
        "TASK_QUEUE_URL": redis_server.url.replace("/0", "/1"),
    }
    with ExitStack() as stack:
        stack.enter_context(redis_server)
        for port, url in zip(ports, (first, second), strict=True):
            stack.enter_context(ServerProcess(gunicorn_command(port, 4), url, env))
        stack.enter_context(WorkerProcess(env))
        yield first, second


def wait_for(done: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)


def channel_verified(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            verified = conn.execute(select(CronofyConnection.channel_verified_at)).scalar()
    finally:
        engine.dispose()
    return verified is not None


def planned_changes(calendar_id: str, start: datetime) -> list[tuple[str, dict[str, str]]]:
    """CHANGES changes: add an event, move it, delete it, and again with the next one."""
    changes = []
    for n in range(CHANGES):
        kind = ("add", "move", "delete")[n % 3]
        begins = start + timedelta(hours=n // 3, minutes=30 if kind == "move" else 0)
        fields = {
            "calendar_id": calendar_id,
            "summary": f"Pushed event {n // 3:02d}",
            "start": begins.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (begins + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        changes.append((kind, fields))
    return changes


# Several processes need a database server they all share: this runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_every_change_reaches_the_other_process_with_one_delta_read(
    pushing_processes, database_url, sandbox
):
    _first, second = pushing_processes
    visitor = register_and_connect(second, EMAIL, PASSWORD)
    [account] = sandbox.state.accounts()
    primary = next(c for c in account["calendars"] if c["primary"])
    visitor.reload_until(primary["name"])
    wait_for(lambda: channel_verified(database_url), "the channel's verification")
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

        wait_for(landed, f"change {n} ({kind}) on the dashboard")

    assert sandbox.state.wait_for_deliveries()
    deliveries = [d for d in sandbox.state.deliveries.log() if d["type"] == "change"]
    assert len(deliveries) == CHANGES
    assert {d["status"] for d in deliveries} == {200}
    assert all(d["attempt"] == 1 for d in deliveries)  # none had to be retried
    # What the app asked Cronofy for: one read of what changed per change, nothing else.
    reads = Counter(e["path"] for e in sandbox.state.requests_log())
    assert reads == {"/v1/events": CHANGES}  # a full read would ask for calendars too
