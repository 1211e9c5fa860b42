"""The background tasks that keep each connection's local copy fresh.

`request_sync` is how the rest of the app asks for fresh data: it marks the connections
in the database and nudges a worker. `sync_connection` does one sync under the
connection's lease; `sweep` runs every minute to pick up whatever is still marked (a lost
job, a crashed worker) and to start each connection's daily full read.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import select

from app.cronofy.budget import background_calls
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, DataSet
from app.sync import marks, store
from app.sync.channels import check_channel, push_setup
from app.sync.fetch import fetch_changes, fetch_connection
from app.sync.outcomes import Failure
from app.sync.queue import app_periodic_task, app_task

log = logging.getLogger(__name__)

# Seconds before trying again: after a 429 that did not say how long, and after finding the
# connection's tokens being refreshed by someone else.
RATE_LIMIT_BACKOFF = 30.0
BUSY_BACKOFF = 5.0


def request_sync(connection_ids: Iterable[int]) -> None:
    """Mark connections as wanting a sync, and nudge a worker for each not marked already.

    The mark is what counts: if the queue cannot be reached, or a message is lost, the sweep
    finds the mark within a minute, and the page that asked is served all the same.
    """
    ids = sorted(set(connection_ids))
    if not ids:
        return
    nudge(marks.mark_wanted(ids, datetime.now(UTC)))


def nudge(connection_ids: Iterable[int]) -> None:
    """Enqueue a sync of each connection, already marked; a queue that cannot be reached
    is only logged, as the sweep finds the marks within a minute."""
    for connection_id in connection_ids:
        try:
            sync_connection(connection_id)
        except Exception as exc:  # the queue's store is down: the mark waits for the sweep
            log.warning("Could not enqueue a sync (%s); the sweep will", type(exc).__name__)
            return


@app_task()
def sync_connection(connection_id: int) -> None:
    """Refresh one connection's copy, unless another sync holds it or nothing is wanted."""
    config = current_app.config
    claim = marks.claim(
        connection_id, datetime.now(UTC), timedelta(seconds=config["CRONOFY_SYNC_LEASE"])
    )
    if claim is None:
        return  # another sync runs; it sees any new mark when it ends
    retry_after: float | None = None
    try:
        if claim.wanted:
            retry_after = _sync(claim)
    finally:
        db.session.rollback()  # whatever a failure left half-done
        wanted_again = marks.release(claim)
    if retry_after is not None:
        # Rate limited, or the tokens were busy: keep the mark, come back later.
        marks.mark_wanted([connection_id], datetime.now(UTC))
        sync_connection.schedule((connection_id,), delay=retry_after)
    elif wanted_again:
        # Nudged during the sync: one more run, a moment later, so a burst of nudges (a
        # thousand notifications, say) makes a sync every CRONOFY_SYNC_AGAIN_AFTER seconds.
        sync_connection.schedule((connection_id,), delay=config["CRONOFY_SYNC_AGAIN_AFTER"])


def _sync(claim: marks.Claim) -> float | None:
    """Read what the marks ask for and store it; seconds to wait before trying again, if so.

    A `change` is read as a delta when the copy can take one (`_changes_from`); otherwise,
    or when the delta fails, everything is read instead.
    """
    connection = db.session.get(CronofyConnection, claim.connection_id)
    if connection is None or connection.status is ConnectionStatus.NEEDS_RECONNECT:
        return None  # disconnected meanwhile, or waiting for the user to reconnect
    since = _changes_from(connection, claim)
    if since is not None:
        started = datetime.now(UTC)
        with background_calls():
            changes = fetch_changes(connection, since)
        events = changes.data.get(DataSet.EVENTS)
        if events is not None and store.apply_changes(
            connection, events, started, datetime.now(UTC)
        ):
            return None
        db.session.rollback()
        if Failure.RATE_LIMITED in changes.failures.values():
            return changes.retry_after or RATE_LIMIT_BACKOFF
    started = datetime.now(UTC)
    with background_calls():
        fetched = fetch_connection(connection, started)
    store.save(connection, fetched, started, datetime.now(UTC))
    failures = set(fetched.failures.values())
    if Failure.RATE_LIMITED in failures:
        return fetched.retry_after or RATE_LIMIT_BACKOFF
    if Failure.BUSY in failures:
        return BUSY_BACKOFF
    return None


# Cronofy's clock and this host's may differ a little: changes are read from a little
# before the last read began. Reading a change twice is harmless.
CLOCK_MARGIN = timedelta(seconds=30)


def _changes_from(connection: CronofyConnection, claim: marks.Claim) -> datetime | None:
    """Where to read changes from for this claim, or None to read everything.

    From `changes_since`, as Cronofy says, but never later than when the last read of
    events began (less the clock margin): then a notification lost on the way leaves no
    gap, as the next one reads from where the copy is complete. Everything is read instead
    when a full read is wanted anyway, when events were never read whole, and when the last
    read is older than the daily full read (all the changes since could cost more).
    """
    since, read_at = claim.changes_since, connection.changes_read_at
    if claim.wanted_at is not None or since is None or read_at is None:
        return None
    every = timedelta(seconds=current_app.config["CRONOFY_SYNC_FULL_EVERY"])
    start = min(since, read_at - CLOCK_MARGIN)
    return start if start >= datetime.now(UTC) - every else None


@app_periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute: re-nudge what is still marked; mark what is due for its daily read."""
    now = datetime.now(UTC)
    every = timedelta(seconds=current_app.config["CRONOFY_SYNC_FULL_EVERY"])
    due = marks.due_for_full_sync(now, every)
    marks.mark_wanted(due, now)
    for connection_id in marks.still_wanted(now):
        sync_connection(connection_id)


@app_periodic_task(crontab(minute="17"))
def check_channels() -> None:
    """Every hour: make sure each connection's push channel is still open at Cronofy."""
    if not push_setup().enabled:
        return
    for connection_id in db.session.scalars(
        select(CronofyConnection.id).where(CronofyConnection.status == ConnectionStatus.ACTIVE)
    ):
        check_channel(connection_id)
