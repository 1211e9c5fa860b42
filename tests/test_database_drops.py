"""Dropped PostgreSQL connections cost no 5xx: the pool tests each connection before use.

A server restart, a failover or `pg_terminate_backend` leaves the pool holding connections
whose server side is gone. With `pool_pre_ping` (config.py) SQLAlchemy notices on checkout
and reconnects. The control test shows what it prevents: without it the first view after
the drop answers 500 (/healthz 503), then the pool is replaced and views work again.
"""

import logging
import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.extensions import db
from config import CONFIGS
from tests.conftest import (
    POSTGRES_DATABASE,
    POSTGRES_URL,
    built_app,
    served_with_sandbox,
    unavailable,
)
from tests.helpers import log_in, register
from tests.live import drop_postgres_database, fresh_postgres_database, wait_until
from tests.visitor import Visitor, register_and_connect

DATABASE = f"{POSTGRES_DATABASE}_drops"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A migrated database of this module's own, so only its app's connections are dropped."""
    try:
        url = fresh_postgres_database(POSTGRES_URL, DATABASE)
    except Exception as exc:  # any failure here means "no server"
        server = make_url(POSTGRES_URL)
        unavailable(f"PostgreSQL is not reachable at {server.host}:{server.port}: {exc}")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    drop_postgres_database(POSTGRES_URL, DATABASE)


def drop_connections() -> int:
    """Terminate every connection to the database, as a restart would; return how many.

    Waits until the server has ended them, so the next view really finds them dead.
    """
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    others = "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
    try:
        with admin.connect() as conn:
            killed = conn.execute(
                text(f"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) {others}"),
                {"name": DATABASE},
            ).scalar_one()
            remaining = text(f"SELECT count(*) {others}")
            wait_until(
                lambda: not conn.execute(remaining, {"name": DATABASE}).scalar_one(),
                "the server ending the connections",
                every=0.01,
            )
    finally:
        admin.dispose()
    return killed


def pooled(app: Flask) -> int:
    """How many idle connections the app's pool holds."""
    with app.app_context():
        return db.engine.pool.checkedin()


def views(user: FlaskClient, visitor: FlaskClient) -> dict[str, Callable[[], int]]:
    """The views a drop must not break, each returning its status."""

    def wrong_password() -> int:
        return log_in(visitor, password="wrong").status_code

    return {
        "dashboard": lambda: user.get("/dashboard").status_code,
        "login page": lambda: visitor.get("/auth/login").status_code,
        "healthz": lambda: visitor.get("/healthz").status_code,
        "log in": wrong_password,
    }


EXPECTED = {"dashboard": 200, "login page": 200, "healthz": 200, "log in": 400}


def _warmed_up(app: Flask) -> dict[str, Callable[[], int]]:
    user = app.test_client()
    assert register(user).status_code == 302
    found = views(user, app.test_client())
    assert {name: view() for name, view in found.items()} == EXPECTED
    assert pooled(app) >= 1
    return found


@pytest.mark.parametrize("first", ["dashboard", "healthz", "log in"])
def test_the_views_after_the_connections_are_dropped(postgres_url, first, caplog):
    with built_app(postgres_url) as app:
        found = _warmed_up(app)
        in_pool = pooled(app)
        assert drop_connections() == in_pool
        order = [first, *(name for name in found if name != first)]
        for _ in range(3):
            assert {name: found[name]() for name in order} == EXPECTED
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# What the first view after the drop answered with pool_pre_ping off (then all recovered).
WITHOUT_PRE_PING = {"dashboard": 500, "healthz": 503, "log in": 500}


@pytest.mark.parametrize("first", sorted(WITHOUT_PRE_PING))
def test_without_pre_ping_the_first_view_after_a_drop_fails(postgres_url, first, caplog):
    """The control: proves the drop is real, and is why config.py keeps pool_pre_ping."""
    with built_app(postgres_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False}) as app:
        found = _warmed_up(app)
        assert drop_connections() >= 1
        assert found[first]() == WITHOUT_PRE_PING[first]
        # The failure invalidated the pool: every view works again at once.
        assert {name: view() for name, view in found.items()} == EXPECTED
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_every_config_pings_before_use():
    for name in ("development", "testing", "production"):
        assert CONFIGS[name].SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True, name


def test_over_http_with_threads(postgres_url, sandbox, caplog):
    """Served by a threaded server with several connections pooled, then all dropped."""
    with served_with_sandbox(postgres_url, sandbox) as server:
        visitors = [register_and_connect(server.url, f"user{n}@example.com") for n in range(4)]
        strangers = [Visitor() for _ in range(8)]

        def at_once() -> list[int]:
            """Each visitor's dashboard and each stranger's login page and /healthz, at once."""
            calls = [(v, "/dashboard") for v in visitors]
            calls += [(s, ("/auth/login", "/healthz")[n % 2]) for n, s in enumerate(strangers)]
            start = threading.Barrier(len(calls))
            answers: list[int] = [0] * len(calls)

            def call(index: int, who: Visitor, path: str) -> None:
                start.wait()
                answers[index] = who.session.get(f"{server.url}{path}", timeout=10).status_code

            threads = [
                threading.Thread(target=call, args=(i, who, path))
                for i, (who, path) in enumerate(calls)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            return answers

        assert set(at_once()) == {200}
        # Make sure several connections are pooled, however the threads overlapped.
        with server.app.app_context():
            connections = [db.engine.connect() for _ in range(4)]
            for connection in connections:
                connection.execute(text("SELECT 1"))
                connection.close()
        in_pool = pooled(server.app)
        assert in_pool >= 4
        assert drop_connections() == in_pool
        for _ in range(3):
            assert set(at_once()) == {200}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
