"""Log in, register and connect are rate limited per client address, in memory or in Redis."""

import secrets

import pytest

from app import create_app
from config import ConfigError
from tests.conftest import built_app, mocked_cronofy_app, unavailable
from tests.helpers import WRONG_PASSWORD, log_in, post_form, register

REDIS_URL = "redis://127.0.0.1:6379/0"
TOO_MANY = "Too many attempts from your network in a short time."


def _login(client, **headers: str):
    """One log-in attempt with a wrong password."""
    return log_in(client, password=WRONG_PASSWORD, headers=headers)


def _assert_limited(response) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Error 429" in page
    assert "Too Many Requests" in page
    assert TOO_MANY in page
    assert 0 < int(response.headers["Retry-After"]) <= 60


@pytest.fixture
def limited_app(database_url):
    """The app with low limits: 3 log-ins, 2 registrations and 2 connects a minute."""
    with mocked_cronofy_app(
        database_url,
        RATELIMIT_LOGIN="3 per minute",
        RATELIMIT_REGISTER="2 per minute",
        RATELIMIT_CONNECT="2 per minute",
    ) as app:
        yield app


def test_the_default_limits(app):
    assert app.config["RATELIMIT_LOGIN"] == "10 per minute; 100 per hour"
    assert app.config["RATELIMIT_REGISTER"] == "5 per minute; 50 per hour"
    assert app.config["RATELIMIT_CONNECT"] == "10 per minute; 100 per hour"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_logging_in_is_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert _login(client).status_code == 400  # wrong password
    _assert_limited(_login(client))
    # Even the right password waits: the limit is on attempts, not on failures.
    _assert_limited(log_in(client))
    # Reading the form is not an attempt.
    assert client.get("/auth/login").status_code == 200


def test_registering_is_limited(limited_app):
    for attempt in range(2):
        client = limited_app.test_client()
        assert register(client, email=f"user{attempt}@example.com").status_code == 302
    _assert_limited(register(limited_app.test_client(), email="third@example.com"))


def test_connecting_is_limited(limited_app):
    client = limited_app.test_client()
    register(client)
    for _ in range(2):
        response = post_form(client, "/auth/cronofy/connect")
        assert response.status_code == 302
    response = post_form(client, "/auth/cronofy/connect")
    _assert_limited(response)


def test_another_address_has_its_own_allowance(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        _login(client)
    _assert_limited(_login(client))
    other = limited_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert _login(other).status_code == 400


def test_a_spoofed_forwarded_for_does_not_reset_the_count(limited_app):
    assert limited_app.config["PROXY_COUNT"] == 0
    client = limited_app.test_client()
    for attempt in range(3):
        _login(client, **{"X-Forwarded-For": f"203.0.113.{attempt}"})
    _assert_limited(_login(client, **{"X-Forwarded-For": "203.0.113.99"}))


def test_limits_can_be_switched_off(database_url):
    with built_app(database_url, RATELIMIT_ENABLED=False, RATELIMIT_LOGIN="1 per minute") as app:
        client = app.test_client()
        assert [_login(client).status_code for _ in range(3)] == [400, 400, 400]


def test_flask_limiters_own_fallback_is_refused(database_url):
    """It would fall back on every error, real ones included (see app/security/limits.py)."""
    with pytest.raises(ConfigError, match="RATELIMIT_IN_MEMORY_FALLBACK_ENABLED must stay off"):
        create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            },
        )


def test_limits_are_kept_in_redis(database_url):
    """The production store: every process sees the same counters."""
    import redis

    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"calendar-connect-test-{secrets.token_hex(4)}"
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_LOGIN": "2 per minute",
    }
    try:
        # Two apps stand for two processes (or hosts) sharing one Redis.
        with (
            built_app(database_url, **settings) as first,
            built_app(database_url, **settings) as second,
        ):
            assert _login(first.test_client()).status_code == 400
            assert _login(second.test_client()).status_code == 400
            _assert_limited(_login(first.test_client()))
            _assert_limited(_login(second.test_client()))
        keys = server.keys(f"*{prefix}*")
        assert keys, "no counter was written to Redis"
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
        server.close()


def test_health_checks_are_never_limited(limited_app):
    client = limited_app.test_client()
    assert {client.get("/healthz").status_code for _ in range(50)} == {200}
