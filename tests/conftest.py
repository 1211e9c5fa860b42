"""Fixtures shared by the app's tests, each named for what it sets up.

Every test that uses the `app` fixture runs twice: on SQLite and on PostgreSQL. Each
database is built once per run with the real migrations and emptied after every test.

Beside the fixtures, the context managers they are built on, for tests that need other
settings: `built_app` (an app on a database), `mocked_cronofy_app` (with Cronofy at the
hosts `responses` mocks) and `served_with_sandbox` (served over real HTTP beside the sandbox).
"""

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.logging_setup import HANDLER_NAME
from app.sync.queue import start_embedded_consumer
from sandbox import SandboxServer
from tests.cronofy_data import API_URL, APP_URL, CALENDARS, PROFILES, TZ
from tests.helpers import TESTING_KEY, connect, forget_flashes, register, sync_copy
from tests.jobs import Jobs
from tests.live import LiveApp, RedisServer, drop_postgres_database, fresh_postgres_database

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# One database per test run, so runs on the same server (CI, a developer) never collide.
POSTGRES_DATABASE = f"calendar_connect_test_{os.getpid()}"
IN_CI = bool(os.environ.get("CI"))

# Hypothesis: its default profile for `make test`; `make test-fast` picks the small one.
settings.register_profile("fast", max_examples=10)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; in CI everything the tests need must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def _postgres_database() -> str:
    """Create an empty database for this run on the PostgreSQL server and return its URL."""
    try:
        return fresh_postgres_database(POSTGRES_URL, POSTGRES_DATABASE)
    except Exception as exc:  # any failure here means "no server"
        server = make_url(POSTGRES_URL)
        unavailable(f"PostgreSQL is not reachable at {server.host}:{server.port}: {exc}")


# Every token, code, client secret and password the tests hand to the app.
SECRETS_IN_TESTS = re.compile(
    r"access-\d|refresh-\d|the-code|test-secret|sandbox-secret|correct horse battery"
)


@pytest.fixture(autouse=True)
def no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a test does, no log record may contain a token, a code or a secret."""
    caplog.set_level(logging.DEBUG)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    leaks = [r.getMessage() for r in records if SECRETS_IN_TESTS.search(r.getMessage())]
    assert leaks == [], "secrets reached the logs"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A migrated database, once per run and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _postgres_database()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_postgres_database(POSTGRES_URL, POSTGRES_DATABASE)


@contextmanager
def built_app(
    database_url: str, config_name: str = "testing", **overrides: Any
) -> Iterator[Flask]:
    """An app (testing unless told) on the given database, which is emptied afterwards."""
    app = create_app(config_name, {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()


@contextmanager
def mocked_cronofy_app(database_url: str, **overrides: Any) -> Iterator[Flask]:
    """The testing app with Cronofy at the hosts `responses` mocks (tests/cronofy_data.py)."""
    with built_app(
        database_url, CRONOFY_APP_URL=APP_URL, CRONOFY_API_URL=API_URL, **overrides
    ) as app:
        yield app


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app, with Cronofy at hosts that `responses` mocks."""
    with mocked_cronofy_app(database_url) as app:
        yield app


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The bundled Cronofy sandbox, serving both of its hosts on free ports."""
    with SandboxServer() as server:
        yield server


@contextmanager
def served_with_sandbox(
    database_url: str,
    sandbox: SandboxServer,
    push: bool = False,
    worker_threads: int = 0,
    **overrides: Any,
) -> Iterator[LiveApp]:
    """The app served over real HTTP and wired to the sandbox, as `make run` does.

    With `push`, the app makes channels and the sandbox notifies it of changes, as Cronofy
    would (tests about other things leave it off: every notification is a call). With
    `worker_threads`, its queue is worked by that many real consumer threads, as `make run`
    does; else background syncs run at once, where they are asked for.
    """
    if worker_threads:
        overrides["TASK_QUEUE_IMMEDIATE"] = False
    with (
        built_app(
            database_url,
            CRONOFY_APP_URL=sandbox.app_url,
            CRONOFY_API_URL=sandbox.api_url,
            CRONOFY_CLIENT_ID="sandbox-client",
            CRONOFY_CLIENT_SECRET="sandbox-secret",
            # Background syncs run at once, where they are asked for (tests of the real
            # consumer say otherwise).
            TASK_QUEUE_IMMEDIATE=overrides.pop("TASK_QUEUE_IMMEDIATE", True),
            **overrides,
        ) as app,
        LiveApp(app) as server,
    ):
        sandbox.state.register_redirect_uri(f"{server.url}/auth/cronofy/callback")
        if push:
            app.config.update(CRONOFY_NOTIFICATION_URL=server.url, CRONOFY_USES_SANDBOX=True)
        if not worker_threads:
            yield server
            return
        consumer = start_embedded_consumer(workers=worker_threads)
        try:
            yield server
        finally:
            consumer.stop()


@pytest.fixture
def live_app(database_url: str, sandbox: SandboxServer) -> Iterator[LiveApp]:
    """The app served over real HTTP beside the sandbox; background syncs run at once."""
    with served_with_sandbox(database_url, sandbox) as server:
        yield server


@pytest.fixture
def jobs(app: Flask) -> Jobs:
    """The app's task queue: tasks wait there until the test runs them."""
    return Jobs()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client with no session: a visitor."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """The app's command line (`flask …`), run in this process."""
    return app.test_cli_runner()


