"""The agenda: Cronofy's events as days in the user's time zone, saying which are known.

Pure functions of the copy (app/sync/copy.py), the user's time zone and the day: an event
is placed on the day it starts (or the first shown day it continues into); a day is known
only when every connection that may read events has them for all of it, so an unknown day
never reads as a free one.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.dashboard.views import AgendaEvent, Calendar, ConnectionView, Day
from app.models import DataSet
from app.sync.copy import ConnectionCopy

DAYS_SHOWN = 7


@dataclass(frozen=True)
class CreatedHere:
    """This app's record of an event it created (a ManagedEvent), by Cronofy event id."""

    id: int
    connection_id: int
    event_id: str


def agenda_events(
    copy: ConnectionCopy,
    view: ConnectionView,
    calendars: Mapping[str, Calendar],
    created: Mapping[str, CreatedHere],
    tz: ZoneInfo,
) -> tuple[AgendaEvent, ...]:
    """The copy's events that can be read, in the user's time zone; deleted ones left out.

    `view` is the connection's own view (its calendars name the events); `calendars` are
    all the user's calendars by id (an event takes its calendar's colour and account);
    `created` are the events this app created, by Cronofy event id.
    """
    events = copy.part(DataSet.EVENTS)
    if copy.needs_reconnect or not events.loaded or not isinstance(events.data, dict):
        return ()
    names = {c.calendar_id: c.name for c in view.calendars}
    return tuple(
        event
        for raw in events.data.get("events") or []
        if isinstance(raw, dict)
        and (event := agenda_event(raw, copy, names, calendars, created, tz)) is not None
    )


def agenda_event(
    raw: dict[str, Any],
    copy: ConnectionCopy,
    names: Mapping[str, str],
    calendars: Mapping[str, Calendar],
    created: Mapping[str, CreatedHere],
    tz: ZoneInfo,
) -> AgendaEvent | None:
    """One of Cronofy's events as the agenda shows it; None if deleted or unreadable."""
    if raw.get("deleted"):
        return None
    times = parse_event_times(raw, tz)
    if times is None:
        return None
    start, end = times
    event_id = raw.get("event_id")  # only events this app upserted carry one
    local = created.get(event_id) if isinstance(event_id, str) else None
    if local is not None and local.connection_id != copy.id:
        local = None  # the same id at another connection is not this record's event
    calendar_id = str(raw.get("calendar_id"))
    calendar = calendars.get(calendar_id)
    return AgendaEvent(
        summary=str(raw.get("summary") or "(no title)"),
        calendar_id=calendar_id,
        calendar_name=names.get(calendar_id, "Calendar"),
        all_day=not isinstance(start, datetime),
        start=start,
        end=end,
        managed_id=local.id if local else None,
        created_by_app=bool(event_id),
        can_delete=local is not None and "delete_event" in copy.scopes,
        colour=calendar.colour if calendar else 0,
        account=calendar.account if calendar else None,
    )


def parse_event_times(
    raw: dict[str, Any], tz: ZoneInfo
) -> tuple[datetime, datetime] | tuple[date, date] | None:
    """(start, end) in the user's time zone; dates for all-day events; None if unreadable.

    Cronofy sends a date (`2026-11-28`) for all-day events and a UTC time
    (`2026-11-28T14:30:00Z`) otherwise; with `localized_times` an object with `time`.
    """
    start, end = _when(raw.get("start")), _when(raw.get("end"))
    if start is None or end is None or type(start) is not type(end):
        return None
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start.astimezone(tz), end.astimezone(tz)
    return start, end


def _when(value: Any) -> datetime | date | None:
    if isinstance(value, dict):
        value = value.get("time")
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_days(
    events: Iterable[AgendaEvent],
    today: date,
    known: Callable[[date], bool],
    days: int = DAYS_SHOWN,
) -> tuple[Day, ...]:
    """The next `days` days from `today`, each with the events that start (or continue) on
    it, and whether it is `known`.

    A multi-day event is listed once, on the first shown day it covers.
    """
    shown = [today + timedelta(days=n) for n in range(days)]
    placed: list[list[AgendaEvent]] = [[] for _ in shown]
    for event in sorted(events, key=lambda e: e.sort_key):
        if event.last_day < today or event.first_day > shown[-1]:
            continue
        placed[(max(event.first_day, today) - today).days].append(event)
    return tuple(
        Day(day, _label(today, n), tuple(placed[n]), known(day)) for n, day in enumerate(shown)
    )


def _label(today: date, offset: int) -> str:
    day = today + timedelta(days=offset)
    name = {0: "Today", 1: "Tomorrow"}.get(offset)
    return f"{name}, {day:%A %-d %B}" if name else f"{day:%A %-d %B}"


def events_known(
    connections: Iterable[tuple[ConnectionCopy, ConnectionView]], tz: ZoneInfo
) -> Callable[[date], bool]:
    """Whether a day's events are known: every connection that may read events has them
    for all of the day (in `tz`). A connection waiting to be reconnected does not count:
    its notice says why its events are missing."""
    covers = [
        events_cover(copy)
        for copy, view in connections
        if not view.needs_reconnect and "read_events" in view.scopes
    ]

    def known(day: date) -> bool:
        start = datetime.combine(day, datetime.min.time(), tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
        return all(c is not None and c[0] <= start and end <= c[1] for c in covers)

    return known


def events_cover(copy: ConnectionCopy) -> tuple[datetime, datetime] | None:
    """The UTC instants the copy's events cover; None when no events are known."""
    events = copy.part(DataSet.EVENTS)
    if not events.loaded or not isinstance(events.data, dict):
        return None
    try:
        return (
            datetime.fromisoformat(events.data["from"]),
            datetime.fromisoformat(events.data["to"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
