"""What the dashboard shows: immutable values, never tokens.

Each value is built whole, once, by a pure function of the local copy (connection.py,
agenda.py, put together by overview.py); templates read them and nothing changes them
afterwards. Every part says what it knows: fresh data, data as of a time with the reason
it is not newer, or that it was never loaded.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Calendar:
    calendar_id: str
    name: str
    primary: bool
    readonly: bool
    colour: int = 0  # one of COLOURS, the same on every page (see colours.py)
    # Whose it is (the profile's name), when another connected calendar has the same name.
    account: str | None = None

    @property
    def label(self) -> str:
        """Its name, and whose it is when the name alone is ambiguous."""
        return f"{self.name} ({self.account})" if self.account else self.name


@dataclass(frozen=True)
class Profile:
    """One linked calendar account (a Google or Apple login, say) inside a connection."""

    profile_id: str
    provider_name: str
    profile_name: str
    calendars: tuple[Calendar, ...] = ()
    connected: bool = True
    relink_url: str | None = None  # Cronofy's link to relink it, when disconnected


@dataclass(frozen=True)
class Problem:
    """Something the user should know about one part of a connection."""

    message: str
    # A scope that was not granted: offer to reconnect asking for it.
    missing_scope: str | None = None
    level: str = "warning"  # "warning" (shown as it was) or "error" (nothing to show)
    reconnect: bool = False  # offer to connect the account again


@dataclass(frozen=True)
class ConnectionView:
    """A connection as templates see it: labels, status and data, never tokens."""

    id: int
    label: str
    provider_name: str | None
    scopes: frozenset[str]
    needs_reconnect: bool = False
    reconnect_reason: str | None = None
    problems: tuple[Problem, ...] = ()
    profiles: tuple[Profile, ...] = ()
    # The first sync has not landed yet: the page says so and updates itself.
    syncing: bool = False
    # The latest refresh of its copy, in the user's time zone, and whether that was just now.
    updated_at: datetime | None = None
    updated_just_now: bool = False

    @property
    def status(self) -> tuple[str, str]:
        """The account's badge, (text, "ok" or "warning"): the worst state of its parts."""
        if self.needs_reconnect:
            return "Needs reconnecting", "warning"
        lost = sum(1 for p in self.profiles if not p.connected)
        if lost and lost == len(self.profiles):
            return "Disconnected", "warning"
        if lost:
            return f"{lost} of {len(self.profiles)} accounts disconnected", "warning"
        return "Connected", "ok"

    @property
    def calendars(self) -> tuple[Calendar, ...]:
        """Its calendars, profile by profile."""
        return tuple(c for p in self.profiles for c in p.calendars)

    @property
    def writable_calendars(self) -> tuple[Calendar, ...]:
        """The calendars this app may add events to through this connection."""
        if "create_event" not in self.scopes:
            return ()
        return tuple(c for c in self.calendars if not c.readonly)


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


@dataclass(frozen=True)
class Day:
    """One day of the agenda, with the events that start (or continue) on it."""

    day: date
    label: str
    events: tuple[AgendaEvent, ...] = ()
    # Whether every connection's events are known for this day: an empty day that is not
    # known must never read as a free one.
    known: bool = True


@dataclass(frozen=True)
class Overview:
    """The whole dashboard: the connections, the agenda's days, and the time zone."""

    connections: tuple[ConnectionView, ...]
    days: tuple[Day, ...]
    time_zone: str
    today: date

    @property
    def syncing(self) -> bool:
        """Whether any connection waits for its first sync (the page then updates itself)."""
        return any(c.syncing for c in self.connections)
