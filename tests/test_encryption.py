"""Tokens are encrypted at rest, and the keys can be rotated without losing a connection."""

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import CronofyConnection
from config import ConfigError
from tests.helpers import CALENDARS_URL, connect

OLD_KEY = "vWQ6IF0-kqsWbQjbx8yeVWbgrzRCN3Ks3h2JK-LNPzQ="  # TestingConfig's key
NEW_KEY = Fernet.generate_key().decode()


def raw_tokens(app) -> tuple[str, str]:
    """The stored values exactly as the database holds them."""
    with app.app_context():
        return tuple(
            db.session.execute(
                text("SELECT access_token, refresh_token FROM cronofy_connections")
            ).one()
        )


def app_with_keys(app, keys: list[str]):
    return create_app("testing", {**app.config, "TOKEN_ENCRYPTION_KEYS": keys})


def test_tokens_are_not_stored_in_plaintext(app, user_client, cronofy):
    connect(user_client, cronofy, access_token="access-plain", refresh_token="refresh-plain")
    access, refresh = raw_tokens(app)
    for stored, plain in ((access, "access-plain"), (refresh, "refresh-plain")):
        assert plain not in stored
        assert Fernet(OLD_KEY).decrypt(stored.encode()).decode() == plain
    with app.app_context():
        row = db.session.scalars(db.select(CronofyConnection)).one()
        assert (row.access_token, row.refresh_token) == ("access-plain", "refresh-plain")
        assert "plain" not in repr(row)


def test_key_rotation(app, user_client, cronofy, runner):
    connect(user_client, cronofy)
    before = raw_tokens(app)

    rotated = app_with_keys(app, [NEW_KEY, OLD_KEY])
    result = rotated.test_cli_runner().invoke(args=["tokens", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 connection(s) under the newest key." in result.output
    after = raw_tokens(app)
    assert after != before
    assert Fernet(NEW_KEY).decrypt(after[1].encode()) == b"refresh-1"

    # The old key can now be removed: everything still decrypts and works.
    new_only = app_with_keys(app, [NEW_KEY])
    with new_only.app_context():
        row = db.session.scalars(db.select(CronofyConnection)).one()
        assert (row.access_token, row.refresh_token) == ("access-1", "refresh-1")
    client = new_only.test_client()
    client.set_cookie("session", user_client.get_cookie("session").value)
    cronofy.get(CALENDARS_URL, json={"calendars": []})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Connected" in page
    assert "cannot use this connection" not in page
    dispose(rotated, new_only)


def dispose(*apps) -> None:
    """Close the extra apps' database connections (the `app` fixture closes its own)."""
    for extra in apps:
        with extra.app_context():
            db.engine.dispose()


def test_reencrypt_reports_rows_no_key_can_read(app, user_client, cronofy):
    connect(user_client, cronofy)
    stranger = app_with_keys(app, [NEW_KEY])
    result = stranger.test_cli_runner().invoke(args=["tokens", "reencrypt"])
    assert result.exit_code == 1
    assert "1 could not be decrypted with any configured key" in result.output
    dispose(stranger)


def test_a_missing_key_degrades_to_reconnect_not_a_crash(app, user_client, cronofy, caplog):
    connect(user_client, cronofy)
    stranger = app_with_keys(app, [NEW_KEY])
    client = stranger.test_client()
    client.set_cookie("session", user_client.get_cookie("session").value)
    with caplog.at_level(logging.ERROR):
        response = client.get("/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "cannot use this connection" in page
    assert "Reconnect" in page
    assert "cannot be decrypted with TOKEN_ENCRYPTION_KEYS" in caplog.text
    dispose(stranger)


def test_generate_key_prints_a_fernet_key(runner):
    result = runner.invoke(args=["tokens", "generate-key"])
    assert result.exit_code == 0
    Fernet(result.output.strip())  # raises if malformed


def test_a_malformed_key_stops_start_up():
    with pytest.raises(ConfigError, match="malformed key"):
        create_app("testing", {"TOKEN_ENCRYPTION_KEYS": ["not-a-key"]})


def test_no_keys_stops_start_up():
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEYS is empty"):
        create_app("testing", {"TOKEN_ENCRYPTION_KEYS": []})
