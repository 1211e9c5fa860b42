"""The calendars the event pages offer, from the local copy, without building the agenda.

The new-event form lists the writable calendars, named as the dashboard names them (with
whose each is when two share a name); when there are none, the page says per connection
what stops it, with the way forward. The list of events created here names their
calendars the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.dashboard.connection import connection_views
from app.dashboard.views import ConnectionView
from app.models import User
from app.sync.copy import ConnectionCopy, read_copies
from app.timezones import user_time_zone


@dataclass(frozen=True)
class WritableCalendar:
    """A calendar the new-event form offers."""

    connection_id: int
    connection_label: str  # the group it is listed under
    calendar_id: str
    label: str  # its name, and whose it is when the name alone is ambiguous

    @property
    def value(self) -> str:
        """The form's value for it: which connection, and which of its calendars."""
        return f"{self.connection_id}:{self.calendar_id}"


@dataclass(frozen=True)
class EventCalendars:
    """What the event pages know of the user's calendars."""

    # Each connection, with its notices: why it offers no calendar, when it offers none.
    connections: tuple[ConnectionView, ...]
    writable: tuple[WritableCalendar, ...]
    time_zone: str  # the user's, which the form's times are in

    @property
    def syncing(self) -> bool:
        """Whether a first sync is still awaited (the calendars are on their way)."""
        return any(c.syncing for c in self.connections)

    def labels(self) -> dict[tuple[int, str], str]:
        """Every listed calendar's label, by (connection id, calendar id)."""
        return {(v.id, c.calendar_id): c.label for v in self.connections for c in v.calendars}


def event_calendars(user: User) -> EventCalendars:
    """The user's calendars from the local copy; stale copies are refreshed in the
    background, as for the dashboard."""
    now = datetime.now(UTC)
    copies = read_copies(user, now)
    time_zone = user_time_zone(user, [copy.default_tzid for copy in copies])
    return calendars_of(copies, time_zone, now)


def calendars_of(
    copies: Sequence[ConnectionCopy], time_zone: str, now: datetime
) -> EventCalendars:
    """The event pages' calendars for these copies (a pure function, like the dashboard's)."""
    connections = connection_views(copies, ZoneInfo(time_zone), now)
    writable = tuple(
        WritableCalendar(view.id, view.label, calendar.calendar_id, calendar.label)
        for view in connections
        for calendar in view.writable_calendars
    )
    return EventCalendars(connections, writable, time_zone)
