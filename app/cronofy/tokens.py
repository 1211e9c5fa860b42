"""Storing Cronofy tokens and keeping them fresh.

Cronofy may rotate the refresh token on every refresh and the old one can die at once, so
two requests refreshing the same authorization together can lock the user out. Refreshes
therefore happen under a lock on the connection row (`SELECT ... FOR UPDATE`, which is
what serialises processes and hosts sharing PostgreSQL) plus a per-process lock (which is
what serialises threads on SQLite, where FOR UPDATE does nothing). After taking the lock
the row is read again: if another request refreshed meanwhile, its token is used.
Both waits are bounded, and so is the HTTP call made while holding them.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

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
        select(CronofyConnection).filter_by(user_id=user.id, account_id=str(account_id))
    )
    if connection is None:
        connection = CronofyConnection(user=user, account_id=str(account_id))
        db.session.add(connection)
    profile = token.get("linking_profile")
    if isinstance(profile, dict):
        connection.provider_name = profile.get("provider_name")
        connection.profile_id = profile.get("profile_id")
        connection.profile_name = profile.get("profile_name")
    _store_tokens(connection, token)
    # A new (or renewed) authorization wants a full read, marked in the same commit: the
    # minute's sweep, which marks connections never read in full, then never sees this one
    # unmarked and asks for a second read. The caller nudges a worker.
    connection.sync_wanted_at = datetime.now(UTC)
    db.session.commit()
    return connection


def call_with_token(connection: CronofyConnection, call: Callable[[str], T]) -> T:
    """Run `call(access_token)`, refreshing first if the token is about to expire.

    A 401 means the token died early (revoked, or Cronofy shortened its life): refresh once
    and retry once. A second 401 is raised to the caller.
    """
    access_token = fresh_access_token(connection)
    try:
        return call(access_token)
    except errors.CronofyUnauthorized:
        return retry_with_new_token(connection, access_token, call)


def retry_with_new_token(
    connection: CronofyConnection, rejected_token: str, call: Callable[[str], T]
) -> T:
    """After a 401 for `rejected_token`: refresh once (or take a newer token), retry once."""
    return call(refresh(connection, stale_access_token=rejected_token))


def refresh(connection: CronofyConnection, *, stale_access_token: str | None = None) -> str:
    """Refresh the connection's tokens once, however many requests ask at the same time.

    `stale_access_token` is the token the caller saw fail; if the row holds a different,
    unexpired one once the lock is taken, another request already refreshed and that
    token is returned without calling Cronofy.
    """
    with _refresh_lock(connection.id) as row:
        access_token, sent_refresh_token = _usable_tokens(row)
        if not _expiring(row) and access_token != stale_access_token:
            return access_token
        try:
            response = cronofy_client().refresh(sent_refresh_token)
        except errors.InvalidGrant as exc:
            row = _reread(row.id)
            if row.refresh_token != sent_refresh_token and row.access_token:
                # Someone rotated the token after all (a process that did not share our
                # lock): the new one is good, nothing was lost.
                return row.access_token
            # The refresh token is dead and nobody replaced it: the user revoked access
            # or the authorization ended. Keep the row so the user can reconnect it.
            row.lose_access()
            current_app.logger.warning("Connection %s needs reconnecting", row.id)
            raise errors.ConnectionLost(f"connection {row.id} refresh refused") from exc
        return _store_tokens(row, response)


def fresh_access_token(connection: CronofyConnection) -> str:
    """A usable access token, refreshed first if it expires within the leeway."""
    access_token, _ = _usable_tokens(connection)
    if _expiring(connection):
        return refresh(connection)
    return access_token


def _usable_tokens(connection: CronofyConnection) -> tuple[str, str]:
    """The (access, refresh) tokens, unless the connection needs reconnecting."""
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        raise errors.ConnectionLost(f"connection {connection.id} needs reconnecting")
    if connection.access_token is None or connection.refresh_token is None:
        raise errors.TokensUnreadable(f"connection {connection.id} tokens cannot be decrypted")
    return connection.access_token, connection.refresh_token


def _expiring(connection: CronofyConnection) -> bool:
    leeway = timedelta(seconds=current_app.config["CRONOFY_REFRESH_LEEWAY"])
    return connection.expires_at - leeway <= datetime.now(UTC)


def _store_tokens(connection: CronofyConnection, token: dict[str, Any]) -> str:
    """Copy a token response onto the row, always keeping the newest refresh token.

    Returns the new access token.
    """
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
    return access_token


@contextmanager
def _refresh_lock(connection_id: int) -> Iterator[CronofyConnection]:
    """Hold both locks and yield the freshly read row; commit on exit, roll back on error.

    A ConnectionLost raised inside is committed too: the "needs reconnecting" mark must be
    stored even though the refresh failed.
    """
    timeout = current_app.config["CRONOFY_REFRESH_LOCK_TIMEOUT"]
    lock = _process_lock(connection_id)
    if not lock.acquire(timeout=timeout):
        raise errors.RefreshBusy(f"connection {connection_id}: process lock wait timed out")
    try:
        # End any transaction this session has open, so the row is read afresh.
        db.session.commit()
        try:
            row = _reread(connection_id, for_update=True, lock_timeout=timeout)
        except OperationalError as exc:
            db.session.rollback()
            raise errors.RefreshBusy(
                f"connection {connection_id}: row lock wait timed out"
            ) from exc
        try:
            yield row
        except errors.ConnectionLost:
            db.session.commit()
            raise
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
    finally:
        lock.release()


def _reread(
    connection_id: int, *, for_update: bool = False, lock_timeout: float = 0
) -> CronofyConnection:
    """Read the row from the database, replacing whatever this session cached."""
    statement = select(CronofyConnection).where(CronofyConnection.id == connection_id)
    if for_update:
        statement = statement.with_for_update()
        if db.session.get_bind().dialect.name == "postgresql":
            # Bound the wait for another process's refresh instead of queueing forever.
            db.session.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'"))
    statement = statement.execution_options(populate_existing=True)
    return db.session.execute(statement).scalar_one()


def _process_lock(connection_id: int) -> threading.Lock:
    """One lock per connection in this process: threads queue here, not in the database."""
    with _process_locks_guard:
        return _process_locks.setdefault(connection_id, threading.Lock())
