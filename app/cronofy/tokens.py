"""Storing Cronofy tokens and keeping them fresh.

Cronofy may rotate the refresh token on every refresh and the old one can die at once, so
two requests refreshing the same authorization together can lock the user out. Refreshes
therefore happen under a lock on the connection row (`SELECT ... FOR UPDATE` on PostgreSQL,
plus a per-process lock, which is what serialises threads on SQLite), and after taking the
lock the row is read again: if someone else refreshed meanwhile, their token is used.
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select

from app.cronofy import errors
from app.cronofy.client import cronofy_client
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, User

T = TypeVar("T")

_process_locks: dict[int, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def save_authorization(user: User, token: dict[str, Any]) -> CronofyConnection:
    """Store the result of a code exchange; the same Cronofy account updates its row."""
    account_id = token.get("sub") or token.get("account_id")
    if not account_id or not token.get("access_token") or not token.get("refresh_token"):
        raise errors.CronofyBadResponse("token response lacks sub or tokens")
    connection = db.session.scalar(
        select(CronofyConnection).filter_by(user_id=user.id, account_id=account_id)
    )
    if connection is None:
        connection = CronofyConnection(user=user, account_id=account_id)
        db.session.add(connection)
    profile = token.get("linking_profile") or {}
    connection.provider_name = profile.get("provider_name")
    connection.profile_id = profile.get("profile_id")
    connection.profile_name = profile.get("profile_name")
    _store_tokens(connection, token)
    db.session.commit()
    return connection


def call_with_token(connection: CronofyConnection, call: Callable[[str], T]) -> T:
    """Run `call(access_token)`, refreshing first if the token is about to expire.

    A 401 means the token died early (revoked, or Cronofy shortened its life): refresh once
    and retry once. A second 401 is raised to the caller.
    """
    access_token = _fresh_access_token(connection)
    try:
        return call(access_token)
    except errors.CronofyUnauthorized:
        access_token = refresh(connection, stale_access_token=access_token)
        return call(access_token)


def refresh(connection: CronofyConnection, *, stale_access_token: str | None = None) -> str:
    """Refresh the connection's tokens once, however many requests ask at the same time.

    `stale_access_token` is the token the caller saw fail; if the row holds a different,
    unexpired one after the lock is taken, another request already refreshed and that
    token is returned without calling Cronofy.
    """
    with _process_lock(connection.id):
        row = _lock_row(connection.id)
        if row.status is ConnectionStatus.NEEDS_RECONNECT:
            db.session.commit()
            raise errors.ConnectionLost(f"connection {row.id} needs reconnecting")
        if not _expiring(row) and row.access_token != stale_access_token:
            token = row.access_token
            db.session.commit()
            return token
        try:
            response = cronofy_client().refresh(row.refresh_token)
        except errors.InvalidGrant as exc:
            # The refresh token is dead and nobody else replaced it under the lock:
            # the user revoked access or the authorization ended. Keep the row.
            row.status = ConnectionStatus.NEEDS_RECONNECT
            db.session.commit()
            current_app.logger.warning("Connection %s needs reconnecting", row.id)
            raise errors.ConnectionLost(f"connection {row.id} refresh refused") from exc
        except errors.CronofyError:
            db.session.rollback()
            raise
        _store_tokens(row, response)
        token = row.access_token
        db.session.commit()
        return token


def _fresh_access_token(connection: CronofyConnection) -> str:
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        raise errors.ConnectionLost(f"connection {connection.id} needs reconnecting")
    if _expiring(connection):
        return refresh(connection)
    return connection.access_token


def _expiring(connection: CronofyConnection) -> bool:
    leeway = timedelta(seconds=current_app.config["CRONOFY_REFRESH_LEEWAY"])
    return connection.expires_at - leeway <= datetime.now(UTC)


def _store_tokens(connection: CronofyConnection, token: dict[str, Any]) -> None:
    """Copy a token response onto the row, always keeping the newest refresh token."""
    try:
        expires_in = int(token.get("expires_in", 3600))
        access_token = str(token["access_token"])
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.CronofyBadResponse("token response lacks access_token or expires_in") from exc
    connection.access_token = access_token
    # Cronofy may rotate the refresh token; a response without one keeps the current one.
    connection.refresh_token = str(token.get("refresh_token") or connection.refresh_token)
    connection.expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    if token.get("scope"):
        connection.scope = str(token["scope"])
    connection.status = ConnectionStatus.ACTIVE


def _lock_row(connection_id: int) -> CronofyConnection:
    """Re-read the row under a database lock, replacing whatever this session cached."""
    statement = (
        select(CronofyConnection)
        .where(CronofyConnection.id == connection_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.execute(statement).scalar_one()


def _process_lock(connection_id: int) -> threading.Lock:
    """One lock per connection in this process: threads queue here, not in the database."""
    with _process_locks_guard:
        return _process_locks.setdefault(connection_id, threading.Lock())
