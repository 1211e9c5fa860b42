"""What needs syncing, kept in the database: queue messages are only nudges.

Two marks on each connection say what is wanted: `sync_wanted_at` a full read (set by a
page that found the copy stale, the daily sweep, a profile notification), `changes_since`
a read of what changed since then (set by a `change` notification; the earliest one wins).
A nudge sets a mark and enqueues a job. A job first takes the connection's lease (one sync
per connection at a time, across every worker), reads the marks, syncs, and clears each
mark only if no nudge came meanwhile (`sync_wanted_at` still holds the value it read,
`changes_told` the count): one that came during the sync leaves its mark set, and the job
asks for one more run. Each nudge is one statement that sets the mark and says whether it
was unset before, so a nudge and the end of a sync cannot cross without one of them
seeing the other. A lost job, a crashed worker or a restart leaves the marks set; the
periodic sweep finds them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, or_, select, text, update
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection


@dataclass(frozen=True)
class Claim:
    """A sync's hold on one connection: the lease, and the marks it will consume."""

    connection_id: int
    wanted_at: datetime | None
    changes_since: datetime | None = None
    changes_told: int = 0

    @property
    def wanted(self) -> bool:
        return self.wanted_at is not None or self.changes_since is not None


def mark_wanted(connection_ids: list[int], now: datetime) -> list[int]:
    """Say these connections need syncing (committed, so workers see it at once).

    Returns the ones that were not marked yet: the others already have a job on its way,
    or a running sync that will run once more (their mark now holds a new value), so they
    need no new message.
    """
    if not connection_ids:
        return []
    marked = CronofyConnection.id.in_(connection_ids)
    # Marks already set first: each is given a new value, which the sync that may be
    # running will see. Then the unset ones, which need a job.
    db.session.execute(
        update(CronofyConnection)
        .where(marked, CronofyConnection.sync_wanted_at.is_not(None))
        .values(sync_wanted_at=now)
        .execution_options(synchronize_session=False)
    )
    fresh = db.session.scalars(
        update(CronofyConnection)
        .where(marked, CronofyConnection.sync_wanted_at.is_(None))
        .values(sync_wanted_at=now)
        .returning(CronofyConnection.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(fresh)


def note_change(connection_id: int, since: datetime) -> bool:
    """Record that events changed from `since` on; True if that needs a new job.

    The earliest `changes_since` waiting wins. Every change is counted, so a sync running
    now clears nothing and runs once more.
    """
    this = CronofyConnection.id == connection_id
    told = CronofyConnection.changes_told + 1
    while True:
        waiting = db.session.execute(
            update(CronofyConnection)
            .where(this, CronofyConnection.changes_since.is_not(None))
            .values(
                changes_told=told,
                changes_since=case(
                    (CronofyConnection.changes_since > since, since),
                    else_=CronofyConnection.changes_since,
                ),
            )
            .returning(CronofyConnection.id)
            .execution_options(synchronize_session=False)
        ).first()
        if waiting is not None:
            db.session.commit()
            return False  # a job is on its way, or the running sync runs again
        first = db.session.execute(
            update(CronofyConnection)
            .where(this, CronofyConnection.changes_since.is_(None))
            .values(changes_told=told, changes_since=since)
            .returning(CronofyConnection.sync_wanted_at)
            .execution_options(synchronize_session=False)
        ).first()
        db.session.commit()
        if first is not None:
            return first.sync_wanted_at is None  # else a full sync is already on its way
        if db.session.scalar(select(CronofyConnection.id).where(this)) is None:
            return False  # disconnected meanwhile
        # Another change was noted between the two statements: add to it.


def claim(connection_id: int, now: datetime, lease: timedelta) -> Claim | None:
    """Take the connection's lease, or None while another sync holds it.

    The row may be locked by a token refresh elsewhere: the wait for it is bounded, and a
    claim that times out is simply not taken (the mark stays for the sweep).
    """
    bound_lock_wait()
    try:
        taken = db.session.execute(
            update(CronofyConnection)
            .where(
                CronofyConnection.id == connection_id,
                or_(
                    CronofyConnection.sync_lease_until.is_(None),
                    CronofyConnection.sync_lease_until < now,
                ),
            )
            .values(sync_lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        return None
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount
        return None
    wanted_at, changes_since, told = db.session.execute(
        select(
            CronofyConnection.sync_wanted_at,
            CronofyConnection.changes_since,
            CronofyConnection.changes_told,
        ).where(CronofyConnection.id == connection_id)
    ).one()
    return Claim(connection_id, wanted_at, changes_since, told)


def release(claim: Claim) -> bool:
    """Give the lease back, consuming the mark read at the claim; True if it is set again.

    If the row stays locked too long, the lease is left to run out and the mark to the sweep.
    """
    try:
        return _release(claim)
    except OperationalError:
        db.session.rollback()
        current_app.logger.warning(
            "Sync of connection %s: lease left to expire", claim.connection_id
        )
        return False


def _release(claim: Claim) -> bool:
    bound_lock_wait()
    this = CronofyConnection.id == claim.connection_id
    if claim.wanted_at is not None:
        db.session.execute(
            update(CronofyConnection)
            .where(this, CronofyConnection.sync_wanted_at == claim.wanted_at)
            .values(sync_wanted_at=None)
            .execution_options(synchronize_session=False)
        )
    if claim.changes_since is not None:
        db.session.execute(
            update(CronofyConnection)
            .where(this, CronofyConnection.changes_told == claim.changes_told)
            .values(changes_since=None)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(CronofyConnection)
        .where(CronofyConnection.id == claim.connection_id)
        .values(sync_lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    again = db.session.execute(
        select(CronofyConnection.sync_wanted_at, CronofyConnection.changes_since).where(
            CronofyConnection.id == claim.connection_id
        )
    ).one()
    return again != (None, None)


def bound_lock_wait() -> None:
    """On PostgreSQL, wait for a locked row no longer than a refresh may hold it."""
    if db.session.get_bind().dialect.name == "postgresql":
        milliseconds = int(current_app.config["CRONOFY_REFRESH_LOCK_TIMEOUT"] * 1000)
        db.session.execute(text(f"SET LOCAL lock_timeout = '{milliseconds}ms'"))


def still_wanted(now: datetime, limit: int = 500) -> list[int]:
    """Connections marked for syncing whose sync is not running (or whose worker died)."""
    return list(
        db.session.scalars(
            select(CronofyConnection.id)
            .where(
                or_(
                    CronofyConnection.sync_wanted_at.is_not(None),
                    CronofyConnection.changes_since.is_not(None),
                ),
                CronofyConnection.status == ConnectionStatus.ACTIVE,
                or_(
                    CronofyConnection.sync_lease_until.is_(None),
                    CronofyConnection.sync_lease_until < now,
                ),
            )
            .order_by(CronofyConnection.id)
            .limit(limit)
        )
    )


def due_for_full_sync(now: datetime, every: timedelta, limit: int = 500) -> list[int]:
    """Active connections not read in full for `every`, and not already waiting for a sync."""
    return list(
        db.session.scalars(
            select(CronofyConnection.id)
            .where(
                CronofyConnection.status == ConnectionStatus.ACTIVE,
                CronofyConnection.sync_wanted_at.is_(None),
                or_(
                    CronofyConnection.full_synced_at.is_(None),
                    CronofyConnection.full_synced_at < now - every,
                ),
            )
            .order_by(CronofyConnection.id)
            .limit(limit)
        )
    )
