"""Configuration classes, read from the environment (and `.env` in development).

Pick one with the `APP_CONFIG` variable: `development`, `testing` or `production`
(the default, so a deployment that forgets to choose gets the strict one).
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

DEFAULT_SCOPE = "read_account list_calendars read_events create_event delete_event"

# Every Cronofy application lives in one data center; each has an app host (the browser's
# authorization page) and an API host (tokens and /v1). See shared/cronofy-api.md.
DATA_CENTERS = ("us", "uk", "de", "au", "ca", "sg")

# The bundled sandbox (`python -m sandbox`) answers on these when no credentials are set.
SANDBOX_APP_URL = "http://127.0.0.1:5001"
SANDBOX_API_URL = "http://127.0.0.1:5002"
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's public demo credential


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


def _key_list(value: str | None) -> list[str]:
    """Split a comma- or space-separated list of keys."""
    return [key for key in (value or "").replace(",", " ").split() if key]


class Config:
    """Settings shared by every environment."""

    SECRET_KEY: str | None = None
    # Fernet keys for the tokens stored in the database, newest first: the first encrypts,
    # any of them decrypts. Deliberately separate from SECRET_KEY. See "Rotating keys".
    TOKEN_ENCRYPTION_KEYS: ClassVar[list[str]] = []
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'app.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar = {"pool_pre_ping": True}

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
    # at once (a dashboard's calendars, profiles and events are fetched together).
    CRONOFY_HTTP_POOL = True
    CRONOFY_HTTP_POOL_SIZE = 32
    CRONOFY_PARALLEL_CALLS = 16

    # scrypt at OWASP's recommended cost (N=2^17, r=8, p=1): ~128 MiB and a few hundred ms.
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"  # noqa: S105 - a method, not a secret

    SESSION_COOKIE_HTTPONLY = True
    # Lax, not Strict: the return from Cronofy is a cross-site top-level navigation and
    # must carry the session (it holds the OAuth state).
    SESSION_COOKIE_SAMESITE = "Lax"

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY")
        self.TOKEN_ENCRYPTION_KEYS = _key_list(_env("TOKEN_ENCRYPTION_KEYS"))
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL") or self.SQLALCHEMY_DATABASE_URI
        self.CRONOFY_CLIENT_ID = _env("CRONOFY_CLIENT_ID")
        self.CRONOFY_CLIENT_SECRET = _env("CRONOFY_CLIENT_SECRET")
        self.CRONOFY_DATA_CENTER = _env("CRONOFY_DATA_CENTER") or self.CRONOFY_DATA_CENTER
        self.CRONOFY_REDIRECT_URI = _env("CRONOFY_REDIRECT_URI")
        self.CRONOFY_SCOPE = _env("CRONOFY_SCOPE") or self.CRONOFY_SCOPE
        # The benchmark's baseline turns pooling and parallel calls off; nothing else should.
        if (_env("CRONOFY_HTTP_POOL") or "true").lower() in ("0", "false", "no"):
            self.CRONOFY_HTTP_POOL = False
            self.CRONOFY_PARALLEL_CALLS = 1
        app_url, api_url = cronofy_hosts(self.CRONOFY_DATA_CENTER)
        self.CRONOFY_APP_URL = (_env("CRONOFY_APP_URL") or app_url).rstrip("/")
        self.CRONOFY_API_URL = (_env("CRONOFY_API_URL") or api_url).rstrip("/")
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(self.SQLALCHEMY_DATABASE_URI)


class DevelopmentConfig(Config):
    """Local development: the bundled sandbox unless Cronofy credentials are set."""

    def __init__(self) -> None:
        _load_dotenv()
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or _instance_secret(
            "secret_key", lambda: secrets.token_urlsafe(48)
        )
        self.TOKEN_ENCRYPTION_KEYS = self.TOKEN_ENCRYPTION_KEYS or [
            _instance_secret("token_key", lambda: Fernet.generate_key().decode())
        ]
        if not self.CRONOFY_CLIENT_ID:
            self.CRONOFY_USES_SANDBOX = True
            self.CRONOFY_CLIENT_ID = SANDBOX_CLIENT_ID
            self.CRONOFY_CLIENT_SECRET = SANDBOX_CLIENT_SECRET
            self.CRONOFY_APP_URL = (_env("CRONOFY_APP_URL") or SANDBOX_APP_URL).rstrip("/")
            self.CRONOFY_API_URL = (_env("CRONOFY_API_URL") or SANDBOX_API_URL).rstrip("/")


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
    TOKEN_ENCRYPTION_KEYS: ClassVar[list[str]] = [
        "vWQ6IF0-kqsWbQjbx8yeVWbgrzRCN3Ks3h2JK-LNPzQ="  # used only by the test suite
    ]
    # Cheap hashes keep the suite fast; test_passwords pins the production cost.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105

    def __init__(self) -> None:
        """Ignore the developer's environment so tests behave the same everywhere."""


class ProductionConfig(Config):
    """Production: every secret must come from the environment."""

    SESSION_COOKIE_SECURE = True

    def __init__(self) -> None:
        super().__init__()
        missing = [
            name
            for name in (
                "SECRET_KEY",
                "TOKEN_ENCRYPTION_KEYS",
                "CRONOFY_CLIENT_ID",
                "CRONOFY_CLIENT_SECRET",
            )
            if not getattr(self, name)
        ]
        if missing:
            raise ConfigError(
                f"Production needs {', '.join(missing)} in the environment "
                "(see .env.example). Generate a secret key with "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"` '
                "and a token encryption key with `python -c "
                '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
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