@pytest.fixture
def cronofy() -> Iterator[responses.RequestsMock]:
    """Cronofy's HTTP API, mocked; a test fails if a registered call is not made."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def user_client(client: FlaskClient) -> FlaskClient:
    """A client logged in as a freshly registered user."""
    response = register(client)
    assert response.status_code == 302
    forget_flashes(client)  # the welcome message
    return client


# ----- a user with a connection, against mocked Cronofy --------------------------------------


@pytest.fixture
def calendars_only_user(app: Flask, user_client: FlaskClient, cronofy) -> FlaskClient:
    """A user whose one connection was granted `list_calendars` alone (tokens access-1 /
    refresh-1), not synced yet, with no call to Cronofy recorded."""
    connect(user_client, cronofy, scope="list_calendars")
    cronofy.calls.reset()
    return user_client


@pytest.fixture
def tokyo_user(app: Flask, user_client: FlaskClient, cronofy) -> FlaskClient:
    """A user whose one connection (every scope) is an account in Asia/Tokyo; its first
    sync is waiting in the queue, with no call to Cronofy recorded."""
    connect(user_client, cronofy, default_tzid=TZ)
    cronofy.calls.reset()
    return user_client


@pytest.fixture
def tokyo_user_with_calendars(app: Flask, user_client: FlaskClient, cronofy) -> FlaskClient:
    """A user whose one connection is an account in Asia/Tokyo with its calendars copied
    (CALENDARS; no profiles, no events) and no message waiting to be flashed."""
    connect(user_client, cronofy, default_tzid=TZ)
    sync_copy(cronofy, CALENDARS)
    forget_flashes(user_client)  # "Connected …"
    return user_client


@pytest.fixture
def synced_user(app: Flask, user_client: FlaskClient, cronofy) -> FlaskClient:
    """A user whose one connection (every scope, Europe/London) has had its first sync:
    CALENDARS and PROFILES, no events."""
    connect(user_client, cronofy)
    sync_copy(cronofy, CALENDARS, PROFILES)
    return user_client


# ----- the environment, and servers of a test's own ------------------------------------------

# Every setting config.py reads from the environment (.env.example lists each), and the
# sandbox's own.
CONFIG_SETTINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "CRONOFY_CLIENT_ID",
    "CRONOFY_CLIENT_SECRET",
    "CRONOFY_DATA_CENTER",
    "CRONOFY_APP_URL",
    "CRONOFY_API_URL",
    "CRONOFY_REDIRECT_URI",
    "CRONOFY_SCOPE",
    "APP_CONFIG",
    "TOKEN_ENCRYPTION_KEYS",
    "PORT",
    "TASK_QUEUE_URL",
    "TASK_QUEUE_NAME",
    "CRONOFY_SYNC_MAX_AGE",
    "CRONOFY_SYNC_LEASE",
    "CRONOFY_SYNC_FULL_EVERY",
    "CRONOFY_SYNC_AGAIN_AFTER",
    "WORKER_THREADS",
    "CRONOFY_BUDGET",
    "CRONOFY_BUDGET_STORAGE_URI",
    "CRONOFY_NOTIFICATION_URL",
    "CRONOFY_PREVIOUS_CLIENT_SECRET",
)
SANDBOX_SETTINGS = (
    "SANDBOX_APP_PORT",
    "SANDBOX_API_PORT",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_REDIRECT_URIS",
    "SANDBOX_STATE_FILE",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    """No setting in the environment, no .env read and an empty instance folder: what
    config.py and the sandbox see on a fresh machine. Set one with `clean_env.setenv`."""
    for name in CONFIG_SETTINGS + SANDBOX_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("config.INSTANCE_DIR", tmp_path)
    monkeypatch.setattr("config._load_dotenv", lambda: None)
    return monkeypatch


def redis_of_its_own(password: str | None = None) -> RedisServer:
    """A Redis server for the test on a free port (tests/live.py), not started yet; a skip
    (a failure in CI) where redis-server is missing."""
    try:
        return RedisServer(password=password)
    except FileNotFoundError as exc:
        unavailable(f"{exc}: this test starts a Redis of its own")
        raise  # not reached: unavailable() skips or fails


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis server of the test's own, started, on a free port; stopped afterwards."""
    with redis_of_its_own() as server:
        yield server


# ----- production settings --------------------------------------------------------------------

STRONG_SECRET = "kV3p-9qLx_T2mZr8Wd4Yh7Bn1Cs6Fg0J-production"
PUBLIC_CALLBACK = "https://calendar.example.com/auth/cronofy/callback"
# A complete, valid production environment; each test of production breaks one thing.
PRODUCTION_ENV = {
    "SECRET_KEY": STRONG_SECRET,
    "TOKEN_ENCRYPTION_KEYS": TESTING_KEY,
    "CRONOFY_CLIENT_ID": "test-client",
    "CRONOFY_CLIENT_SECRET": "test-secret",
    "CRONOFY_REDIRECT_URI": PUBLIC_CALLBACK,
    "CRONOFY_APP_URL": APP_URL,
    "CRONOFY_API_URL": API_URL,
    "RATELIMIT_STORAGE_URI": "memory://",
    "TASK_QUEUE_URL": "redis://127.0.0.1:6399/1",  # never reached: these tests only start apps
}
# Settings a production deployment may leave out, removed so the machine's own do not count.
OTHER_SETTINGS = ("DATABASE_URL", "PROXY_COUNT", "CRONOFY_DATA_CENTER", "CRONOFY_SCOPE")


def set_production_env(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> None:
    """Set PRODUCTION_ENV with `changes` (None removes a setting) and nothing else."""
    for name in OTHER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in (PRODUCTION_ENV | changes).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment of a correctly configured production deployment."""
    set_production_env(monkeypatch)
    return monkeypatch


@contextmanager
def production_app(database_url: str, **overrides: Any) -> Iterator[Flask]:
    """A production-configured app (set `production_env` first) on the test database."""
    try:
        with built_app(database_url, "production", **overrides) as app:
            yield app
    finally:
        # Production logs to stderr through a root handler; leave the root logger as found.
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
            root.removeHandler(handler)
