"""Fixtures shared by the app's tests.

Every test that uses the `app` fixture runs twice: on SQLite and on PostgreSQL. Each
database is built once per run with the real migrations and emptied after every test.
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
from sandbox import SandboxServer
from tests.helpers import API_URL, APP_URL, register
from tests.jobs import Jobs
from tests.live import LiveApp, drop_postgres_database, fresh_postgres_database

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


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app, with Cronofy at hosts that `responses` mocks."""
    with built_app(database_url, CRONOFY_APP_URL=APP_URL, CRONOFY_API_URL=API_URL) as app:
        yield app


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The bundled Cronofy sandbox, serving both of its hosts on free ports."""
    with SandboxServer() as server:
        yield server


@contextmanager
def served_with_sandbox(
    database_url: str, sandbox: SandboxServer, push: bool = False, **overrides: Any
) -> Iterator[LiveApp]:
    """The app served over real HTTP and wired to the sandbox, as `make run` does.

    With `push`, the app makes channels and the sandbox notifies it of changes, as Cronofy
    would (tests about other things leave it off: every notification is a call).
    """
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
        yield server


@pytest.fixture
def live_app(database_url: str, sandbox: SandboxServer) -> Iterator[LiveApp]:
    with served_with_sandbox(database_url, sandbox) as server:
        yield server


@pytest.fixture
def jobs(app: Flask) -> Jobs:
    """The app's task queue: tasks wait there until the test runs them."""
    return Jobs()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
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
    with client.session_transaction() as session:
        session.pop("_flashes", None)  # the welcome message
    return client
