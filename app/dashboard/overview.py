"""The whole dashboard, put together from the local copy: plain values, never tokens.

`build_overview` is a pure function of the copy (app/sync/copy.py), the records of the
events this app created, the user's time zone and the time; it makes no call and no query.
The connections are shaped first (connection.py): the agenda's events take their names,
colours and accounts from the connections' calendars (agenda.py).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from app.dashboard.agenda import CreatedHere, agenda_events, build_days, events_known
from app.dashboard.connection import connection_views
from app.dashboard.views import Overview
from app.sync.copy import ConnectionCopy


def build_overview(
    copies: Sequence[ConnectionCopy],
    created: Iterable[CreatedHere],
    time_zone: str,
    now: datetime,
) -> Overview:
    """The dashboard for these connections, at `now`, in `time_zone`."""
    tz = ZoneInfo(time_zone)
    connections = connection_views(copies, tz, now)
    calendars = {c.calendar_id: c for view in connections for c in view.calendars}
    by_event_id = {record.event_id: record for record in created}
    pairs = list(zip(copies, connections, strict=True))
    events = [
        event
        for copy, view in pairs
        for event in agenda_events(copy, view, calendars, by_event_id, tz)
    ]
    today = now.astimezone(tz).date()
    days = build_days(events, today, known=events_known(pairs, tz))
    return Overview(connections, days, time_zone, today)
