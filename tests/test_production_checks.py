"""Production refuses unsafe settings at start-up; proxy headers count only as configured."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask, url_for

from app import create_app
from config import ConfigError, load_config
from production_checks import secret_key_problem
from tests.conftest import (
    PUBLIC_CALLBACK,
    STRONG_SECRET,
    built_app,
    mocked_cronofy_app,
    production_app,
)
from tests.helpers import csrf_token, post_form, register


def _production_error(monkeypatch: pytest.MonkeyPatch) -> str:
    with pytest.raises(ConfigError) as info:
        load_config("production")
    return str(info.value)


def test_a_complete_production_environment_starts(production_env):
    config = load_config("production")
    assert config.CRONOFY_REDIRECT_URI == PUBLIC_CALLBACK
    assert config.PROXY_COUNT == 0


@pytest.mark.parametrize(
    "secret",
    ["testing-secret-key", "change-me", "short-but-random-Xy7", "x" * 64, "ab" * 40],
)
def test_a_default_or_weak_secret_key_stops_production(production_env, secret):
    production_env.setenv("SECRET_KEY", secret)
    [line] = _production_error(production_env).splitlines()[1:]
    assert line.startswith("SECRET_KEY: ")
    assert "secrets.token_urlsafe(48)" in line  # the line says how to fix it


def test_secret_key_problems():
    assert secret_key_problem(None) == "not set"
    assert secret_key_problem("testing-secret-key") == "a well-known default"
    assert secret_key_problem("short") == "too weak (use 32+ random characters)"
    assert secret_key_problem(STRONG_SECRET) is None


def test_a_missing_redirect_uri_stops_production(production_env):
    production_env.delenv("CRONOFY_REDIRECT_URI")
    message = _production_error(production_env)
    assert message.splitlines()[1:] == [
        "CRONOFY_REDIRECT_URI: not set. Set it to https://<your host>/auth/cronofy/callback "
        "and register exactly that URL with Cronofy."
    ]


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        (
            "http://calendar.example.com/auth/cronofy/callback",
            "is not https: the authorization code would travel in clear text",
        ),
        ("calendar.example.com/cb", "is not an absolute http(s) URL"),
    ],
)
def test_a_plain_http_redirect_uri_stops_production(production_env, uri, problem):
    production_env.setenv("CRONOFY_REDIRECT_URI", uri)
    message = _production_error(production_env)
    assert message.splitlines()[1:] == [
        f"CRONOFY_REDIRECT_URI: {uri!r} {problem}. Set it to "
        "https://<your host>/auth/cronofy/callback and register exactly that URL with Cronofy."
    ]


def test_production_needs_a_shared_rate_limit_store(production_env):
    production_env.delenv("RATELIMIT_STORAGE_URI")
    message = _production_error(production_env)
    assert "RATELIMIT_STORAGE_URI: not set. Use redis://" in message


@pytest.mark.parametrize(
    ("value", "said"),
    [(None, "not set"), ("memory://", "memory://, which no other process can read")],
)
def test_production_needs_a_shared_task_queue(production_env, value, said):
    if value is None:
        production_env.delenv("TASK_QUEUE_URL")
    else:
        production_env.setenv("TASK_QUEUE_URL", value)
    message = _production_error(production_env)
    assert f"TASK_QUEUE_URL: {said}. Use redis://" in message


def test_every_problem_is_reported_at_once_one_line_each(production_env):
    production_env.setenv("SECRET_KEY", "change-me")
    production_env.setenv("CRONOFY_REDIRECT_URI", "http://example.com/auth/cronofy/callback")
    production_env.delenv("RATELIMIT_STORAGE_URI")
    lines = _production_error(production_env).splitlines()
    assert lines[0] == "Production cannot start:"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == [
        "SECRET_KEY",
        "CRONOFY_REDIRECT_URI",
        "RATELIMIT_STORAGE_URI",
    ]
    assert "'http://example.com/auth/cronofy/callback' is not https" in lines[2]
    with pytest.raises(ConfigError):
        create_app("production")


def test_create_app_checks_the_settings_again_after_its_overrides(production_env, database_url):
    """However a production app is built, the rules see the settings it would run with."""
    overrides = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "change-me"}
    with pytest.raises(ConfigError) as info:
        create_app("production", overrides)
    assert str(info.value).splitlines() == [
        "Production cannot start:",
        "SECRET_KEY: a well-known default. Set SECRET_KEY to "
        '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.',
    ]


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_proxy_count_that_is_not_a_count_stops_start_up(production_env, value):
    production_env.setenv("PROXY_COUNT", value)
    with pytest.raises(ConfigError, match=f"PROXY_COUNT='{value}' is not a number of proxies"):
        load_config("production")


def test_the_production_redirect_uri_is_sent_to_cronofy(production_env, database_url):
    with production_app(database_url) as app:
        client = app.test_client()
        register(client)
        response = post_form(client, "/auth/cronofy/connect")
    query = dict(parse_qsl(urlsplit(response.location).query))
    assert query["redirect_uri"] == PUBLIC_CALLBACK


# ----- proxies ------------------------------------------------------------------------------

SPOOFED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Port": "443",
}


def _redirect_uri_sent(app: Flask, headers: dict[str, str]) -> str:
    client = app.test_client()
    register(client)
    response = client.post(
        "/auth/cronofy/connect", data={"csrf_token": csrf_token(client)}, headers=headers
    )
    assert response.status_code == 302
    return dict(parse_qsl(urlsplit(response.location).query))["redirect_uri"]


def test_without_proxies_forwarded_headers_are_ignored(app):
    assert app.config["PROXY_COUNT"] == 0
    assert _redirect_uri_sent(app, SPOOFED) == "http://localhost/auth/cronofy/callback"
    with app.test_request_context("/", headers=SPOOFED, environ_base={"REMOTE_ADDR": "10.0.0.2"}):
        assert url_for("dashboard.index", _external=True) == "http://localhost/dashboard"


def test_behind_one_proxy_external_urls_use_the_forwarded_host_and_scheme(database_url):
    headers = {
        "X-Forwarded-For": "198.51.100.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "calendar.example.com",
        "X-Forwarded-Port": "443",
        # Flask-WTF checks that an HTTPS POST comes from the same origin.
        "Referer": "https://calendar.example.com/dashboard",
    }
    with mocked_cronofy_app(database_url, PROXY_COUNT=1) as app:

        @app.get("/_whoami")
        def whoami():
            from flask import request

            return {"url": url_for("dashboard.index", _external=True), "ip": request.remote_addr}

        assert _redirect_uri_sent(app, headers) == PUBLIC_CALLBACK
        answer = app.test_client().get("/_whoami", headers=headers).get_json()
    assert answer == {"url": "https://calendar.example.com/dashboard", "ip": "198.51.100.7"}


def test_behind_one_proxy_only_the_value_it_appended_is_believed(database_url):
    # The client sent its own X-Forwarded-For; the proxy appended the real address.
    headers = {"X-Forwarded-For": "1.2.3.4, 198.51.100.7", "X-Forwarded-Host": "a, b.example"}
    with built_app(database_url, PROXY_COUNT=1) as app:

        @app.get("/_whoami")
        def whoami():
            from flask import request

            return {"ip": request.remote_addr, "host": request.host}

        answer = app.test_client().get("/_whoami", headers=headers).get_json()
    assert answer == {"ip": "198.51.100.7", "host": "b.example"}
