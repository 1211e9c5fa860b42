"""Reading the local copy for pages: what is known, since when, and whether to refresh it.

Pages call `read_copies`: `load_copies` (two queries, however many connections) and
`refresh_if_stale`, which asks a worker for a refresh when a copy is older than
CRONOFY_SYNC_MAX_AGE and shows the copy as it is meanwhile (stale-while-revalidate). A
connection whose push channel Cronofy has verified is kept fresh by its notifications
instead, and by the daily read. No page calls Cronofy to read. `copy_state` is the open
dashboard's cheap question: one query, no decryption, whether anything changed.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, DataSet, Snapshot, User
from app.sync.outcomes import Failure, parse_failure
from app.sync.tasks import request_sync

# After a failed refresh, pages wait this long before asking again, so an outage at
# Cronofy is not answered with a sync per page view.
RETRY_AFTER_FAILURE = timedelta(seconds=60)


@dataclass(frozen=True)
class Part:
    """One data set of one connection, as the copy has it."""

    data: Any = None  # Cronofy's JSON; None when never loaded (or dropped)
    synced_at: datetime | None = None
    failure: Failure | None = None  # why the latest refresh failed
    failed_at: datetime | None = None

    @property
    def loaded(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class ConnectionCopy:
    """A connection and its copied data, plain values only (no tokens)."""

    id: int
    label: str
    provider_name: str | None
    default_tzid: str | None  # the account's time zone, read when it was connected
    scopes: frozenset[str]
    needs_reconnect: bool
    sync_wanted: bool
    pushed: bool = False  # Cronofy verified its push channel: changes arrive by themselves
    parts: dict[DataSet, Part] = field(default_factory=dict)

    def part(self, data_set: DataSet) -> Part:
        return self.parts.get(data_set, Part())

    @property
    def granted(self) -> list[DataSet]:
        return [d for d in DataSet if d.scope in self.scopes]

    @property
    def never_loaded(self) -> bool:
        """Nothing copied yet for any data set it may read."""
        return not any(self.part(d).loaded for d in self.granted)

    @property
    def awaiting_first_sync(self) -> bool:
        """Nothing copied and nothing failed yet: the first sync is on its way."""
        return (
            not self.needs_reconnect
            and self.never_loaded
            and not any(self.part(d).failure for d in self.granted)
        )


def load_copies(user: User) -> list[ConnectionCopy]:
    """The user's connections with their copied data, oldest connection first."""
    connections = db.session.scalars(
        select(CronofyConnection)
        .filter_by(user_id=user.id)
        .order_by(CronofyConnection.id)
        .options(selectinload(CronofyConnection.snapshots))
    ).all()
    return [_copy_of(connection) for connection in connections]


def _copy_of(connection: CronofyConnection) -> ConnectionCopy:
    parts = {
        row.data_set: Part(
            data=row.content,
            synced_at=row.synced_at,
            failure=parse_failure(row.error),
            failed_at=row.error_at,
        )
        for row in connection.snapshots
    }
    return ConnectionCopy(
        id=connection.id,
        label=connection.label,
        provider_name=connection.provider_name,
        default_tzid=connection.default_tzid,
        scopes=connection.scopes,
        needs_reconnect=connection.status is ConnectionStatus.NEEDS_RECONNECT,
        sync_wanted=connection.sync_wanted_at is not None or connection.changes_since is not None,
        pushed=connection.channel_verified_at is not None,
        parts=parts,
    )


def read_copies(user: User, now: datetime) -> list[ConnectionCopy]:
    """The user's copies for a page, with a refresh asked for each stale one."""
    copies = load_copies(user)
    if refresh_if_stale(copies, now):
        copies = load_copies(user)  # marked now; with an immediate queue, refreshed too
    return copies


def is_stale(copy: ConnectionCopy, now: datetime, max_age: timedelta) -> bool:
    """Whether a page should ask for fresher data than this copy holds."""
    if copy.needs_reconnect or copy.sync_wanted:
        return False  # nothing to read with, or a sync is already on its way
    for data_set in copy.granted:
        part = copy.part(data_set)
        if part.failed_at is not None and part.failed_at > now - RETRY_AFTER_FAILURE:
            continue  # it just failed: let the outage breathe
        if part.synced_at is None or part.failure is not None:
            return True
        if part.synced_at < now - max_age and not copy.pushed:
            return True  # without push, age is all a page has to go on
    return False


def refresh_if_stale(copies: list[ConnectionCopy], now: datetime) -> bool:
    """Ask for a sync of every stale copy; True if any was asked for."""
    max_age = timedelta(seconds=current_app.config["CRONOFY_SYNC_MAX_AGE"])
    stale = [copy.id for copy in copies if is_stale(copy, now, max_age)]
    request_sync(stale)
    return bool(stale)


def version(copies: list[ConnectionCopy]) -> str:
    """Changes whenever any copy is refreshed or fails: the dashboard follows a change."""
    return _version(
        (copy.id, copy.needs_reconnect, data_set, part.synced_at, part.failed_at)
        for copy in copies
        for data_set, part in copy.parts.items()
    )


def _version(
    marks: Iterable[tuple[int, bool, DataSet, datetime | None, datetime | None]],
) -> str:
    text = "|".join(
        f"{id}:{lost}:{data_set.value}:{synced}:{failed}"
        for id, lost, data_set, synced, failed in sorted(marks, key=lambda m: (m[0], m[2]))
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def copy_state(user: User) -> tuple[str, bool]:
    """The copy's version (as `version` has it) and whether a first sync is still awaited.

    One query over timestamps and flags: nothing is decrypted, whatever the copy's size.
    """
    rows = db.session.execute(
        select(
            CronofyConnection.id,
            CronofyConnection.status,
            Snapshot.data_set,
            Snapshot.synced_at,
            Snapshot.error_at,
            Snapshot.data.is_not(None),
        )
        .join(Snapshot, Snapshot.connection_id == CronofyConnection.id, isouter=True)
        .where(CronofyConnection.user_id == user.id)
    ).all()
    marks = []
    state: dict[int, tuple[bool, bool]] = {}  # connection -> (anything loaded, anything failed)
    for id, status, data_set, synced, failed, loaded in rows:
        lost = status is ConnectionStatus.NEEDS_RECONNECT
        part: DataSet | None = data_set  # None for a connection with no copy at all (outer join)
        if part is not None:
            marks.append((id, lost, part, synced, failed))
        seen = state.get(id, (False, lost))
        state[id] = (seen[0] or bool(loaded), seen[1] or failed is not None)
    awaiting = any(not loaded and not failed for loaded, failed in state.values())
    return _version(marks), awaiting
