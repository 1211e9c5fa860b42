"""Configuration: data centers, the sandbox default, and refusing unsafe production setups."""

import pytest
from limits import parse_many

from app import create_app
from config import Config, ConfigError, ProductionConfig, cronofy_hosts, load_config
from tests.conftest import CONFIG_SETTINGS
from tests.live import ROOT


@pytest.mark.parametrize(
    ("dc", "app_url", "api_url"),
    [
        (None, "https://app.cronofy.com", "https://api.cronofy.com"),
        ("us", "https://app.cronofy.com", "https://api.cronofy.com"),
        ("uk", "https://app-uk.cronofy.com", "https://api-uk.cronofy.com"),
        ("de", "https://app-de.cronofy.com", "https://api-de.cronofy.com"),
        ("au", "https://app-au.cronofy.com", "https://api-au.cronofy.com"),
        ("ca", "https://app-ca.cronofy.com", "https://api-ca.cronofy.com"),
        ("SG", "https://app-sg.cronofy.com", "https://api-sg.cronofy.com"),
    ],
)
def test_data_center_hosts(dc, app_url, api_url):
    assert cronofy_hosts(dc) == (app_url, api_url)


def test_an_unknown_data_center_stops_start_up(clean_env):
    clean_env.setenv("CRONOFY_DATA_CENTER", "eu")
    clean_env.setenv("CRONOFY_CLIENT_ID", "id")
    with pytest.raises(ConfigError, match="CRONOFY_DATA_CENTER='eu' is not a Cronofy data center"):
        load_config("development")


def test_data_center_and_overrides_from_the_environment(clean_env):
    clean_env.setenv("CRONOFY_CLIENT_ID", "id")
    clean_env.setenv("CRONOFY_CLIENT_SECRET", "secret")
    clean_env.setenv("CRONOFY_DATA_CENTER", "de")
    config = load_config("development")
    assert (config.CRONOFY_APP_URL, config.CRONOFY_API_URL) == (
        "https://app-de.cronofy.com",
        "https://api-de.cronofy.com",
    )
    assert config.CRONOFY_USES_SANDBOX is False
    clean_env.setenv("CRONOFY_API_URL", "http://127.0.0.1:9999/")
    assert load_config("development").CRONOFY_API_URL == "http://127.0.0.1:9999"


def test_development_without_credentials_uses_the_sandbox(clean_env, tmp_path):
    config = load_config("development")
    assert config.CRONOFY_USES_SANDBOX is True
    assert (config.CRONOFY_APP_URL, config.CRONOFY_API_URL) == (
        "http://127.0.0.1:5001",
        "http://127.0.0.1:5002",
    )
    assert config.CRONOFY_SCOPE == (
        "read_account list_calendars read_events create_event delete_event"
    )
    # A random secret key is generated into instance/ once and then reused.
    assert len(config.SECRET_KEY) >= 48
    assert (tmp_path / "secret_key").read_text() == config.SECRET_KEY
    assert load_config("development").SECRET_KEY == config.SECRET_KEY
    # Likewise a token encryption key, separate from the secret key.
    [token_key] = config.TOKEN_ENCRYPTION_KEYS
    assert (tmp_path / "token_key").read_text() == token_key != config.SECRET_KEY
    keys_after_restart = load_config("development").TOKEN_ENCRYPTION_KEYS
    assert keys_after_restart == [token_key]
    assert config.SQLALCHEMY_DATABASE_URI.endswith("app.db")


def test_the_sandbox_follows_the_port(clean_env):
    clean_env.setenv("PORT", "5050")
    config = load_config("development")
    assert config.PORT == 5050
    assert (config.CRONOFY_APP_URL, config.CRONOFY_API_URL) == (
        "http://127.0.0.1:5051",
        "http://127.0.0.1:5052",
    )


@pytest.mark.parametrize("value", ["http", "0", "-5", "65534", "5000.5"])
def test_a_port_that_is_not_a_port_stops_start_up_naming_the_setting(clean_env, value):
    clean_env.setenv("PORT", value)
    with pytest.raises(ConfigError, match=f"^PORT='{value}' is not a port for the app; use"):
        load_config("development")


