"""Configuration classes, read from the environment (and `.env` in development).

Pick one with the `APP_CONFIG` variable: `development`, `testing` or `production`
(the default, so a deployment that forgets to choose gets the strict one). What production
refuses is in production_checks.py; the sandbox's defaults are in sandbox/defaults.py.
The file is long because every setting is declared once, in `Config`, with the reason for
its value beside it, and read from the environment in the same place.
"""

import os
import secrets
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from cryptography.fernet import Fernet

from production_checks import production_problems

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

DEFAULT_SCOPE = "read_account list_calendars read_events create_event delete_event"

# Every Cronofy application lives in one data center; each has an app host (the browser's
# authorization page) and an API host (tokens and /v1). See docs/cronofy.md.
DATA_CENTERS = ("us", "uk", "de", "au", "ca", "sg")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says how to fix it."""


def cronofy_hosts(data_center: str | None) -> tuple[str, str]:
    """Return the (app host, API host) base URLs of a Cronofy data center."""
    dc = (data_center or "us").strip().lower()
    if dc not in DATA_CENTERS:
        raise ConfigError(
            f"CRONOFY_DATA_CENTER={data_center!r} is not a Cronofy data center; "
            f"use one of: {', '.join(DATA_CENTERS)}."
        )
    if dc == "us":
        return "https://app.cronofy.com", "https://api.cronofy.com"
    return f"https://app-{dc}.cronofy.com", f"https://api-{dc}.cronofy.com"


def _env(name: str) -> str | None:
    """Read a variable, treating an empty value as unset."""
    value = os.environ.get(name, "").strip()
    return value or None


def _instance_secret(filename: str, generate: Callable[[], str]) -> str:
    """Return a random secret kept in instance/, creating it on first use.

    Development gets real random keys without anyone committing one to the repository.
    """
    path = INSTANCE_DIR / filename
    if not path.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


def local_port(value: str | None, default: int) -> int:
    """The port `make run` serves on (PORT, else `default`): the sandbox takes the two after it."""
    try:
        port = int(value or default)
    except ValueError:
        port = 0
    if not 1 <= port <= 65533:
        raise ConfigError(
            f"PORT={value!r} is not a port for the app; use a number such as 5050 "
            "(the sandbox then takes 5051 and 5052)."
        )
    return port


def _proxy_count(value: str | None) -> int:
    """How many reverse proxies stand in front of the app (0: trust no X-Forwarded-*)."""
    try:
        count = int(value or "0")
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError(
            f"PROXY_COUNT={value!r} is not a number of proxies; use 0 (no proxy), 1, 2, ..."
        )
    return count


def _whole_number(name: str, default: int) -> int:
    """A setting that is a whole number of at least 1 (seconds, threads)."""
    value = _env(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}={value!r} is not a whole number of at least 1.")
    return int(value)


def _key_list(value: str | None) -> list[str]:
    """Split a comma- or space-separated list of keys."""
    return [key for key in (value or "").replace(",", " ").split() if key]


class Config:
    """Settings shared by every environment."""

    SECRET_KEY: str | None = None
    # Fernet keys for the tokens stored in the database, newest first: the first encrypts,
    # any of them decrypts. Deliberately separate from SECRET_KEY. Rotating them: docs/tokens.md.
    # Set per instance in __init__, so no list is shared through the class.
    TOKEN_ENCRYPTION_KEYS: list[str]
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'app.db'}"
    # Test each pooled connection with a round trip before use. After a server restart, a
    # failover or pg_terminate_backend, the first view would otherwise answer 500 (/healthz
    # 503) on a dead connection: tests/test_database_drops.py measures both.
    # hide_parameters: a database error's text (which reaches the log) never carries the
    # values of its statement: emails, encrypted tokens, calendar data.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar = {"pool_pre_ping": True, "hide_parameters": True}

    CRONOFY_CLIENT_ID: str | None = None
    CRONOFY_CLIENT_SECRET: str | None = None
    CRONOFY_DATA_CENTER = "us"
    CRONOFY_APP_URL: str | None = None
    CRONOFY_API_URL: str | None = None
    CRONOFY_REDIRECT_URI: str | None = None
    CRONOFY_SCOPE = DEFAULT_SCOPE
    CRONOFY_USES_SANDBOX = False
    # (connect, read) seconds for every call to Cronofy: a slow upstream must not pin workers.
    CRONOFY_TIMEOUT = (3.05, 10.0)
    # Refresh an access token this many seconds before Cronofy says it expires.
    CRONOFY_REFRESH_LEEWAY = 60
    # Longest wait, in seconds, for another request's refresh of the same connection.
    CRONOFY_REFRESH_LOCK_TIMEOUT = 5
    # Keep-alive connections to Cronofy per process, and how many calls one process makes
    # at once (a sync's calendars, profiles and events are fetched together).
    CRONOFY_HTTP_POOL_SIZE = 32
    CRONOFY_PARALLEL_CALLS = 16

    # scrypt at OWASP's recommended cost (N=2^17, r=8, p=1): ~128 MiB and a few hundred ms.
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"  # noqa: S105 - a method, not a secret

    SESSION_COOKIE_HTTPONLY = True
    # Lax, not Strict: the return from Cronofy is a cross-site top-level navigation and
    # must carry the session (it holds the OAuth state).
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_PATH = "/"
    # Flask refuses a session cookie signed longer ago than this, permanent or not.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_PATH = "/"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    # Every form is small; a larger body is refused with 413 before it is parsed.
    MAX_CONTENT_LENGTH = 64 * 1024
    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
    PROXY_COUNT = 0
    PRODUCTION = False
    # Strict-Transport-Security: production only (a local http:// app must stay reachable).
    HSTS_SECONDS = 0

    # Flask-Limiter: attempts per client address on the forms that invite guessing.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = "memory://"  # one process; production needs a shared store
    RATELIMIT_KEY_PREFIX = "calendar-connect"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429
    # A Redis that has not connected or answered within this many seconds is unreachable:
    # the attempt is counted in this process's memory instead (app/security/limits.py).
    RATELIMIT_STORAGE_TIMEOUT = 1.0
    # While the store is unreachable, one request tries it again at most this often.
    RATELIMIT_STORAGE_RETRY_SECONDS = 10.0
    # Flask-Limiter's own fallback stays off: it falls back on every exception, real errors
    # included, and fails the requests already waiting on the store when it switches.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = False
    RATELIMIT_LOGIN = "10 per minute; 100 per hour"
    RATELIMIT_REGISTER = "5 per minute; 50 per hour"
    RATELIMIT_CONNECT = "10 per minute; 100 per hour"

    # Background work (app/sync/): the task queue whose workers keep the local copy fresh.
    # redis://host:6379/1 in production; sqlite:///path for one machine (what `make run`
    # uses, with a consumer inside the process); memory:// with TASK_QUEUE_IMMEDIATE for unit
    # tests, where a task runs at once in the process that asks for it.
    TASK_QUEUE_URL: str | None = f"sqlite:///{INSTANCE_DIR / 'tasks.db'}"
    TASK_QUEUE_IMMEDIATE = False
    # Names the queue inside its store, so several deployments (or test runs) can share one.
    TASK_QUEUE_NAME = "calendar-connect"
    WORKER_THREADS = 4
    # The local copy of each connection. Older than MAX_AGE seconds, a page still shows it
    # and asks for a refresh; every connection is read in full once per FULL_EVERY seconds.
    CRONOFY_SYNC_MAX_AGE = 300
    CRONOFY_SYNC_FULL_EVERY = 86_400
    # Seconds before one more sync of a connection that was nudged while its sync ran.
    CRONOFY_SYNC_AGAIN_AFTER = 1
    # How long one sync may hold a connection before another may take it over (a crashed
    # worker's lease runs out; the sweep then finishes its job).
    CRONOFY_SYNC_LEASE = 120
    # The events copied: wide enough for the agenda in any time zone, and the weeks after it.
    CRONOFY_SYNC_DAYS_BACK = 1
    CRONOFY_SYNC_DAYS_AHEAD = 60
    CRONOFY_SYNC_MAX_PAGES = 50
    # One budget for every call to Cronofy from every process, just under Cronofy's 50 a
    # second and 500 a minute per application. Background syncs leave RESERVE of it to the
    # calls a person is waiting for. Counted where RATELIMIT_STORAGE_URI counts, unless set.
    CRONOFY_BUDGET = "45 per second; 450 per minute"
    CRONOFY_BUDGET_STORAGE_URI: str | None = None
    CRONOFY_BUDGET_RESERVE = 0.2
    # Longest waits for budget, in seconds: a person's request, and a background sync.
    CRONOFY_BUDGET_WAIT = 2.0
    CRONOFY_BUDGET_BACKGROUND_WAIT = 5.0
    # Push notifications (app/sync/channels.py, app/cronofy/push.py). Cronofy POSTs to
    # <CRONOFY_NOTIFICATION_URL>/cronofy/notifications/<token>: this app's public base URL,
    # taken from CRONOFY_REDIRECT_URI when unset. A previous client secret still verifies
    # notifications while the secret is being rotated.
    CRONOFY_NOTIFICATION_URL: str | None = None
    CRONOFY_PREVIOUS_CLIENT_SECRET: str | None = None

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY")
        self.TOKEN_ENCRYPTION_KEYS = _key_list(_env("TOKEN_ENCRYPTION_KEYS"))
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL") or self.SQLALCHEMY_DATABASE_URI
        self.CRONOFY_CLIENT_ID = _env("CRONOFY_CLIENT_ID")
        self.CRONOFY_CLIENT_SECRET = _env("CRONOFY_CLIENT_SECRET")
        self.CRONOFY_DATA_CENTER = _env("CRONOFY_DATA_CENTER") or self.CRONOFY_DATA_CENTER
        self.CRONOFY_REDIRECT_URI = _env("CRONOFY_REDIRECT_URI")
        self.CRONOFY_SCOPE = _env("CRONOFY_SCOPE") or self.CRONOFY_SCOPE
        self.PROXY_COUNT = _proxy_count(_env("PROXY_COUNT"))
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI") or self.RATELIMIT_STORAGE_URI
        self.TASK_QUEUE_URL = _env("TASK_QUEUE_URL") or self.TASK_QUEUE_URL
        self.TASK_QUEUE_NAME = _env("TASK_QUEUE_NAME") or self.TASK_QUEUE_NAME
        self.WORKER_THREADS = _whole_number("WORKER_THREADS", self.WORKER_THREADS)
        for name in (
            "CRONOFY_SYNC_MAX_AGE",
            "CRONOFY_SYNC_LEASE",
            "CRONOFY_SYNC_FULL_EVERY",
            "CRONOFY_SYNC_AGAIN_AFTER",
        ):
            setattr(self, name, _whole_number(name, getattr(self, name)))
        self.CRONOFY_BUDGET = _env("CRONOFY_BUDGET") or self.CRONOFY_BUDGET
        self.CRONOFY_BUDGET_STORAGE_URI = _env("CRONOFY_BUDGET_STORAGE_URI")
        self.CRONOFY_NOTIFICATION_URL = _env("CRONOFY_NOTIFICATION_URL")
        self.CRONOFY_PREVIOUS_CLIENT_SECRET = _env("CRONOFY_PREVIOUS_CLIENT_SECRET")
        app_url, api_url = cronofy_hosts(self.CRONOFY_DATA_CENTER)
        self.CRONOFY_APP_URL = (_env("CRONOFY_APP_URL") or app_url).rstrip("/")
        self.CRONOFY_API_URL = (_env("CRONOFY_API_URL") or api_url).rstrip("/")
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(self.SQLALCHEMY_DATABASE_URI)


class DevelopmentConfig(Config):
    """Local development: the bundled sandbox unless Cronofy credentials are set.

    `make run` serves the app on PORT and, in sandbox mode, the sandbox on the next two
    ports: its authorization page on PORT+1, its API on PORT+2. The default port, the
    sandbox's ports and its credentials are the sandbox's published defaults
    (sandbox/defaults.py, which says why they live there).
    """

    PORT: int
    # Trying the app means registering, logging in and connecting again and again: the
    # same limits as production, ten times looser, so exploring is no lockout.
    RATELIMIT_LOGIN = "100 per minute; 1000 per hour"
    RATELIMIT_REGISTER = "50 per minute; 500 per hour"
    RATELIMIT_CONNECT = "100 per minute; 1000 per hour"

    def __init__(self) -> None:
        # Imported here, not at the top: only development runs beside the sandbox, so a
        # production or test configuration never loads the sandbox package.
        from sandbox import defaults as sandbox

        _load_dotenv()
        super().__init__()
        self.PORT = local_port(_env("PORT"), sandbox.CLIENT_PORT)
        self.SECRET_KEY = self.SECRET_KEY or _instance_secret(
            "secret_key", lambda: secrets.token_urlsafe(48)
        )
        self.TOKEN_ENCRYPTION_KEYS = self.TOKEN_ENCRYPTION_KEYS or [
            _instance_secret("token_key", lambda: Fernet.generate_key().decode())
        ]
        if not self.CRONOFY_CLIENT_ID:
            self.CRONOFY_USES_SANDBOX = True
            self.CRONOFY_CLIENT_ID = sandbox.CLIENT_ID
            self.CRONOFY_CLIENT_SECRET = sandbox.CLIENT_SECRET
            app_url, api_url = sandbox.urls_beside(self.PORT)
            self.CRONOFY_APP_URL = (_env("CRONOFY_APP_URL") or app_url).rstrip("/")
            self.CRONOFY_API_URL = (_env("CRONOFY_API_URL") or api_url).rstrip("/")
            # The sandbox runs beside the app: it reaches the app where `make run` serves it.
            self.CRONOFY_NOTIFICATION_URL = (
                self.CRONOFY_NOTIFICATION_URL or f"http://{sandbox.HOST}:{self.PORT}"
            )


class TestingConfig(Config):
    """The test suite: tests set the database and Cronofy URLs they need."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - used only by the test suite
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    CRONOFY_CLIENT_ID = "test-client"
    CRONOFY_CLIENT_SECRET = "test-secret"  # noqa: S105
    CRONOFY_APP_URL = "https://app.cronofy.test"
    CRONOFY_API_URL = "https://api.cronofy.test"
    CRONOFY_DATA_CENTER = "us"
    CRONOFY_REDIRECT_URI = None
    CRONOFY_SCOPE = DEFAULT_SCOPE
    # Cheap hashes keep the suite fast; test_passwords pins the production cost.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105
    # Background tasks wait in memory until a test runs them (the `jobs` fixture), or
    # run at once where they are asked with TASK_QUEUE_IMMEDIATE.
    TASK_QUEUE_URL = "memory://"
    # Room for any test's calls; tests of the budget set their own.
    CRONOFY_BUDGET = "10000 per second"

    def __init__(self) -> None:
        """Ignore the developer's environment so tests behave the same everywhere."""
        self.TOKEN_ENCRYPTION_KEYS = [
            "vWQ6IF0-kqsWbQjbx8yeVWbgrzRCN3Ks3h2JK-LNPzQ="  # used only by the test suite
        ]


