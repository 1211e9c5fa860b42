"""One authorization is refreshed once, however many requests and workers need it at once.

The sandbox rotates refresh tokens like Cronofy may: a second refresh with the old token
would fail with invalid_grant and lock the user out. These tests expire the tokens, then
fire concurrent work at one connection (page views that ask for syncs, event creations
that call Cronofy while the person waits) and count the refresh calls the sandbox saw.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, update

from app.extensions import db
from app.models import CronofyConnection
from sandbox import defaults as sandbox_defaults
from tests.helpers import age_the_copy
from tests.live import two_web_processes_and_a_worker
from tests.pages import parse_forms
from tests.visitor import Visitor, register_and_connect

CONCURRENCY = 16


def expire_everywhere(sandbox, engine) -> None:
    """The stored expiry is past and the sandbox no longer accepts the access token."""
    with engine.begin() as conn:
        conn.execute(
            update(CronofyConnection).values(expires_at=datetime.now(UTC) - timedelta(seconds=5))
        )
    sandbox.state.expire_all_tokens()
    sandbox.state.clear_log()


def storm(visitor: Visitor, urls: list[str]) -> list[requests.Response]:
    """GET every URL at once, each with the visitor's cookies."""
    cookies = visitor.session.cookies.get_dict()

    def fetch(url: str) -> requests.Response:
        return requests.get(url, cookies=cookies, timeout=30)

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        return list(pool.map(fetch, urls))


def assert_all_show_calendars(responses: list[requests.Response], calendar: str) -> None:
    for response in responses:
        assert response.status_code == 200
        assert response.url.endswith("/dashboard")
        assert calendar in response.text
        assert "Needs reconnecting" not in response.text
        assert "not answering" not in response.text


def refresh_calls(sandbox) -> list[dict]:
    return [e for e in sandbox.state.requests_log() if e["grant_type"] == "refresh_token"]


def primary_calendar(sandbox) -> str:
    [account] = sandbox.state.accounts()
    return next(c["name"] for c in account["calendars"] if c["primary"])


def create_events(visitor: Visitor, base: str, count: int) -> list[requests.Response]:
    """Submit the new-event form `count` times at once (one browser, many tabs)."""
    visitor.get(f"{base}/events/new")
    form = {
        **next(f.fields for f in parse_forms(visitor.text) if "summary" in f.fields),
        "summary": "Race",
        "start_date": "2030-01-07",
        "start_time": "10:00",
        "duration": "30",
    }
    cookies = visitor.session.cookies.get_dict()

    def post(_: int) -> requests.Response:
        return requests.post(f"{base}/events/new", data=form, cookies=cookies, timeout=30)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(post, range(count)))


def test_threads_in_one_process_refresh_once(live_app, sandbox):
    visitor = register_and_connect(live_app.url, "race@example.com")
    with live_app.app.app_context():
        expire_everywhere(sandbox, db.engine)
    age_the_copy(live_app.app)  # every view now asks for a sync (run in the request here)
    # Latency keeps the first refresh in flight while the other requests arrive.
    sandbox.state.set_settings(latency_ms=100)

    responses = storm(visitor, [f"{live_app.url}/dashboard"] * CONCURRENCY)

    assert_all_show_calendars(responses, primary_calendar(sandbox))
    assert [(e["status"], e["basic_auth"]) for e in refresh_calls(sandbox)] == [(200, False)]
    # The stored tokens work afterwards, with no further refresh.
    sandbox.state.clear_log()
    visitor.get(f"{live_app.url}/dashboard")
    assert primary_calendar(sandbox) in visitor.text
    assert refresh_calls(sandbox) == []


def test_concurrent_writes_after_expiry_refresh_once(live_app, sandbox):
    """Calls a person waits for (here: 16 new events at once) share one refresh too."""
    visitor = register_and_connect(live_app.url, "writer@example.com")
    with live_app.app.app_context():
        expire_everywhere(sandbox, db.engine)
    sandbox.state.set_settings(latency_ms=100)

    answers = create_events(visitor, live_app.url, CONCURRENCY)

    assert [r.status_code for r in answers] == [200] * CONCURRENCY  # redirected to the dashboard
    assert all(r.url.endswith("/dashboard") for r in answers)
    assert [(e["status"], e["basic_auth"]) for e in refresh_calls(sandbox)] == [(200, False)]
    writes = [e for e in sandbox.state.requests_log() if e["path"].endswith("/events")]
    assert [e["status"] for e in writes].count(202) == CONCURRENCY


@pytest.fixture
def two_processes(database_url, app, sandbox, own_redis):
    """Two gunicorn processes and a worker process sharing PostgreSQL, Redis and a SECRET_KEY.

    An authorization started on the first ends on the second (tests/live.py). The worker,
    a real consumer on its own Redis, fills the local copy.
    """
    with two_web_processes_and_a_worker(
        app,
        database_url,
        sandbox,
        own_redis.url,
        threads=CONCURRENCY,
        CRONOFY_CLIENT_ID=sandbox_defaults.CLIENT_ID,
        CRONOFY_CLIENT_SECRET=sandbox_defaults.CLIENT_SECRET,
    ) as urls:
        yield urls


# Several processes need a database server they all share: this runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_several_processes_share_one_authorization_and_refresh_it_once(
    two_processes, database_url, sandbox
):
    first, second = two_processes
    visitor = Visitor()
    visitor.register(first, "race@example.com")
    visitor.press("Connect calendar")  # on the first process
    visitor.press("Allow", email="race@example.com")
    # The callback, state check and code exchange happened on the second process.
    assert visitor.page.url == f"{second}/dashboard"
    assert "Connected race@example.com." in visitor.text
    # The worker process syncs; the page shows it once it has landed.
    visitor.reload_until(primary_calendar(sandbox))

    # In steady state, views on either process read the copy: no call to Cronofy at all.
    sandbox.state.clear_log()
    responses = storm(visitor, [f"{(first, second)[i % 2]}/dashboard" for i in range(32)])
    assert_all_show_calendars(responses, primary_calendar(sandbox))
    assert sandbox.state.requests_log() == []

    # Tokens expire; sixteen event creations at once, on both processes, refresh once.
    engine = create_engine(database_url)
    expire_everywhere(sandbox, engine)
    engine.dispose()
    sandbox.state.set_settings(latency_ms=150)
    answers = [
        *create_events(visitor, first, CONCURRENCY // 2),
        *create_events(visitor, second, CONCURRENCY // 2),
    ]
    assert all(r.status_code == 200 and r.url.endswith("/dashboard") for r in answers)
    assert [(e["status"], e["basic_auth"]) for e in refresh_calls(sandbox)] == [(200, False)]
    sandbox.state.clear_log()
    for base in (first, second):
        visitor.get(f"{base}/dashboard")
        assert primary_calendar(sandbox) in visitor.text
    assert refresh_calls(sandbox) == []
