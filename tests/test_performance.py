"""No upstream call per view, the fewest calls per sync, and bounded database work per view.

These check behaviour (which calls, how many queries, whether calls overlap), never wall
time; `make bench` measures time.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import CronofyConnection, User
from tests.cronofy_data import CALENDARS, CALENDARS_URL, EVENTS_URL, PROFILES, PROFILES_URL
from tests.helpers import age_the_copy, connect, serve_sync, sync_copy
from tests.jobs import Jobs
from tests.visitor import register_and_connect


def test_a_sync_asks_once_per_data_set_and_no_token_while_it_is_valid(user_client, cronofy):
    connect(user_client, cronofy)
    cronofy.calls.reset()
    serve_sync(cronofy)
    Jobs().run()
    paths = sorted(c.request.url.split("?")[0] for c in cronofy.calls)
    assert paths == sorted([CALENDARS_URL, PROFILES_URL, EVENTS_URL])


def test_views_make_no_upstream_call_once_the_copy_is_filled(synced_user, cronofy, clock):
    for _ in range(100):
        assert synced_user.get("/dashboard").status_code == 200
        assert synced_user.get("/events/new").status_code == 200
        clock.advance(2)  # 200 views over 200 seconds: younger than CRONOFY_SYNC_MAX_AGE
    assert [(c.request.method, c.request.url) for c in cronofy.calls] == []
    assert Jobs().pending() == []


def test_pages_without_cronofy_data_make_no_upstream_call(client, user_client, cronofy):
    connect(user_client, cronofy)
    cronofy.calls.reset()
    for path in ("/", "/auth/login", "/auth/register", "/no-such-page"):
        client.get(path)
    assert len(cronofy.calls) == 0


@contextmanager
def counting_queries(app):
    """Count the SQL statements the app runs inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_connections(app, count: int) -> None:
    """Give the (only) user `count` more connections with valid tokens."""
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        for n in range(count):
            db.session.add(
                CronofyConnection(
                    user=user,
                    account_id=f"acc_{n:024d}",
                    access_token="access-1",
                    refresh_token="refresh-1",
                    expires_at=datetime.now(UTC) + timedelta(hours=1),
                    scope="read_account list_calendars read_events",
                    profile_name=f"extra-{n}@example.com",
                )
            )
        db.session.commit()


def test_queries_per_view_do_not_grow_with_connections(app, synced_user, cronofy):
    synced_user.get("/dashboard")  # warm up: first-use queries are not the point

    with counting_queries(app) as one:
        synced_user.get("/dashboard")
    add_connections(app, 49)
    synced_user.get("/dashboard")  # asks once for their first syncs (they stay queued)
    with counting_queries(app) as fifty:
        page = synced_user.get("/dashboard").get_data(as_text=True)

    assert page.count(">Disconnect<") == 50
    assert len(fifty) == len(one), (one, fifty)
    # The user, their connections, their copies, their created events.
    assert len(one) <= 5


def test_a_view_reads_the_users_connections_once(app, user_client, cronofy):
    """The agenda's time zone comes from the connections loaded with the copies, not from
    a second read of them (which would also decrypt every connection's tokens again)."""
    connect(user_client, cronofy, default_tzid="Europe/Berlin")
    sync_copy(cronofy, CALENDARS, PROFILES)
    user_client.get("/dashboard")
    with counting_queries(app) as statements:
        page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Times in Europe/Berlin." in page
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert sum(1 for s in reads if "FROM cronofy_connections" in s) == 1, statements


def test_queries_per_view_do_not_grow_with_other_users(app, synced_user, cronofy):
    synced_user.get("/dashboard")
    with counting_queries(app) as before:
        synced_user.get("/dashboard")
    with app.app_context():
        for n in range(200):
            db.session.add(User(email=f"other{n}@example.com", password_hash="x"))
        db.session.commit()
    with counting_queries(app) as after:
        synced_user.get("/dashboard")
    assert len(after) == len(before)


def test_lookups_are_indexed(app):
    """Every column the app filters on leads an index (or a unique constraint)."""
    with app.app_context():
        tables = db.metadata.tables
    indexed = {
        (table.name, next(c.name for c in index.columns))
        for table in tables.values()
        for index in [*table.indexes, *table.constraints]
        if getattr(index, "columns", None) and len(index.columns)
    }
    for lookup in [
        ("users", "email"),
        ("cronofy_connections", "user_id"),
        ("managed_events", "user_id"),
        ("managed_events", "event_id"),
        ("managed_events", "connection_id"),
        ("snapshots", "connection_id"),
        ("cronofy_connections", "sync_wanted_at"),
    ]:
        assert lookup in indexed, lookup


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_syncs_upstream_calls_overlap(live_app, sandbox):
    """With latency at the sandbox, calendars, profiles and events are in flight together."""
    visitor = register_and_connect(live_app.url, "fast@example.com")
    sandbox.state.set_settings(latency_ms=200, page_size=500)
    sandbox.state.clear_log()

    age_the_copy(live_app.app)
    visitor.get(f"{live_app.url}/dashboard")  # asks for a sync (run at once in this test)

    calls = {e["path"]: e for e in sandbox.state.requests_log()}
    assert set(calls) == {"/v1/calendars", "/v1/profiles", "/v1/events"}
    latest_start = max(e["started_at"] for e in calls.values())
    earliest_end = min(e["finished_at"] for e in calls.values())
    # Each call took at least the 200 ms latency; all three were running at one moment.
    assert latest_start < earliest_end


def test_every_call_to_cronofy_goes_through_one_pooled_session(app):
    """Each process keeps CRONOFY_HTTP_POOL_SIZE connections alive per host, always: there
    is no setting that makes a call open its own connection."""
    client = app.extensions["cronofy_client"]
    adapter = client.session.get_adapter(app.config["CRONOFY_API_URL"])
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 32
    assert app.config["CRONOFY_HTTP_POOL_SIZE"] == 32
    assert "CRONOFY_HTTP_POOL" not in app.config
