"""Tokens and the local copy are encrypted at rest; keys rotate without losing a connection."""

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import CronofyConnection
from app.sync import tasks
from config import ConfigError
from tests.helpers import TESTING_KEY, connect, sync_copy
from tests.jobs import Jobs

OLD_KEY = TESTING_KEY
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


def raw_copy(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(text("SELECT data FROM snapshots ORDER BY id")).scalars())


def test_the_local_copy_is_encrypted_at_rest(app, user_client, cronofy):
    connect(user_client, cronofy)
    sync_copy(cronofy, {"calendars": [{"calendar_id": "cal_1", "calendar_name": "Secret Work"}]})
    stored = raw_copy(app)
    assert len(stored) == 3  # calendars, profiles, events
    assert all(row.startswith("gAAAAA") for row in stored)  # Fernet tokens
    assert not any("Secret Work" in row for row in stored)
    assert b"Secret Work" in Fernet(OLD_KEY).decrypt(stored[0].encode())


def test_key_rotation(app, user_client, cronofy, runner):
    connect(user_client, cronofy)
    sync_copy(cronofy, {"calendars": []})
    before = raw_tokens(app)
    copy_before = raw_copy(app)

    rotated = app_with_keys(app, [NEW_KEY, OLD_KEY])
    result = rotated.test_cli_runner().invoke(args=["tokens", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 connection(s) under the newest key." in result.output
    assert "Re-encrypted 3 part(s) of the calendars' local copy." in result.output
    after = raw_tokens(app)
    assert after != before
    assert Fernet(NEW_KEY).decrypt(after[1].encode()) == b"refresh-1"
    copy_after = raw_copy(app)
    assert [Fernet(NEW_KEY).decrypt(c.encode()) for c in copy_after] == [
        Fernet(OLD_KEY).decrypt(c.encode()) for c in copy_before
    ]

    # The old key can now be removed: everything still decrypts and works.
    new_only = app_with_keys(app, [NEW_KEY])
    with new_only.app_context():
        row = db.session.scalars(db.select(CronofyConnection)).one()
        assert (row.access_token, row.refresh_token) == ("access-1", "refresh-1")
    client = new_only.test_client()
    client.set_cookie("session", user_client.get_cookie("session").value)
    page = client.get("/dashboard").get_data(as_text=True)  # read from the copy
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
        with stranger.app_context():
            tasks.sweep.call_local()  # finds the connection still marked for its first sync
        Jobs().run()  # the sync cannot read the tokens
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


def add_created_event(app, title: str) -> None:
    """A record of an event created here, as the new-event form leaves it."""
    from datetime import UTC, datetime

    from app.models import ManagedEvent

    with app.app_context():
        connection = db.session.scalars(db.select(CronofyConnection)).one()
        db.session.add(
            ManagedEvent(
                user_id=connection.user_id,
                connection_id=connection.id,
                calendar_id="cal_work",
                event_id="cc-secret",
                summary=title,
                starts_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
            )
        )
        db.session.commit()


def raw_titles(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(text("SELECT summary FROM managed_events")).scalars())


def test_the_titles_of_events_created_here_are_encrypted(app, user_client, cronofy, runner):
    connect(user_client, cronofy)
    add_created_event(app, "Interview with Ada")
    [stored] = raw_titles(app)
    assert "Ada" not in stored
    assert Fernet(OLD_KEY).decrypt(stored.encode()) == b"Interview with Ada"
    assert "Interview with Ada" in user_client.get("/events/").get_data(as_text=True)

    rotated = app_with_keys(app, [NEW_KEY, OLD_KEY])
    result = rotated.test_cli_runner().invoke(args=["tokens", "reencrypt"])
    assert "Re-encrypted the titles of 1 event(s) created here." in result.output
    [rotated_title] = raw_titles(app)
    assert Fernet(NEW_KEY).decrypt(rotated_title.encode()) == b"Interview with Ada"

    stranger = app_with_keys(app, [Fernet.generate_key().decode()])  # the keys were lost
    client = stranger.test_client()
    client.set_cookie("session", user_client.get_cookie("session").value)
    page = client.get("/events/").get_data(as_text=True)
    assert "(an event whose title cannot be read)" in page  # listed, and still deletable
    dispose(rotated, stranger)


def test_the_migration_encrypts_titles_written_before_it(app, user_client, cronofy):
    """Records from before titles were encrypted: the upgrade encrypts them, a downgrade
    gives the plain text back."""
    from flask_migrate import downgrade, upgrade

    connect(user_client, cronofy)
    add_created_event(app, "Interview with Ada")
    with app.app_context():
        try:
            downgrade(revision="d3a6f1c08e4b")
            assert raw_titles(app) == ["Interview with Ada"]
        finally:
            upgrade()
    [stored] = raw_titles(app)
    assert Fernet(OLD_KEY).decrypt(stored.encode()) == b"Interview with Ada"