class ProductionConfig(Config):
    """Production: every secret must come from the environment."""

    # __Host- cookies are only accepted over HTTPS, for path /, without a Domain: no
    # subdomain or plain-http page can set or overwrite them.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "__Host-remember"
    HSTS_SECONDS = 63072000  # two years
    PRODUCTION = True

    def __init__(self) -> None:
        self.RATELIMIT_STORAGE_URI = None
        self.TASK_QUEUE_URL = None
        super().__init__()
        # Every rule at once, one line each (production_checks.py).
        refuse_production_problems(settings_of(self))


def settings_of(config: Config) -> dict[str, Any]:
    """A configuration's settings by name, as `app.config.from_object` reads them."""
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


def refuse_production_problems(settings: Mapping[str, Any]) -> None:
    """Stop start-up if production's settings break any rule: ProductionConfig calls this as
    it loads, and create_app again after its overrides."""
    problems = production_problems(settings)
    if problems:
        raise ConfigError(
            "Production cannot start:\n" + "\n".join(problem.line() for problem in problems)
        )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build the configuration named by `name` or by the APP_CONFIG variable."""
    name = (name or os.environ.get("APP_CONFIG") or "production").strip().lower()
    if name not in CONFIGS:
        raise ConfigError(f"APP_CONFIG={name!r} is unknown; use one of: {', '.join(CONFIGS)}.")
    return CONFIGS[name]()


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _load_dotenv() -> None:
    """Load `.env` beside this file; variables already set in the environment win."""
    from dotenv import load_dotenv

    load_dotenv(BASE_DIR / ".env", override=False)
