"""Find a time: the availability request, and its answers by day, as pure functions.

The page (app/events/find.py) gathers the choices and calls Cronofy; everything here is
plain values in and out, so the awkward instants (a change of the clocks, the end of a
year, a zone far from UTC) are tested without an app (tests/test_find_a_time.py).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.events.times import cronofy_instant, cronofy_text, instant

JSON = dict[str, Any]

# Cronofy's limits for one availability request: periods up to 35 days, at most 50.
MAX_DAYS = 35
MAX_PERIODS = 50
# Slots start on the half hour (or on each step of a shorter meeting): a short list to read.
START_INTERVAL = 30
# Cronofy answers at most this many slots (256 unless asked): 35 days of working hours in
# half hours can hold more, so the page asks for the most and says when it was reached.
MAX_RESULTS = 512
# free/busy statuses that make a person unavailable; "free" and "unknown" do not.
BUSY_STATUSES = frozenset({"busy", "tentative"})


def may_read_free_busy(scopes: frozenset[str]) -> bool:
    """Whether Cronofy answers free/busy and availability for a connection with `scopes`.

    Cronofy asks for `read_free_busy`; `read_events` reads more than that and is taken to
    imply it (the sandbox's reading too: app/scopes.py).
    """
    return "read_free_busy" in scopes or "read_events" in scopes


@dataclass(frozen=True)
class Period:
    """One day's working hours, as UTC instants."""

    day: date  # in the user's zone
    start: datetime
    end: datetime


def query_periods(
    first: date, last: date, day_start: time, day_end: time, tz: ZoneInfo, now: datetime
) -> list[Period]:
    """Each day's working-hours window from `first` to `last` (inclusive), in UTC.

    A day whose start or end the clocks skip has no such window (moving it would offer
    hours the person did not ask for), so it is skipped, as is a day whose window is
    empty or already over. A window already under way starts now
    (on the next whole minute): Cronofy offers no slot in the past.
    """
    periods: list[Period] = []
    earliest = (now + timedelta(minutes=1)).replace(second=0, microsecond=0).astimezone(UTC)
    day = first
    while day <= last and len(periods) < MAX_PERIODS:
        start, end = instant(day, day_start, tz), instant(day, day_end, tz)
        if start is not None and end is not None:
            start = max(start, earliest)
            if end > start:
                periods.append(Period(day, start, end))
        day += timedelta(days=1)
    return periods


def availability_request(
    subs: Sequence[str], duration: int, buffer: int, periods: Sequence[Period]
) -> JSON:
    """The body of `POST /v1/availability`: when are all of `subs` free for `duration`?

    `buffer` minutes are kept free on both sides of the meeting. Slots, not periods: the
    page offers meetings to book, each exactly `duration` long.
    """
    return {
        "participants": [{"members": [{"sub": sub} for sub in subs], "required": "all"}],
        "required_duration": {"minutes": duration},
        "query_periods": [
            {"start": cronofy_text(p.start), "end": cronofy_text(p.end)} for p in periods
        ],
        "buffer": {"before": {"minutes": buffer}, "after": {"minutes": buffer}},
        "start_interval": {"minutes": min(START_INTERVAL, duration)},
        "response_format": "slots",
        "max_results": MAX_RESULTS,
    }


@dataclass(frozen=True)
class Slot:
    """A free slot, in the user's zone."""

    start: datetime
    end: datetime

    @property
    def bookable(self) -> bool:
        """Whether the new-event form can name its start: its wall-clock time reads as the
        first occurrence, so a slot in the second run of a repeated hour (the clocks went
        back) would be booked an hour early. Such a slot is shown but not linked."""
        return self.start.fold == 0


@dataclass(frozen=True)
class Busy:
    """A busy block within one day's working hours, in the user's zone, and where it sits
    on that day's strip (percentages of the window)."""

    start: datetime
    end: datetime
    left: float
    width: float


@dataclass(frozen=True)
class Day:
    """One day of the range: its free slots, and (when free/busy was read) its busy blocks."""

    day: date
    slots: tuple[Slot, ...]
    busy: tuple[Busy, ...] | None  # None: not known (free/busy failed or was not asked)

    @property
    def busy_text(self) -> str:
        """The strip's text alternative: the busy times, never what they are."""
        if not self.busy:
            return "Free all through the working hours"
        dash = "\N{EN DASH}"  # a range of times, as the agenda writes them
        return "Busy " + ", ".join(f"{b.start:%H:%M}{dash}{b.end:%H:%M}" for b in self.busy)


def slots_by_day(
    found: Iterable[JSON],
    periods: Sequence[Period],
    tz: ZoneInfo,
    busy: Sequence[tuple[datetime, datetime]] | None = None,
) -> tuple[Day, ...]:
    """Cronofy's slots grouped by the day of each period, every period's day listed (an empty
    one says the day is taken). Unreadable slots are left out, not fatal."""
    by_day: dict[date, list[Slot]] = {p.day: [] for p in periods}
    for item in found:
        start, end = cronofy_instant(item.get("start")), cronofy_instant(item.get("end"))
        if start is None or end is None:
            continue
        local = Slot(start.astimezone(tz), end.astimezone(tz))
        for period in periods:
            if period.start <= start < period.end:
                by_day[period.day].append(local)
                break
    return tuple(
        Day(
            p.day,
            # In UTC: same-zone comparisons ignore `fold`, so a repeated hour would not sort.
            tuple(sorted(by_day[p.day], key=lambda s: s.start.astimezone(UTC))),
            None if busy is None else busy_strip(busy, p, tz),
        )
        for p in periods
    )


def busy_intervals(blocks: Iterable[JSON], tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The busy and tentative blocks of a free/busy read as UTC intervals.

    An all-day block (dates, end exclusive) is busy from midnight to midnight in `tz`,
    the user's zone: close enough for a strip that explains why a slot is missing.
    """
    intervals: list[tuple[datetime, datetime]] = []
    for block in blocks:
        if block.get("free_busy_status") not in BUSY_STATUSES:
            continue
        start, end = _bound(block.get("start"), tz), _bound(block.get("end"), tz)
        if start is not None and end is not None and end > start:
            intervals.append((start, end))
    return intervals


def busy_strip(
    intervals: Iterable[tuple[datetime, datetime]], period: Period, tz: ZoneInfo
) -> tuple[Busy, ...]:
    """The busy time inside one day's window, overlaps merged, placed on its strip."""
    clipped = sorted(
        (max(s, period.start), min(e, period.end))
        for s, e in intervals
        if s < period.end and e > period.start
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    length = (period.end - period.start).total_seconds()
    return tuple(
        Busy(
            start.astimezone(tz),
            end.astimezone(tz),
            round(100 * (start - period.start).total_seconds() / length, 2),
            round(100 * (end - start).total_seconds() / length, 2),
        )
        for start, end in merged
    )


def _bound(value: object, tz: ZoneInfo) -> datetime | None:
    """A free/busy block's start or end: an instant, or a date's midnight in `tz`."""
    if isinstance(value, str) and "T" not in value:
        try:
            return datetime.combine(date.fromisoformat(value), time(), tz).astimezone(UTC)
        except ValueError:
            return None
    return cronofy_instant(value)
