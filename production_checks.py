"""What is wrong with a configuration for production: one list of rules, written once.

Three places act on it. `ProductionConfig` refuses to load with any of these problems and
`create_app` refuses to start a production app whose settings (after its overrides) have
one, both through `config.refuse_production_problems`; `flask doctor` reports each with its
fix (app/doctor.py). A new rule goes into RULES, and all three follow.

Some rules hold in every environment: a guessable SECRET_KEY, a missing key or credential,
a redirect URI that is no URL. `flask doctor` reports those wherever it runs; start-up
refuses them in production only (development generates its keys, the tests use known
ones). The others matter only where the app faces the internet from several processes
(https, a shared queue and rate-limit store) and are checked for production alone.

Plain Python over a mapping of settings (a configuration's attributes or `app.config`),
with neither Flask nor config.py, so config.py can use it before any app exists. What
needs the app or its services (the callback route, the database, Redis, Cronofy's hosts)
the doctor checks on its own.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# app/cronofy/routes.py's callback route, named in the fixes; tests/test_doctor.py pins it.
CALLBACK_PATH = "/auth/cronofy/callback"

# Commands that print a new key, for the fixes.
SESSION_KEY_COMMAND = '`python -c "import secrets; print(secrets.token_urlsafe(48))"`'
# Not `flask --app wsgi tokens generate-key`: that needs an app, which production will not
# start without a key.
FERNET_KEY_COMMAND = (
    '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
)
TOKEN_KEY_FIX = f"Make a key with {FERNET_KEY_COMMAND} and put it first in TOKEN_ENCRYPTION_KEYS."
REDIRECT_URI_FIX = (
    f"Set it to https://<your host>{CALLBACK_PATH} and register exactly that URL with Cronofy."
)

# Values copied from tutorials, examples and this project's own test suite: never a real secret.
KNOWN_SECRET_KEYS = frozenset(
    {"testing-secret-key", "secret", "secret-key", "dev", "development", "change-me", "changeme"}
)
MIN_SECRET_KEY_LENGTH = 32


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings, and how to put it right."""

    name: str  # the setting (or group of settings) it is about, as `flask doctor` names it
    detail: str  # what is wrong, read after the name
    fix: str  # what to do, one sentence

    def line(self) -> str:
        """The problem on one line, as start-up reports it."""
        return f"{self.name}: {self.detail}. {self.fix}"


# A rule reads the settings, and whether they are production's, and says what is wrong.
Rule = Callable[[Mapping[str, Any], bool], Iterator[Problem]]


def secret_key_problem(key: str | None) -> str | None:
    """Why `key` cannot sign production sessions, or None if it looks random enough."""
    if not key:
        return "not set"
    if key.strip().lower() in KNOWN_SECRET_KEYS:
        return "a well-known default"
    # Anyone who can guess the key can forge a session cookie and log in as any user.
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 8:
        return f"too weak (use {MIN_SECRET_KEY_LENGTH}+ random characters)"
    return None


def _secret_key(settings: Mapping[str, Any], production: bool) -> Iterator[Problem]:
    problem = secret_key_problem(settings.get("SECRET_KEY"))
    if problem:
        yield Problem("SECRET_KEY", problem, f"Set SECRET_KEY to {SESSION_KEY_COMMAND}.")


def _token_keys(settings: Mapping[str, Any], production: bool) -> Iterator[Problem]:
    # Without one, no stored token can be encrypted or read.
    if not settings.get("TOKEN_ENCRYPTION_KEYS"):
        yield Problem("TOKEN_ENCRYPTION_KEYS", "not set", TOKEN_KEY_FIX)


def _credentials(settings: Mapping[str, Any], production: bool) -> Iterator[Problem]:
    names = ("CRONOFY_CLIENT_ID", "CRONOFY_CLIENT_SECRET")
    missing = [name for name in names if not settings.get(name)]
    if missing:
        yield Problem(
            "Cronofy credentials",
            f"{', '.join(missing)} not set",
            "Copy the client id and secret from your application in Cronofy's developer "
            "dashboard.",
        )


def _redirect_uri(settings: Mapping[str, Any], production: bool) -> Iterator[Problem]:
    uri = settings.get("CRONOFY_REDIRECT_URI")
    if not uri:
        # Computed from each request behind a proxy, the URL is the top cause of
        # redirect_uri mismatches: production names it.
        if production:
            yield Problem("CRONOFY_REDIRECT_URI", "not set", REDIRECT_URI_FIX)
        return
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        yield Problem(
            "CRONOFY_REDIRECT_URI", f"{uri!r} is not an absolute http(s) URL", REDIRECT_URI_FIX
        )
    elif production and parts.scheme != "https":
        # Over plain http the authorization code travels in clear text.
        yield Problem(
            "CRONOFY_REDIRECT_URI",
            f"{uri!r} is not https: the authorization code would travel in clear text",
            REDIRECT_URI_FIX,
        )


def _task_queue(settings: Mapping[str, Any], production: bool) -> Iterator[Problem]:
    url = settings.get("TASK_QUEUE_URL")
    # In memory, a job enqueued by a web process would never reach a worker.
    if production and (not url or url == "memory://"):
        yield Problem(
            "TASK_QUEUE_URL",
            "memory://, which no other process can read" if url else "not set",
            "Use redis://<host>:6379/1 so the web processes and the workers "
            "(`flask --app wsgi worker`) share one queue.",
        )


def _rate_limit_store(settings: Mapping[str, Any], production: bool) -> Iterator[Problem]:
    # Counted in each process's memory, the login limits multiply by the number of processes.
    if production and not settings.get("RATELIMIT_STORAGE_URI"):
        yield Problem(
            "RATELIMIT_STORAGE_URI",
            "not set",
            "Use redis://<host>:6379/0 so every process shares the login limits "
            "(memory:// only if you run a single process).",
        )


# In the order start-up lists them and `flask doctor` checks them.
RULES: tuple[Rule, ...] = (
    _secret_key,
    _token_keys,
    _credentials,
    _redirect_uri,
    _task_queue,
    _rate_limit_store,
)


def settings_problems(settings: Mapping[str, Any], *, production: bool) -> list[Problem]:
    """Every problem the rules find in `settings`; production's own rules too if `production`."""
    return [problem for rule in RULES for problem in rule(settings, production)]


def production_problems(settings: Mapping[str, Any]) -> list[Problem]:
    """What makes `settings` unsafe to serve production, each with its fix."""
    return settings_problems(settings, production=True)
