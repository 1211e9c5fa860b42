"""Wall-clock times in the user's time zone, as the new-event form shows and reads them.

A date and a time of day name an instant only together with a time zone, and not always
one: when the clocks go forward an hour of wall-clock times never happens, and when they
go back an hour happens twice. These functions say which instant the form means, and
read and write instants the way Cronofy does.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def instant(day: date, clock: time, tz: ZoneInfo) -> datetime | None:
    """The instant `day` at `clock` in `tz` names, in UTC; None if the clocks skip it.

    A repeated time (the clocks went back) means its first occurrence, the one a person
    reading their calendar that morning reaches first.
    """
    local = datetime.combine(day, clock.replace(fold=0), tz)  # fold=0: the first occurrence
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # a wall-clock time inside the gap the clocks jump over
    return moment


def next_full_hour(now: datetime, tz: ZoneInfo) -> tuple[date, time]:
    """The first whole hour on the wall clock that comes after `now` and that exists.

    Counting is done in UTC and converted back, so an hour the clocks skip is never
    suggested, and a suggestion read back with `instant` is always in the future.
    """
    local = now.astimezone(tz)
    candidate = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    while True:
        candidate += timedelta(hours=1)
        wall = candidate.astimezone(tz)
        if wall.minute:  # an offset with minutes changed at this hour: back to whole hours
            wall = wall.replace(minute=0)
        read_back = instant(wall.date(), wall.time(), tz)
        if read_back is not None and read_back > now:
            return wall.date(), wall.time().replace(fold=0)


def cronofy_text(moment: datetime) -> str:
    """An instant as Cronofy's API takes it: UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cronofy_instant(value: object) -> datetime | None:
    """An instant Cronofy wrote (`…Z` or an offset), in UTC; None for anything else (an
    all-day date, say)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None
