"""One authorization is refreshed once, however many requests need it at the same moment.

The sandbox rotates refresh tokens like Cronofy may: a second refresh with the old token
would fail with invalid_grant and lock the user out. These tests fire concurrent dashboard
requests right after expiry and count the refresh calls the sandbox saw.
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, update

from app.extensions import db
from app.models import CronofyConnection
from config import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.helpers import PASSWORD
from tests.live import ServerProcess, free_port
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


def test_threads_in_one_process_refresh_once(live_app, sandbox):
    visitor = register_and_connect(live_app.url, "race@example.com")
    with live_app.app.app_context():
        expire_everywhere(sandbox, db.engine)
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


@pytest.fixture
def two_processes(database_url, app, sandbox):
    """Two gunicorn processes sharing one PostgreSQL database and one SECRET_KEY.

    Both send Cronofy the second one's callback URL, as two hosts behind one load balancer
    share the public URL, so an authorization started on the first ends on the second.
    """
    ports = free_port(), free_port()
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    callback = f"{urls[1]}/auth/cronofy/callback"
    sandbox.state.register_redirect_uri(callback)
    env = {
        **os.environ,
        "APP_CONFIG": "development",
        "SECRET_KEY": "shared-by-every-process-" + "x" * 24,
        "TOKEN_ENCRYPTION_KEYS": ",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
        "DATABASE_URL": database_url,
        "CRONOFY_CLIENT_ID": SANDBOX_CLIENT_ID,
        "CRONOFY_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "CRONOFY_APP_URL": sandbox.app_url,
        "CRONOFY_API_URL": sandbox.api_url,
        "CRONOFY_REDIRECT_URI": callback,
    }
    with ExitStack() as stack:
        for port, url in zip(ports, urls, strict=True):
            stack.enter_context(ServerProcess(gunicorn(port), url, env))
        yield urls


def gunicorn(port: int) -> list[str]:
    """One app process: a gunicorn worker with enough threads for the storm."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        f"--threads={CONCURRENCY}",
        "wsgi:app",
    ]


# Several processes need a database server they all share: this runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_several_processes_share_one_authorization_and_refresh_it_once(
    two_processes, database_url, sandbox
):
    first, second = two_processes
    visitor = Visitor()
    visitor.get(f"{first}/auth/register")
    visitor.press("Create account", email="race@example.com", password=PASSWORD, confirm=PASSWORD)
    visitor.press("Connect calendar")  # on the first process
    visitor.press("Allow", email="race@example.com")
    # The callback, state check and code exchange happened on the second process.
    assert visitor.page.url == f"{second}/dashboard"
    assert "Connected race@example.com." in visitor.text

    engine = create_engine(database_url)
    expire_everywhere(sandbox, engine)
    engine.dispose()
    sandbox.state.set_settings(latency_ms=150)

    urls = [f"{(first, second)[i % 2]}/dashboard" for i in range(CONCURRENCY)]
    responses = storm(visitor, urls)

    assert_all_show_calendars(responses, primary_calendar(sandbox))
    assert [(e["status"], e["basic_auth"]) for e in refresh_calls(sandbox)] == [(200, False)]
    sandbox.state.clear_log()
    for base in (first, second):
        visitor.get(f"{base}/dashboard")
        assert primary_calendar(sandbox) in visitor.text
    assert refresh_calls(sandbox) == []
