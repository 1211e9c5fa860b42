"""Which events make a person busy: `GET /v1/free_busy`'s selection, and availability's input.

The sandbox's rules (sandbox/README.md states them for users):

- Only events that are not deleted, in calendars that are not deleted, count.
- An event's free/busy status is its transparency: opaque is busy, transparent is free.
  The sandbox has no invitations, so it never reports Cronofy's "tentative" or "unknown";
  availability would count "tentative" as busy.
- Free/busy lists all-day events as dates, as `/v1/events` does. For availability an
  all-day event lasts from midnight to midnight in the account's time zone
  (`default_tzid`, Etc/UTC for the demo accounts): an opaque one is busy all day.
"""

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from sandbox.events import Errors, EventQuery, overlaps, parse_query, sort_key, unknown_calendars
from sandbox.events import zone as zone_for
from sandbox.models import Account, Event
from sandbox.serialize import free_busy_json
from sandbox.times import Interval, parse_date_or_time

# Free/busy's booleans and their defaults: unlike /v1/events, managed events count unless
# include_managed=false, since they take a person's time like any other.
FLAGS: Mapping[str, bool] = {"include_managed": True, "localized_times": False}
# Without `from`, Cronofy's free/busy reads from 42 days back (its documentation); `to`
# defaults to 201 days ahead, as for events.
DAYS_BACK = 42
BUSY_STATUSES = ("busy", "tentative")


def parse(args: MultiDict[str, str], now: datetime) -> EventQuery | Errors:
    """Validate a free/busy query string: the events query, with free/busy's defaults."""
    return parse_query(args, now, flags=FLAGS, days_back=DAYS_BACK)


def _counts(account: Account, event: Event) -> bool:
    calendar = account.calendar(event.calendar_id)
    return not event.deleted and calendar is not None and not calendar.deleted


def select(account: Account, query: EventQuery) -> list[dict[str, Any]] | Errors:
    """The account's free/busy blocks for the query, oldest first, as Cronofy's JSON."""
    unknown = unknown_calendars(account, query.calendar_ids)
    if unknown:
        return unknown
    chosen = []
    for event in account.events:
        managed = event.event_id is not None
        if not _counts(account, event):
            continue
        if query.calendar_ids and event.calendar_id not in query.calendar_ids:
            continue
        if managed and not query.flags["include_managed"]:
            continue
        # Managed events are not bound by the default window (Cronofy documents that for
        # free/busy as for events).
        if (managed and not query.window_given) or overlaps(event, query):
            chosen.append(event)
    chosen.sort(key=lambda e: sort_key(e, query.tz))
    tz = query.tz if query.flags["localized_times"] else None
    return [free_busy_json(event, tz) for event in chosen]


def interval(event: Event, tz: ZoneInfo) -> Interval | None:
    """When the event takes place, in UTC; an all-day one from midnight to midnight in `tz`."""
    start, end = parse_date_or_time(event.start), parse_date_or_time(event.end)
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start, end
    if isinstance(start, date) and isinstance(end, date):

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tz).astimezone(UTC)

        return midnight(start), midnight(end)
    return None


def busy_intervals(account: Account, calendar_ids: Collection[str] | None) -> list[Interval]:
    """When the account is busy: its busy events in `calendar_ids` (None: every calendar)."""
    tz = zone_for(account.default_tzid) or ZoneInfo("Etc/UTC")
    busy = []
    for event in account.events:
        if not _counts(account, event) or event.free_busy_status() not in BUSY_STATUSES:
            continue
        if calendar_ids is not None and event.calendar_id not in calendar_ids:
            continue
        span = interval(event, tz)
        if span is not None:
            busy.append(span)
    return busy