def test_production_refuses_to_start_without_secrets(clean_env):
    with pytest.raises(ConfigError) as info:
        load_config("production")
    lines = str(info.value).splitlines()
    assert lines[0] == "Production cannot start:"
    # Every missing setting at once, each with the way to make or find it.
    assert lines[1:4] == [
        "SECRET_KEY: not set. Set SECRET_KEY to "
        '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.',
        "TOKEN_ENCRYPTION_KEYS: not set. Make a key with `python -c "
        '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"` '
        "and put it first in TOKEN_ENCRYPTION_KEYS.",
        "Cronofy credentials: CRONOFY_CLIENT_ID, CRONOFY_CLIENT_SECRET not set. Copy the "
        "client id and secret from your application in Cronofy's developer dashboard.",
    ]
    assert [line.split(":")[0] for line in lines[4:]] == [
        "CRONOFY_REDIRECT_URI",
        "TASK_QUEUE_URL",
        "RATELIMIT_STORAGE_URI",
    ]
    with pytest.raises(ConfigError):
        create_app("production")


def test_production_is_the_default(clean_env):
    clean_env.setenv("SECRET_KEY", "kV3p-9qLx_T2mZr8Wd4Yh7Bn1Cs6Fg0J")
    clean_env.setenv("TOKEN_ENCRYPTION_KEYS", "k1, k2")
    clean_env.setenv("CRONOFY_CLIENT_ID", "id")
    clean_env.setenv("CRONOFY_CLIENT_SECRET", "secret")
    clean_env.setenv("CRONOFY_REDIRECT_URI", "https://calendar.example.com/auth/cronofy/callback")
    clean_env.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    clean_env.setenv("TASK_QUEUE_URL", "redis://127.0.0.1:6379/1")
    config = load_config()
    assert type(config).__name__ == "ProductionConfig"
    assert config.TOKEN_ENCRYPTION_KEYS == ["k1", "k2"]
    assert config.SESSION_COOKIE_SECURE is True


def test_an_unknown_config_name_is_refused(clean_env):
    with pytest.raises(ConfigError, match="APP_CONFIG='staging' is unknown"):
        load_config("staging")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url(clean_env, url, expected):
    clean_env.setenv("DATABASE_URL", url)
    assert expected == load_config("development").SQLALCHEMY_DATABASE_URI


def test_the_session_cookie_survives_the_return_from_cronofy():
    from config import Config

    # Strict would drop the cookie on the cross-site redirect back from Cronofy.
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.SESSION_COOKIE_HTTPONLY is True


WHOLE_NUMBERS = (
    "CRONOFY_SYNC_MAX_AGE",
    "CRONOFY_SYNC_LEASE",
    "CRONOFY_SYNC_FULL_EVERY",
    "CRONOFY_SYNC_AGAIN_AFTER",
    "WORKER_THREADS",
)


@pytest.mark.parametrize("name", WHOLE_NUMBERS)
def test_whole_number_settings_come_from_the_environment(clean_env, name):
    clean_env.setenv(name, "7")
    assert getattr(load_config("development"), name) == 7


@pytest.mark.parametrize("name", WHOLE_NUMBERS)
@pytest.mark.parametrize("value", ["0", "-1", "1.5", "soon"])
def test_a_whole_number_setting_that_is_not_one_stops_start_up(clean_env, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name}='{value}' is not a whole number of at least"):
        load_config("development")


@pytest.mark.parametrize("setting", ["RATELIMIT_LOGIN", "RATELIMIT_REGISTER", "RATELIMIT_CONNECT"])
def test_development_limits_are_ten_times_looser_than_productions(clean_env, setting):
    """Exploring `make run` (a sixth registration in a minute, say) is no lockout."""
    production = parse_many(getattr(ProductionConfig, setting))
    development = parse_many(getattr(load_config("development"), setting))
    assert [(d.amount, d.GRANULARITY) for d in development] == [
        (p.amount * 10, p.GRANULARITY) for p in production
    ]
    assert getattr(ProductionConfig, setting) == getattr(Config, setting)


def test_env_example_lists_every_setting():
    text = (ROOT / ".env.example").read_text()
    for name in CONFIG_SETTINGS:
        assert f"{name}=" in text, name
