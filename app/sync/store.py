"""Writing the local copy, and the changes this app makes to it between syncs."""

import json
from datetime import UTC, datetime
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


def save(
    connection: CronofyConnection, fetched: Fetched, started: datetime, now: datetime
) -> None:
    """Store what a sync begun at `started` got; a failed part keeps its last good data."""
    bound_lock_wait()  # the connection's row may be locked by a refresh elsewhere
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        # The authorization ended while this sync ran: nothing it read is kept.
        connection.forget_copy()
        fetched = Fetched(data={}, failures=fetched.failures)
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
    if DataSet.EVENTS in fetched.data:
        connection.changes_read_at = started
    db.session.commit()


def apply_changes(
    connection: CronofyConnection, changed: list[dict[str, Any]], started: datetime, now: datetime
) -> bool:
    """Apply a delta read begun at `started` to the events copy, by `event_uid`; False if
    there is no copy.

    Applying the same delta twice changes nothing: each changed event replaces whatever the
    copy held under its uid (or, for this app's own event, under its `event_id`), and a
    deleted one is simply gone. Events outside the copied window stay out.
    """
    bound_lock_wait()
    row = snapshot(connection, DataSet.EVENTS)
    content = row.content
    if not isinstance(content, dict) or not _window(content):
        return False
    start, end = _window(content) or (now, now)
    events = [e for e in content.get("events") or [] if isinstance(e, dict)]
    for raw in changed:
        uid, event_id = raw.get("event_uid"), raw.get("event_id")
        if not isinstance(uid, str):
            continue
        events = [
            e
            for e in events
            if e.get("event_uid") != uid and not (event_id and e.get("event_id") == event_id)
        ]
        if not raw.get("deleted") and _overlaps(raw, start, end):
            events.append(slim_event(raw))
    content["events"] = events
    row.data = json.dumps(content, separators=(",", ":"))
    row.synced_at, row.error, row.error_at = now, None, None
    connection.changes_read_at = started
    db.session.commit()
    return True


def _window(content: dict[str, Any]) -> tuple[datetime, datetime] | None:
    try:
        return datetime.fromisoformat(content["from"]), datetime.fromisoformat(content["to"])
    except (KeyError, TypeError, ValueError):
        return None


def _overlaps(raw: dict[str, Any], start: datetime, end: datetime) -> bool:
    """Whether an event touches the window (all-day dates read as UTC days)."""
    times = []
    for name in ("start", "end"):
        value = raw.get(name)
        value = value.get("time") if isinstance(value, dict) else value
        if not isinstance(value, str):
            return False
        try:
            moment = datetime.fromisoformat(
                value if len(value) > 10 else value + "T00:00:00+00:00"
            )
        except ValueError:
            return False
        times.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return times[0] < end and times[1] > start


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
