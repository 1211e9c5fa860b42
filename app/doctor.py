"""`flask doctor`: check a deployment's settings, database, stores, push and Cronofy hosts.

What is wrong with the settings comes from the rules production start-up applies
(production_checks.py), in the same words; the checks here add what needs the app or its
services. The file is one check per function in the order they are printed, so it reads as
the checklist it runs; that is why it is longer than most modules.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask import Flask, current_app, url_for
from flask.cli import with_appcontext
from limits.storage import MemoryStorage, RedisStorage
from sqlalchemy import text

import production_checks as rules
from app.extensions import db
from config import DATA_CENTERS

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
HOST_TIMEOUT = (3.05, 5.0)


@dataclass(frozen=True)
class Finding:
    """One check's outcome; `fix` says what to do when it failed."""

    ok: bool
    name: str
    detail: str
    fix: str = ""


def settings_problems(app: Flask) -> list[rules.Problem]:
    """The shared rules' problems with the app's settings: production's too, in production."""
    return rules.settings_problems(app.config, production=bool(app.config.get("PRODUCTION")))


def _failures(app: Flask, name: str) -> list[Finding]:
    """The shared rules' problems with `name`, as failed findings."""
    return [
        Finding(False, problem.name, problem.detail, problem.fix)
        for problem in settings_problems(app)
        if problem.name == name
    ]


def check_secret_key(app: Flask) -> Iterator[Finding]:
    yield from _failures(app, "SECRET_KEY") or [
        Finding(True, "SECRET_KEY", "set, long and random-looking")
    ]


def check_token_keys(app: Flask) -> Iterator[Finding]:
    failures = _failures(app, "TOKEN_ENCRYPTION_KEYS")
    keys = app.config.get("TOKEN_ENCRYPTION_KEYS") or []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            # Never print the key itself: say which one is wrong. (Start-up refuses a
            # malformed key in every environment: app/crypto.py.)
            detail = f"key {position} of {len(keys)} is not a valid Fernet key"
            failures.append(Finding(False, "TOKEN_ENCRYPTION_KEYS", detail, rules.TOKEN_KEY_FIX))
            break
    yield from failures or [
        Finding(True, "TOKEN_ENCRYPTION_KEYS", f"{len(keys)} valid Fernet key(s)")
    ]


def check_credentials(app: Flask) -> Iterator[Finding]:
    yield from _failures(app, "Cronofy credentials") or [
        Finding(True, "Cronofy credentials", "client id and secret set")
    ]


def check_data_center(app: Flask) -> Iterator[Finding]:
    """Start-up refuses an unknown one as the configuration loads (config.cronofy_hosts)."""
    data_center = str(app.config.get("CRONOFY_DATA_CENTER") or "").lower()
    if data_center in DATA_CENTERS:
        yield Finding(True, "CRONOFY_DATA_CENTER", data_center)
    else:
        yield Finding(
            False,
            "CRONOFY_DATA_CENTER",
            f"{data_center!r} is not a Cronofy data center",
            f"Use the one your Cronofy application lives in: {', '.join(DATA_CENTERS)}.",
        )


def check_redirect_uri(app: Flask) -> Iterator[Finding]:
    """The shared rules, then what needs the app: the URL is exactly its callback route."""
    name = "CRONOFY_REDIRECT_URI"
    failures = _failures(app, name)
    uri = app.config.get(name)
    if failures or not uri:
        yield from failures or [Finding(True, name, "computed from each request")]
        return
    with app.test_request_context():
        callback_path = url_for("cronofy.callback")
    parts = urlsplit(uri)
    if parts.query or parts.fragment:
        problem = f"{uri!r} has a query or fragment; Cronofy compares the URL exactly"
    elif parts.path != callback_path:
        problem = f"its path {parts.path!r} is not the callback route {callback_path!r}"
    else:
        yield Finding(True, name, uri)
        return
    yield Finding(False, name, problem, rules.REDIRECT_URI_FIX)


# The settings the checks above report; any other problem the rules find is reported after
# them, so a rule added to production_checks.py needs nothing here.
REPORTED = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "Cronofy credentials", "CRONOFY_REDIRECT_URI")


def check_other_settings(app: Flask) -> Iterator[Finding]:
    """In production: the task queue and rate-limit store settings, and any later rule."""
    for problem in settings_problems(app):
        if problem.name not in REPORTED:
            yield Finding(False, problem.name, problem.detail, problem.fix)


def check_database(app: Flask) -> Iterator[Finding]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:  # any failure to connect is the finding
        yield Finding(
            False,
            "database",
            f"not reachable ({type(exc).__name__})",
            "Check DATABASE_URL and that the database server is running and accepts this host.",
        )
        return
    yield Finding(True, "database", f"reachable ({db.engine.dialect.name})")
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    if current == heads:
        yield Finding(True, "migrations", f"at head ({', '.join(sorted(heads))})")
    else:
        found = ", ".join(sorted(current)) or "none"
        yield Finding(
            False,
            "migrations",
            f"database at {found}, code expects {', '.join(sorted(heads))}",
            "Run `flask --app wsgi db upgrade`.",
        )


