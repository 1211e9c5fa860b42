"""Turning Cronofy's events into days of an agenda in the user's time zone."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS_SHOWN = 7


@dataclass(frozen=True)
class AgendaEvent:
    """One event as the dashboard shows it."""

    summary: str
    calendar_id: str
    calendar_name: str
    all_day: bool
    start: datetime | date  # local time, or a date for all-day events
    end: datetime | date  # exclusive, like Cronofy's
    # The local ManagedEvent's id when this app created the event (it can be deleted).
    managed_id: int | None = None
    created_by_app: bool = False
    can_delete: bool = False
    colour: int = 0  # its calendar's
    account: str | None = None  # whose calendar, when its name is shared with another's

    @property
    def first_day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    @property
    def last_day(self) -> date:
        """The last day the event covers (Cronofy's end is exclusive)."""
        start, end = self.start, self.end
        if isinstance(start, datetime) and isinstance(end, datetime):
            return (end - timedelta(microseconds=1)).date() if end > start else end.date()
        return end - timedelta(days=1)  # all day: the end is the day after the last

    @property
    def multi_day(self) -> bool:
        return self.last_day > self.first_day

    @property
    def sort_key(self) -> tuple[bool, float, str]:
        start = self.start if isinstance(self.start, datetime) else None
        return (not self.all_day, start.timestamp() if start else 0, self.summary.casefold())


@dataclass
class Day:
    day: date
    label: str
    events: list[AgendaEvent] = field(default_factory=list)
    # Whether every connection's events are known for this day: an empty day that is not
    # known must never read as a free one.
    known: bool = True


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


def build_days(events: list[AgendaEvent], today: date, days: int = DAYS_SHOWN) -> list[Day]:
    """The next `days` days from `today`, each with the events that start (or continue) on it.

    A multi-day event is listed once, on the first shown day it covers.
    """
    agenda = [Day(today + timedelta(days=n), _label(today, n)) for n in range(days)]
    last = agenda[-1].day
    for event in sorted(events, key=lambda e: e.sort_key):
        if event.last_day < today or event.first_day > last:
            continue
        day = max(event.first_day, today)
        agenda[(day - today).days].events.append(event)
    return agenda


def _label(today: date, offset: int) -> str:
    day = today + timedelta(days=offset)
    name = {0: "Today", 1: "Tomorrow"}.get(offset)
    return f"{name}, {day:%A %-d %B}" if name else f"{day:%A %-d %B}"
