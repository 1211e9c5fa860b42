"""Redis down never means log-in down: limits are counted in memory until Redis answers again.

These tests start and kill a Redis server of their own (tests/live.py), or point the app at a
port where nothing listens. They count log records exactly: one warning when the store goes
away, one info line when counting returns to it.
"""

import logging
import socket
import threading
from collections import Counter

import pytest
import requests
from flask.testing import FlaskClient

from tests.conftest import built_app, redis_of_its_own, served_with_sandbox
from tests.helpers import EMAIL, WRONG_PASSWORD, csrf_token, log_in
from tests.live import free_port
from tests.visitor import register_and_connect

DOWN = (
    "Rate limit store unusable ({}): this process counts attempts in memory until it "
    "answers again (retried every 10s)"
)
# Flask-Limiter's keys: LIMITS:LIMITER/<RATELIMIT_KEY_PREFIX>/<address>/<endpoint>/<limit>.
KEY_PREFIX = "LIMITS:LIMITER/calendar-connect/127.0.0.1/"
BACK = "Rate limit store usable again: attempts are counted in it again"


class Clock:
    """A monotonic clock the test moves by hand, so no test waits for the retry interval."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every warning (and worse) of the test, from any logger."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def infos(caplog: pytest.LogCaptureFixture, message: str) -> int:
    return sum(r.levelno == logging.INFO and r.getMessage() == message for r in caplog.records)


def statuses(page: requests.Response) -> list[int]:
    """The status of a page and of every redirect on the way to it."""
    return [r.status_code for r in (*page.history, page)]


def wrong_log_in(client: FlaskClient) -> int:
    """One log-in attempt with a wrong password, through the test client: its status."""
    return log_in(client, EMAIL, WRONG_PASSWORD).status_code


def test_nothing_listening_costs_no_log_in(database_url, sandbox, caplog):
    """Register, connect, the dashboard, log out and in: all served, limits still counted."""
    store = f"redis://:store-password@127.0.0.1:{free_port()}/0"
    with served_with_sandbox(
        database_url,
        sandbox,
        RATELIMIT_STORAGE_URI=store,
        RATELIMIT_LOGIN="3 per minute",
        CRONOFY_BUDGET_STORAGE_URI="memory://",  # these tests are about the sign-in limits
    ) as server:
        seen: list[int] = []
        visitor = register_and_connect(server.url, EMAIL)
        seen += statuses(visitor.page)
        seen += statuses(visitor.get(f"{server.url}/dashboard"))
        assert "Work" in visitor.text  # the sandbox's calendars, so Cronofy was reached
        seen += statuses(visitor.press("Log out"))
        seen += statuses(visitor.log_in(server.url, EMAIL))
        assert visitor.page.url == f"{server.url}/dashboard"
        seen += statuses(visitor.press("Log out"))
        # The limit holds in memory: the 1st attempt was the log-in above, so two more
        # wrong passwords are allowed and the 4th attempt is refused.
        attempts = [
            visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code for _ in range(3)
        ]
        assert attempts == [400, 400, 429]
        assert server.app.extensions["rate_limiter"].counting.counting_in_memory
    assert seen and all(status < 500 for status in seen), seen
    assert warnings(caplog) == [DOWN.format("ConnectionError")]
    assert not any("store-password" in r.getMessage() for r in caplog.records)


def test_redis_killed_then_started_again(database_url, sandbox, own_redis, caplog):
    """Counting moves to memory when Redis dies and back to Redis when it returns."""
    store = own_redis.client()
    with served_with_sandbox(
        database_url,
        sandbox,
        RATELIMIT_STORAGE_URI=own_redis.url,
        RATELIMIT_LOGIN="3 per minute",
        CRONOFY_BUDGET_STORAGE_URI="memory://",
    ) as server:
        counting = server.app.extensions["rate_limiter"].counting
        clock = counting.clock = Clock()

        # Redis up: registering and connecting are counted in it.
        visitor = register_and_connect(server.url, EMAIL)
        counted = {key.removeprefix(KEY_PREFIX): store.get(key) for key in store.keys("*")}
        assert counted == {
            "auth.register/5/1/minute": "1",
            "auth.register/50/1/hour": "1",
            "cronofy.connect/10/1/minute": "1",
            "cronofy.connect/100/1/hour": "1",
        }

        own_redis.kill()
        seen = statuses(visitor.get(f"{server.url}/dashboard"))
        assert "Work" in visitor.text
        seen += statuses(visitor.press("Log out"))
        seen += statuses(visitor.log_in(server.url, EMAIL))
        assert visitor.page.url == f"{server.url}/dashboard"
        seen += statuses(visitor.press("Connect another calendar"))
        seen += statuses(visitor.press("Allow", email="ada@work.example"))
        assert "Connected ada@work.example." in visitor.text
        seen += statuses(visitor.press("Log out"))
        assert all(status < 500 for status in seen), seen
        assert warnings(caplog) == [DOWN.format("ConnectionError")]
        # In memory the log-in above was attempt 1 of 3.
        attempts = [
            visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code for _ in range(3)
        ]
        assert attempts == [400, 400, 429]
        # A retry while Redis is still down finds it down again, quietly.
        clock.advance(10)
        assert visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code == 429
        assert warnings(caplog) == [DOWN.format("ConnectionError")]

        own_redis.start()  # same port, no data
        # Until the retry interval has passed, nothing is sent to Redis: memory still counts.
        assert visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code == 429
        assert store.keys("*") == []
        assert infos(caplog, BACK) == 0

        clock.advance(10)
        # The next attempt goes to Redis, where this address has a fresh allowance.
        assert visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code == 400
        assert infos(caplog, BACK) == 1
        assert not counting.counting_in_memory
        login_key = f"{KEY_PREFIX}auth.login/3/1/minute"
        assert store.get(login_key) == "1"
        assert visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code == 400
        assert store.get(login_key) == "2"

        # Redis's counter is the one enforced: set it to the limit, then clear it.
        store.set(login_key, 3, keepttl=True)
        assert visitor.log_in(server.url, EMAIL, WRONG_PASSWORD).status_code == 429
        store.delete(login_key)
        assert visitor.log_in(server.url, EMAIL).status_code == 200  # logged in: the dashboard
        assert visitor.page.url == f"{server.url}/dashboard"
        assert store.get(login_key) == "1"
    assert warnings(caplog) == [DOWN.format("ConnectionError")]
    assert infos(caplog, BACK) == 1


def test_a_second_outage_is_logged_again(database_url, own_redis, caplog):
    """One warning per outage, not per request and not once per process life."""
    with built_app(database_url, RATELIMIT_STORAGE_URI=own_redis.url) as app:
        counting = app.extensions["rate_limiter"].counting
        clock = counting.clock = Clock()
        client = app.test_client()

        for _ in range(2):
            own_redis.kill()
            assert [wrong_log_in(client) for _ in range(3)] == [400, 400, 400]
            own_redis.start()
            clock.advance(10)
            assert wrong_log_in(client) == 400
            assert not counting.counting_in_memory
    assert warnings(caplog) == [DOWN.format("ConnectionError")] * 2
    assert infos(caplog, BACK) == 2


def test_a_store_that_refuses_our_password_is_counted_around(database_url, caplog):
    """A rotated Redis password is an outage of the store, not of log-in (doctor flags it)."""
    server = redis_of_its_own(password="new-store-pw")
    stale = f"redis://:old-store-pw@127.0.0.1:{server.port}/0"
    with server, built_app(database_url, RATELIMIT_STORAGE_URI=stale) as app:
        assert wrong_log_in(app.test_client()) == 400
        assert server.client().keys("*") == []
    assert warnings(caplog) == [DOWN.format("AuthenticationError")]
    assert not any("store-pw" in r.getMessage() for r in caplog.records)


def test_requests_waiting_on_a_hung_store_are_all_served(database_url, caplog):
    """A store that accepts connections and never answers: every waiting request falls back.

    Flask-Limiter's own fallback fails this: it switches on the first timeout and raises on
    the others (19 of these 20 requests answered 500 with it).
    """
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)  # the kernel accepts the connections; nobody ever reads them
    store = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
    try:
        with built_app(
            database_url, RATELIMIT_STORAGE_URI=store, RATELIMIT_STORAGE_TIMEOUT=0.3
        ) as app:
            clients = [app.test_client() for _ in range(20)]
            tokens = [csrf_token(client) for client in clients]
            start = threading.Barrier(len(clients))
            answers: list[int] = []

            def attempt(client, token: str) -> None:
                data = {"email": EMAIL, "password": WRONG_PASSWORD, "csrf_token": token}
                start.wait()
                answers.append(client.post("/auth/login", data=data).status_code)

            threads = [
                threading.Thread(target=attempt, args=pair)
                for pair in zip(clients, tokens, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
    finally:
        hung.close()
    # All 20 were counted, in memory, against the default 10 per minute.
    assert Counter(answers) == {400: 10, 429: 10}
    assert warnings(caplog) == [DOWN.format("TimeoutError")]


@pytest.mark.parametrize(
    "break_the_key",
    [
        pytest.param(lambda store, key: store.hset(key, "not", "a counter"), id="wrongtype"),
        # A replica after a failover refuses writes with READONLY.
        pytest.param(
            lambda store, key: store.replicaof("127.0.0.1", free_port()), id="read-only-replica"
        ),
    ],
)
def test_a_store_that_answers_with_an_error_is_counted_around_too(
    database_url, own_redis, caplog, break_the_key
):
    """A store that answers, but wrongly, is as unusable as one that is down: log-in stays up."""
    store = own_redis.client()
    with built_app(
        database_url, RATELIMIT_STORAGE_URI=own_redis.url, RATELIMIT_LOGIN="3 per minute"
    ) as app:
        client = app.test_client()

        assert wrong_log_in(client) == 400
        login_key = f"{KEY_PREFIX}auth.login/3/1/minute"
        store.delete(login_key)
        break_the_key(store, login_key)
        # Counted in memory from here, afresh: three more attempts, then the limit.
        assert [wrong_log_in(client) for _ in range(4)] == [400, 400, 400, 429]
        assert app.extensions["rate_limiter"].counting.counting_in_memory
    [warning] = warnings(caplog)
    assert warning.startswith("Rate limit store unusable (") and "Error)" in warning


def test_redis_gets_short_timeouts(database_url):
    """A Redis that stops answering holds a request for RATELIMIT_STORAGE_TIMEOUT, not 5 s."""
    with built_app(
        database_url, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"
    ) as app:
        pool = app.extensions["rate_limiter"].storage.storage.connection_pool
        assert app.config["RATELIMIT_STORAGE_TIMEOUT"] == 1.0
        assert pool.connection_kwargs["socket_connect_timeout"] == 1.0
        assert pool.connection_kwargs["socket_timeout"] == 1.0
        assert app.config["RATELIMIT_STORAGE_RETRY_SECONDS"] == 10.0
