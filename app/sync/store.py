"""Writing the local copy, and the changes this app makes to it between syncs."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, DataSet, Snapshot
from app.sync.fetch import Fetched, slim_event
from app.sync.marks import bound_lock_wait


def snapshot(connection: CronofyConnection, data_set: DataSet) -> Snapshot:
    """The connection's row for `data_set`, made (empty) if it has none yet."""
    row = next((s for s in connection.snapshots if s.data_set is data_set), None)
    if row is None:
        row = Snapshot(connection=connection, data_set=data_set)
        db.session.add(row)
    return row


def save(connection: CronofyConnection, fetched: Fetched, now: datetime) -> None:
    """Store what a sync got. A failed part keeps its last good data, with the reason."""
    bound_lock_wait()  # the connection's row may be locked by a refresh elsewhere
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        # The authorization ended (its refresh token was refused): what was copied through
        # it goes. The row stays, so reconnecting the same account restores it.
        forget_calendar_data(connection)
    for data_set, data in fetched.data.items():
        row = snapshot(connection, data_set)
        row.data = json.dumps(data, separators=(",", ":"))
        row.synced_at, row.error, row.error_at = now, None, None
    for data_set, failure in fetched.failures.items():
        row = snapshot(connection, data_set)
        row.error, row.error_at = failure.value, now
    # A full read was made, whatever came of it: the daily sweep counts from here, and a
    # failed part is tried again when a page finds it stale (or a change is pushed).
    connection.full_synced_at = now
    db.session.commit()


def forget_calendar_data(connection: CronofyConnection) -> None:
    """Drop every copied data set of the connection (kept: when it failed, and why)."""
    for row in connection.snapshots:
        row.data, row.synced_at = None, None


def record_created_event(
    connection: CronofyConnection, event: dict[str, Any], now: datetime
) -> None:
    """Put an event this app just created into the copy, so the next page shows it.

    Cronofy answers an upsert with no body: the event's own id (`event_uid`) arrives with
    the next sync, which replaces this entry.
    """

    def add(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [e for e in events if e.get("event_id") != event["event_id"]]
        return [*kept, slim_event(event)]

    _edit_events(connection, add)


def record_deleted_event(connection: CronofyConnection, event_id: str) -> None:
    """Take an event this app just deleted out of the copy."""
    _edit_events(connection, lambda events: [e for e in events if e.get("event_id") != event_id])


def _edit_events(connection: CronofyConnection, edit: Any) -> None:
    row = db.session.scalar(
        select(Snapshot).filter_by(connection_id=connection.id, data_set=DataSet.EVENTS)
    )
    content = row.content if row is not None else None
    if row is None or not isinstance(content, dict):
        return  # nothing copied yet: the next sync brings it
    content["events"] = edit(list(content.get("events") or []))
    row.data = json.dumps(content, separators=(",", ":"))
    db.session.commit()