def shown_storage_uri(uri: str) -> str:
    """The rate-limit store's URI without its user, password or query (which may hold one)."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def check_rate_limit_store(app: Flask) -> Iterator[Finding]:
    limiter = app.extensions.get("rate_limiter")
    if limiter is None or not limiter.enabled:
        yield Finding(True, "rate-limit store", "rate limits are switched off (RATELIMIT_ENABLED)")
        return
    uri = shown_storage_uri(str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://"))
    storage = limiter.storage
    if isinstance(storage, MemoryStorage):
        yield Finding(True, "rate-limit store", f"{uri} (each process counts on its own)")
        return
    try:
        if isinstance(storage, RedisStorage):
            storage.get_connection().ping()
        elif not storage.check():
            raise ConnectionError("no answer")
    except Exception as exc:  # any failure to answer is the finding
        yield Finding(
            False,
            "rate-limit store",
            f"{uri} not reachable ({type(exc).__name__}); until it is, each process "
            "counts attempts in its own memory",
            "Check RATELIMIT_STORAGE_URI (host, port, password) and that Redis is running "
            "and accepts connections from this host.",
        )
        return
    yield Finding(True, "rate-limit store", f"{uri} reachable")


def check_task_queue(app: Flask) -> Iterator[Finding]:
    """The queue the workers read: reachable, and how much waits in it."""
    from app.sync.queue import huey, safe_url

    if app.config.get("TASK_QUEUE_IMMEDIATE"):
        yield Finding(True, "task queue", "tasks run where they are asked (TASK_QUEUE_IMMEDIATE)")
        return
    url = safe_url(str(app.config.get("TASK_QUEUE_URL") or ""))
    try:
        waiting = huey.pending_count()
    except Exception as exc:  # any failure to answer is the finding
        yield Finding(
            False,
            "task queue",
            f"{url} not reachable ({type(exc).__name__}); pages still work, but copies are "
            "not refreshed until it is",
            "Check TASK_QUEUE_URL (host, port, password, or the file's folder) and that the "
            "store is running.",
        )
        return
    yield Finding(True, "task queue", f"{url} reachable, {waiting} task(s) waiting")


def check_push(app: Flask) -> Iterator[Finding]:
    """Where Cronofy's notifications go; without push, copies still refresh by their age."""
    from app.sync.channels import CALLBACK_PATH, push_setup

    setup = push_setup(app.config)
    if setup.enabled:
        yield Finding(True, "push notifications", f"to {setup.base_url}{CALLBACK_PATH}<token>")
    elif setup.misconfigured:
        yield Finding(
            False,
            "push notifications",
            str(setup.problem),
            "Set CRONOFY_NOTIFICATION_URL to this app's public https address, or leave it "
            "unset to refresh copies by their maximum age only.",
        )
    else:
        yield Finding(True, "push notifications", f"off: {setup.problem}")


def check_cronofy_hosts(app: Flask) -> Iterator[Finding]:
    for name, setting in (("app host", "CRONOFY_APP_URL"), ("API host", "CRONOFY_API_URL")):
        url = str(app.config.get(setting) or "")
        try:
            # Any HTTP answer, even an error status, proves the host is reachable.
            response = requests.get(f"{url}/", timeout=HOST_TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            yield Finding(
                False,
                f"Cronofy {name}",
                f"{url} did not answer ({type(exc).__name__})",
                f"Check {setting} (or CRONOFY_DATA_CENTER), DNS and outbound firewall rules.",
            )
        else:
            yield Finding(True, f"Cronofy {name}", f"{url} answered {response.status_code}")


CHECKS: list[Callable[[Flask], Iterator[Finding]]] = [
    check_secret_key,
    check_token_keys,
    check_credentials,
    check_data_center,
    check_redirect_uri,
    check_other_settings,
    check_database,
    check_rate_limit_store,
    check_task_queue,
    check_push,
    check_cronofy_hosts,
]


def run_checks(app: Flask) -> list[Finding]:
    """Every finding of every check, in order."""
    return [finding for check in CHECKS for finding in check(app)]


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check settings, database, stores, queue, push and Cronofy hosts; exit 1 on a problem."""
    # Flask types current_app as the app itself, not the proxy it is.
    findings = run_checks(current_app._get_current_object())  # type: ignore[attr-defined]
    for finding in findings:
        click.echo(f"{'ok  ' if finding.ok else 'FAIL'}  {finding.name}: {finding.detail}")
        if not finding.ok:
            click.echo(f"      fix: {finding.fix}")
    failed = sum(not finding.ok for finding in findings)
    click.echo(f"{failed} problem(s) found." if failed else "All checks passed.")
    if failed:
        raise SystemExit(1)
