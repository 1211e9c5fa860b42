"""`flask doctor`: one finding per check, each failure with its fix, exit status 1 on any."""

import logging
import re
from typing import Any

import pytest
import requests
from flask import Flask

from app import create_app
from tests.conftest import (
    built_app,
    mocked_cronofy_app,
    redis_of_its_own,
    set_production_env,
)
from tests.cronofy_data import API_URL, APP_URL
from tests.helpers import TESTING_KEY
from tests.live import free_port

STRONG_SECRET = "kV3p-9qLx_T2mZr8Wd4Yh7Bn1Cs6Fg0J-doctor"


def doctor(app: Flask, cronofy, *, hosts: Any = (200, 200), **config: Any):
    """Run `flask doctor` with `config` changed after start-up and Cronofy's hosts mocked."""
    app.config.update({"SECRET_KEY": STRONG_SECRET, **config})
    for url, answer in zip((APP_URL, API_URL), hosts, strict=True):
        if isinstance(answer, Exception):
            cronofy.get(f"{url}/", body=answer)
        else:
            cronofy.get(f"{url}/", status=answer)
    result = app.test_cli_runner().invoke(args=["doctor"])
    return result.exit_code, result.output


def newest_migration() -> str:
    """The head revision, read the way Alembic reads it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.doctor import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    [head] = ScriptDirectory.from_config(config).get_heads()
    return head


HEAD = newest_migration()


def lines(output: str) -> list[str]:
    return output.splitlines()


def test_a_healthy_setup_passes_every_check(app, cronofy):
    status, output = doctor(app, cronofy, hosts=(404, 200))
    assert status == 0, output
    dialect = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    assert lines(output) == [
        "ok    SECRET_KEY: set, long and random-looking",
        "ok    TOKEN_ENCRYPTION_KEYS: 1 valid Fernet key(s)",
        "ok    Cronofy credentials: client id and secret set",
        "ok    CRONOFY_DATA_CENTER: us",
        "ok    CRONOFY_REDIRECT_URI: computed from each request",
        f"ok    database: reachable ({dialect})",
        f"ok    migrations: at head ({HEAD})",
        "ok    rate-limit store: memory:// (each process counts on its own)",
        "ok    task queue: memory:// reachable, 0 task(s) waiting",
        "ok    push notifications: off: no public URL for Cronofy's notifications "
        "(CRONOFY_NOTIFICATION_URL or CRONOFY_REDIRECT_URI); copies are refreshed by their "
        "maximum age instead",
        f"ok    Cronofy app host: {APP_URL} answered 404",  # any answer means reachable
        f"ok    Cronofy API host: {API_URL} answered 200",
        "All checks passed.",
    ]


def _failure(output: str, name: str) -> tuple[str, str]:
    """The FAIL line of check `name` and the fix line under it."""
    found = lines(output)
    [index] = [i for i, line in enumerate(found) if line.startswith(f"FAIL  {name}:")]
    return found[index], found[index + 1]


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("testing-secret-key", "a well-known default"),
        ("short", "too weak (use 32+ random characters)"),
        ("", "not set"),
    ],
)
def test_a_weak_secret_key(app, cronofy, secret, problem):
    status, output = doctor(app, cronofy, SECRET_KEY=secret)
    assert status == 1
    assert _failure(output, "SECRET_KEY") == (
        f"FAIL  SECRET_KEY: {problem}",
        '      fix: Set SECRET_KEY to `python -c "import secrets; '
        'print(secrets.token_urlsafe(48))"`.',
    )
    assert lines(output)[-1] == "1 problem(s) found."


def test_a_malformed_token_key_is_named_by_position_not_shown(app, cronofy):
    status, output = doctor(app, cronofy, TOKEN_ENCRYPTION_KEYS=[TESTING_KEY, "not-a-fernet-key"])
    assert status == 1
    assert _failure(output, "TOKEN_ENCRYPTION_KEYS") == (
        "FAIL  TOKEN_ENCRYPTION_KEYS: key 2 of 2 is not a valid Fernet key",
        '      fix: Make a key with `python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"` and put it first in TOKEN_ENCRYPTION_KEYS.',
    )
    assert "not-a-fernet-key" not in output


def test_missing_token_keys(app, cronofy):
    status, output = doctor(app, cronofy, TOKEN_ENCRYPTION_KEYS=[])
    assert status == 1
    assert _failure(output, "TOKEN_ENCRYPTION_KEYS")[0] == "FAIL  TOKEN_ENCRYPTION_KEYS: not set"


def test_missing_cronofy_credentials(app, cronofy):
    status, output = doctor(app, cronofy, CRONOFY_CLIENT_SECRET=None)
    assert status == 1
    fail, fix = _failure(output, "Cronofy credentials")
    assert fail == "FAIL  Cronofy credentials: CRONOFY_CLIENT_SECRET not set"
    assert "developer dashboard" in fix
    assert "test-secret" not in output


def test_an_unknown_data_center(app, cronofy):
    status, output = doctor(app, cronofy, CRONOFY_DATA_CENTER="eu")
    assert status == 1
    assert _failure(output, "CRONOFY_DATA_CENTER") == (
        "FAIL  CRONOFY_DATA_CENTER: 'eu' is not a Cronofy data center",
        "      fix: Use the one your Cronofy application lives in: us, uk, de, au, ca, sg.",
    )


@pytest.mark.parametrize(
    ("uri", "production", "problem"),
    [
        (
            "https://calendar.example.com/callback",
            False,
            "its path '/callback' is not the callback route '/auth/cronofy/callback'",
        ),
        (
            "https://calendar.example.com/auth/cronofy/callback?x=1",
            False,
            "'https://calendar.example.com/auth/cronofy/callback?x=1' has a query or fragment; "
            "Cronofy compares the URL exactly",
        ),
        (
            "/auth/cronofy/callback",
            False,
            "'/auth/cronofy/callback' is not an absolute http(s) URL",
        ),
        (
            "http://calendar.example.com/auth/cronofy/callback",
            True,
            "'http://calendar.example.com/auth/cronofy/callback' is not https: "
            "the authorization code would travel in clear text",
        ),
        (None, True, "not set"),
    ],
)
def test_a_wrong_redirect_uri(app, cronofy, uri, production, problem):
    status, output = doctor(app, cronofy, CRONOFY_REDIRECT_URI=uri, PRODUCTION=production)
    assert status == 1
    assert _failure(output, "CRONOFY_REDIRECT_URI") == (
        f"FAIL  CRONOFY_REDIRECT_URI: {problem}",
        "      fix: Set it to https://<your host>/auth/cronofy/callback and register exactly "
        "that URL with Cronofy.",
    )


def test_a_plain_http_redirect_uri_is_fine_in_development(app, cronofy):
    uri = "http://127.0.0.1:5000/auth/cronofy/callback"
    status, output = doctor(app, cronofy, CRONOFY_REDIRECT_URI=uri)
    assert status == 0, output
    assert f"ok    CRONOFY_REDIRECT_URI: {uri}" in lines(output)


def test_an_unreachable_database(cronofy):
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres:pw@127.0.0.1:1/none",
            "CRONOFY_APP_URL": APP_URL,
            "CRONOFY_API_URL": API_URL,
        },
    )
    status, output = doctor(app, cronofy)
    assert status == 1
    fail, fix = _failure(output, "database")
    assert fail == "FAIL  database: not reachable (OperationalError)"
    assert fix == (
        "      fix: Check DATABASE_URL and that the database server is running and accepts "
        "this host."
    )
    assert "pw@" not in output  # the URL (and its password) is never printed
    assert not any(
        line.startswith(("ok    migrations", "FAIL  migrations")) for line in lines(output)
    )


def test_a_database_that_is_not_migrated(tmp_path, cronofy):
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}",
            "CRONOFY_APP_URL": APP_URL,
            "CRONOFY_API_URL": API_URL,
        },
    )
    status, output = doctor(app, cronofy)
    assert status == 1
    assert _failure(output, "migrations") == (
        f"FAIL  migrations: database at none, code expects {HEAD}",
        "      fix: Run `flask --app wsgi db upgrade`.",
    )


STORE_FIX = (
    "      fix: Check RATELIMIT_STORAGE_URI (host, port, password) and that Redis is running "
    "and accepts connections from this host."
)


def test_an_unreachable_rate_limit_store(database_url, cronofy):
    port = free_port()
    store = f"redis://limiter:store-pw@127.0.0.1:{port}/0?socket_timeout=2"
    with mocked_cronofy_app(database_url, RATELIMIT_STORAGE_URI=store) as app:
        status, output = doctor(app, cronofy)
    assert status == 1
    assert _failure(output, "rate-limit store") == (
        f"FAIL  rate-limit store: redis://127.0.0.1:{port}/0 not reachable (ConnectionError); "
        "until it is, each process counts attempts in its own memory",
        STORE_FIX,
    )
    assert "store-pw" not in output
    assert "limiter" not in output
    assert lines(output)[-1] == "1 problem(s) found."


def test_a_reachable_rate_limit_store_and_a_wrong_password(database_url, cronofy):
    with redis_of_its_own(password="store-pw") as server:
        for password, expected in (
            ("store-pw", f"ok    rate-limit store: redis://127.0.0.1:{server.port}/0 reachable"),
            (
                "stale-pw",
                f"FAIL  rate-limit store: redis://127.0.0.1:{server.port}/0 not reachable "
                "(AuthenticationError); until it is, each process counts attempts in its own "
                "memory",
            ),
        ):
            with mocked_cronofy_app(
                database_url,
                RATELIMIT_STORAGE_URI=f"redis://:{password}@127.0.0.1:{server.port}/0",
            ) as app:
                status, output = doctor(app, cronofy)
            assert expected in lines(output), output
            assert status == (0 if password == "store-pw" else 1)
            assert "-pw" not in output


def test_rate_limits_switched_off(database_url, cronofy):
    with mocked_cronofy_app(database_url, RATELIMIT_ENABLED=False) as app:
        status, output = doctor(app, cronofy)
    assert status == 0, output
    assert "ok    rate-limit store: rate limits are switched off (RATELIMIT_ENABLED)" in lines(
        output
    )


def test_cronofy_hosts_that_do_not_answer(app, cronofy):
    status, output = doctor(
        app,
        cronofy,
        hosts=(requests.ConnectTimeout("timed out"), requests.ConnectionError("refused")),
    )
    assert status == 1
    assert _failure(output, "Cronofy app host") == (
        f"FAIL  Cronofy app host: {APP_URL} did not answer (ConnectTimeout)",
        "      fix: Check CRONOFY_APP_URL (or CRONOFY_DATA_CENTER), DNS and outbound firewall "
        "rules.",
    )
    assert _failure(output, "Cronofy API host")[0] == (
        f"FAIL  Cronofy API host: {API_URL} did not answer (ConnectionError)"
    )
    assert lines(output)[-1] == "2 problem(s) found."


def _finding(output: str, name: str) -> str:
    [line] = [line for line in lines(output) if f"  {name}:" in line]
    return line


def test_push_to_a_public_url(app, cronofy):
    status, output = doctor(app, cronofy, CRONOFY_NOTIFICATION_URL="https://calendar.example/")
    assert status == 0, output
    assert _finding(output, "push notifications") == (
        "ok    push notifications: to https://calendar.example/cronofy/notifications/<token>"
    )


def test_push_is_taken_from_the_redirect_uri(app, cronofy):
    uri = "https://calendar.example/auth/cronofy/callback"
    status, output = doctor(app, cronofy, CRONOFY_REDIRECT_URI=uri)
    assert status == 0, output
    assert _finding(output, "push notifications").endswith(
        "to https://calendar.example/cronofy/notifications/<token>"
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:5000", "http://localhost:5000", "http://10.0.0.7"]
)
def test_push_off_when_cronofy_cannot_reach_the_url(app, cronofy, url):
    """Not a failure: the copies still refresh by their maximum age."""
    status, output = doctor(app, cronofy, CRONOFY_NOTIFICATION_URL=url)
    assert status == 0, output
    assert _finding(output, "push notifications") == (
        f"ok    push notifications: off: Cronofy cannot reach {url} (a local address), so no "
        "channels are made and copies are refreshed by their maximum age instead; to try push "
        "with real Cronofy, set CRONOFY_NOTIFICATION_URL to a tunnel's https URL"
    )


def test_the_sandbox_reaches_a_local_url(app, cronofy):
    status, output = doctor(
        app, cronofy, CRONOFY_NOTIFICATION_URL="http://127.0.0.1:5000", CRONOFY_USES_SANDBOX=True
    )
    assert status == 0, output
    assert "to http://127.0.0.1:5000/cronofy/notifications/<token>" in output


def test_a_notification_url_that_is_not_a_url(app, cronofy):
    status, output = doctor(app, cronofy, CRONOFY_NOTIFICATION_URL="calendar.example")
    assert status == 1
    assert _failure(output, "push notifications") == (
        "FAIL  push notifications: CRONOFY_NOTIFICATION_URL='calendar.example' is not an "
        "http(s) URL",
        "      fix: Set CRONOFY_NOTIFICATION_URL to this app's public https address, or leave "
        "it unset to refresh copies by their maximum age only.",
    )


@pytest.mark.parametrize(
    ("config", "level"),
    [
        ({}, logging.INFO),
        ({"CRONOFY_NOTIFICATION_URL": "http://127.0.0.1:5000"}, logging.WARNING),
        ({"CRONOFY_NOTIFICATION_URL": "https://calendar.example"}, None),
    ],
)
def test_start_up_says_once_when_push_is_off(database_url, caplog, config, level):
    with (
        caplog.at_level(logging.INFO, logger="app.sync.channels"),
        built_app(database_url, **config),
    ):
        pass
    said = [r for r in caplog.records if r.getMessage().startswith("Push notifications off")]
    assert [r.levelno for r in said] == ([level] if level else [])


def test_the_migration_head_is_read_from_the_migrations_folder():
    from app.doctor import MIGRATIONS

    heads = [p.name for p in (MIGRATIONS / "versions").glob("*.py")]
    assert any(re.match(rf"{HEAD}_", name) for name in heads)


# ----- one list of rules: start-up refuses what the doctor reports ---------------------------


def _refused(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> list[str]:
    """The lines production start-up refuses these settings with."""
    from config import ConfigError, load_config

    set_production_env(monkeypatch, **changes)
    with pytest.raises(ConfigError) as info:
        load_config("production")
    return str(info.value).splitlines()[1:]


def test_the_doctor_reports_what_production_refuses_in_the_same_words(app, cronofy, monkeypatch):
    broken = {
        "SECRET_KEY": "change-me",
        "CRONOFY_REDIRECT_URI": "http://calendar.example.com/auth/cronofy/callback",
        "TASK_QUEUE_URL": "memory://",
        "RATELIMIT_STORAGE_URI": None,
    }
    refused = _refused(monkeypatch, **broken)
    status, output = doctor(app, cronofy, PRODUCTION=True, **broken)
    assert status == 1
    found = lines(output)
    reported = [
        f"{line.removeprefix('FAIL  ')}. {found[i + 1].removeprefix('      fix: ')}"
        for i, line in enumerate(found)
        if line.startswith("FAIL  ")
    ]
    assert reported == refused
    assert [line.split(":")[0] for line in refused] == [
        "SECRET_KEY",
        "CRONOFY_REDIRECT_URI",
        "TASK_QUEUE_URL",
        "RATELIMIT_STORAGE_URI",
    ]


def test_production_only_rules_are_not_the_doctors_business_elsewhere(app, cronofy):
    """Outside production a memory:// queue and a computed redirect URI are fine."""
    status, output = doctor(app, cronofy, TASK_QUEUE_URL="memory://", RATELIMIT_STORAGE_URI=None)
    assert status == 0, output


def test_a_new_rule_is_written_once(app, cronofy, monkeypatch):
    import production_checks
    from production_checks import Problem

    def no_tuesdays(settings, production):
        if production:
            yield Problem("WEEKDAY", "a Tuesday", "Wait a day.")

    monkeypatch.setattr(production_checks, "RULES", (*production_checks.RULES, no_tuesdays))
    assert _refused(monkeypatch) == ["WEEKDAY: a Tuesday. Wait a day."]
    status, output = doctor(
        app,
        cronofy,
        PRODUCTION=True,
        CRONOFY_REDIRECT_URI="https://calendar.example.com/auth/cronofy/callback",
        RATELIMIT_STORAGE_URI="memory://",
        TASK_QUEUE_URL="redis://127.0.0.1:6399/1",  # a production queue; not asked here
        TASK_QUEUE_IMMEDIATE=True,
    )
    assert status == 1
    assert [line for line in lines(output) if line.startswith("FAIL")] == [
        "FAIL  WEEKDAY: a Tuesday"
    ]


def test_the_fixes_name_the_apps_callback_route(app):
    from flask import url_for

    import production_checks

    with app.test_request_context():
        assert url_for("cronofy.callback") == production_checks.CALLBACK_PATH
