"""Reading one connection's calendars, profiles and events from Cronofy, for the local copy.

Only the data sets whose scope was granted are asked for, all at once (app/cronofy/parallel.py).
The token is checked (and refreshed, single-flight) first; a 401 refreshes once and retries
once. Each data set comes back as its data or as the reason it failed, never both, so one
failing part leaves the others to be stored.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from flask import current_app

from app.cronofy import errors
from app.cronofy.client import cronofy_client
from app.cronofy.parallel import run_all
from app.cronofy.responses import JSON
from app.cronofy.tokens import call_with_token, fresh_access_token, retry_with_new_token
from app.models import CronofyConnection, DataSet
from app.sync.outcomes import Failure, failure_for

# What the copy keeps of an event: what pages show, and what editing needs. Attendees,
# organisers and the rest stay at Cronofy.
EVENT_FIELDS = (
    "calendar_id",
    "event_uid",
    "event_id",
    "summary",
    "description",
    "start",
    "end",
    "location",
    "transparency",
    "deleted",
)


@dataclass
class Fetched:
    """What one sync got: data per data set, or the reason it did not."""

    data: dict[DataSet, Any] = field(default_factory=dict)
    failures: dict[DataSet, Failure] = field(default_factory=dict)
    retry_after: float | None = None  # when Cronofy (or the budget) said to wait


def fetch_connection(connection: CronofyConnection, now: datetime) -> Fetched:
    """Everything the copy holds for this connection, as Cronofy has it now."""
    fetched = Fetched()
    wanted = [d for d in DataSet if d.scope in connection.scopes]
    for data_set in DataSet:
        if data_set not in wanted:
            fetched.failures[data_set] = Failure.NOT_GRANTED
    if not wanted:
        return fetched
    try:
        token = fresh_access_token(connection)
    except errors.CronofyError as exc:
        _failed(fetched, wanted, exc)
        return fetched
    calls = {data_set: _call_for(data_set, now) for data_set in wanted}
    outcomes = run_all([partial(call, token) for call in calls.values()])
    for (data_set, call), outcome in zip(calls.items(), outcomes, strict=True):
        if isinstance(outcome, errors.CronofyUnauthorized):
            # The token died early: refresh once (or take the one another call just got).
            try:
                outcome = retry_with_new_token(connection, token, call)
            except errors.CronofyError as exc:
                outcome = exc
        if isinstance(outcome, errors.CronofyError):
            _failed(fetched, [data_set], outcome)
        elif isinstance(outcome, Exception):
            raise outcome  # a bug, not an upstream failure: the task's log shows it
        else:
            fetched.data[data_set] = outcome
    return fetched


def fetch_changes(connection: CronofyConnection, since: datetime) -> Fetched:
    """The events changed since `since` (deleted ones marked so), after a `change` push.

    One read, every page of it; a read cut short by the page bound fails, so the caller
    reads everything instead of keeping half a delta.
    """
    fetched = Fetched()
    max_pages = current_app.config["CRONOFY_SYNC_MAX_PAGES"]
    try:
        fetched.data[DataSet.EVENTS] = call_with_token(
            connection,
            lambda token: cronofy_client().changed_events(token, since=since, max_pages=max_pages),
        )
    except errors.CronofyError as exc:
        _failed(fetched, [DataSet.EVENTS], exc)
    return fetched


def events_window(now: datetime) -> tuple[datetime, datetime]:
    """The dates copied, in UTC: yesterday up to DAYS_AHEAD from today (`to` exclusive)."""
    config = current_app.config
    today = now.astimezone(UTC).date()
    start = today - timedelta(days=config["CRONOFY_SYNC_DAYS_BACK"])
    end = today + timedelta(days=config["CRONOFY_SYNC_DAYS_AHEAD"] + 1)
    return (
        datetime.combine(start, datetime.min.time(), UTC),
        datetime.combine(end, datetime.min.time(), UTC),
    )


def slim_event(raw: JSON) -> JSON:
    """The fields of an event the copy keeps."""
    return {name: raw[name] for name in EVENT_FIELDS if name in raw}


def _call_for(data_set: DataSet, now: datetime) -> Any:
    client = cronofy_client()
    if data_set is DataSet.CALENDARS:
        return client.calendars
    if data_set is DataSet.PROFILES:
        return client.profiles
    start, end = events_window(now)

    def events(token: str) -> JSON:
        found = client.events(
            token,
            tzid="Etc/UTC",
            start=start.date(),
            end=end.date(),
            max_pages=current_app.config["CRONOFY_SYNC_MAX_PAGES"],
        )
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "events": [slim_event(e) for e in found if not e.get("deleted")],
        }

    return events


def _failed(fetched: Fetched, data_sets: list[DataSet], exc: errors.CronofyError) -> None:
    failure = failure_for(exc)
    current_app.logger.warning(
        "Sync: %s unavailable (%s)", ", ".join(d.value for d in data_sets), type(exc).__name__
    )
    for data_set in data_sets:
        fetched.failures[data_set] = failure
    if isinstance(exc, errors.CronofyRateLimited):
        fetched.retry_after = max(fetched.retry_after or 0.0, exc.retry_after or 0.0) or None
