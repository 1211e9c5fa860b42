"""Common free time, as Cronofy's `POST /v1/availability` finds it: pure functions over intervals.

Nothing here knows accounts, calendars or HTTP. Each member arrives as the intervals they
are busy (their busy events, already read from their calendars by sandbox/scheduling.py) and,
optionally, the only intervals they are willing to meet in (a member's own
`available_periods`). The rules, which sandbox/README.md states for users:

- A member is free inside the query periods except where busy. Buffers widen each busy
  interval: `before` is time a meeting needs free before it, so it lengthens the end of each
  busy interval; `after` is time needed after the meeting, so it moves each start earlier.
  The edges of a query period are not events: no buffer applies there.
- Overlapping or touching query periods are joined into one.
- A period is available when every group has at least its `required` number of members
  free throughout it, and it lasts at least the required duration. Periods are as long as
  one choice of members allows; with a group that needs fewer than all its members, two
  periods may overlap (one person free 14:30-16:00, another 15:45-18:00). Each lists the
  members free throughout it.
- With a start interval, periods start on its boundaries. Boundaries, and the slots'
  starts, are whole multiples of the step counted from 1970-01-01T00:00Z, so a step that
  divides a day (15, 30, 60 minutes) falls on the clock's quarter, half or whole hours in UTC.
- Slots are `duration` long, start on multiples of the start interval (else of the
  duration), and lie inside an available period: `slots` follow one another without
  overlapping, `overlapping_slots` start at every step.
"""

import bisect
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandbox.times import Interval

FORMATS = ("periods", "slots", "overlapping_slots")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Member:
    """One participant: who, when busy, and (when given) the only times they may meet."""

    sub: str
    busy: tuple[Interval, ...] = ()
    available: tuple[Interval, ...] | None = None


@dataclass(frozen=True)
class Group:
    """Members of whom at least `required` must be free ("all" is `len(members)`)."""

    members: tuple[Member, ...]
    required: int


@dataclass(frozen=True)
class Query:
    """A validated availability request, reduced to intervals and durations."""

    groups: tuple[Group, ...]
    periods: tuple[Interval, ...]
    duration: timedelta
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)
    start_interval: timedelta | None = None
    response_format: str = "periods"
    max_results: int = 256


@dataclass(frozen=True)
class Found:
    """An available period or slot, and the members free throughout it."""

    start: datetime
    end: datetime
    subs: tuple[str, ...]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same time; empty ones are dropped."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(frame: Interval, busy: Sequence[Interval]) -> list[Interval]:
    """The parts of `frame` outside `busy` (sorted and disjoint, as `merge` gives them)."""
    free, cursor = [], frame[0]
    for start, end in busy:
        if end <= cursor or start >= frame[1]:
            continue
        if start > cursor:
            free.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < frame[1]:
        free.append((cursor, frame[1]))
    return free


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The time in both lists (each sorted and disjoint)."""
    both, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            both.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return both


def align(moment: datetime, step: timedelta) -> datetime:
    """The first multiple of `step` (counted from 1970-01-01T00:00Z) at or after `moment`."""
    whole = step.total_seconds()
    count = -(-(moment - _EPOCH).total_seconds() // whole)  # ceiling division
    return _EPOCH + timedelta(seconds=count * whole)


def free_time(
    member: Member, frame: Interval, before: timedelta, after: timedelta
) -> list[Interval]:
    """When `member` is free inside `frame`: outside their buffered busy time, and inside
    their own available periods if they have any."""
    busy = merge((start - after, end + before) for start, end in member.busy)
    free = subtract(frame, busy)
    if member.available is not None:
        free = intersect(free, merge(member.available))
    return free


class _Frame:
    """One joined query period and every member's free time inside it."""

    def __init__(self, query: Query, frame: Interval) -> None:
        self.query, self.frame = query, frame
        self.free = {
            (g, m): free_time(member, frame, query.before, query.after)
            for g, group in enumerate(query.groups)
            for m, member in enumerate(group.members)
        }
        self._starts = {key: [s for s, _ in free] for key, free in self.free.items()}

    def free_until(self, key: tuple[int, int], moment: datetime) -> datetime | None:
        """The end of the member's free interval holding `moment`; None if busy then."""
        index = bisect.bisect_right(self._starts[key], moment) - 1
        if index >= 0 and self.free[key][index][1] > moment:
            return self.free[key][index][1]
        return None

    def longest_from(self, moment: datetime) -> datetime | None:
        """How long from `moment` every group keeps `required` members free: each group's
        best choice is the members who stay free longest. None if some group lacks them."""
        end = self.frame[1]
        for g, group in enumerate(self.query.groups):
            ends = [self.free_until((g, m), moment) for m in range(len(group.members))]
            held = [e for e in ends if e is not None]
            if len(held) < group.required:
                return None
            end = min(end, heapq.nlargest(group.required, held)[-1])
        return end

    def subs_free(self, start: datetime, end: datetime) -> tuple[str, ...]:
        """The members free throughout [start, end), in request order, each sub once."""
        subs: dict[str, None] = {}
        for g, group in enumerate(self.query.groups):
            for m, member in enumerate(group.members):
                until = self.free_until((g, m), start)
                if until is not None and until >= end:
                    subs[member.sub] = None
        return tuple(subs)

    def periods(self, step: timedelta | None) -> list[Interval]:
        """The longest available periods at least `duration` long, starting on `step`."""
        starts = {self.frame[0]} | {s for free in self.free.values() for s, _ in free}
        found = []
        for start in starts:
            begin = align(start, step) if step else start
            if begin >= self.frame[1]:
                continue
            end = self.longest_from(begin)
            if end is not None and end - begin >= self.query.duration:
                found.append((begin, end))
        # Keep only periods no other one contains.
        kept: list[Interval] = []
        for begin, end in sorted(found, key=lambda p: (p[0], -p[1].timestamp())):
            if not kept or end > kept[-1][1]:
                kept.append((begin, end))
        return kept

    def slots(self) -> list[Interval]:
        """Slots of `duration` inside the available periods, per the response format."""
        query = self.query
        step = query.start_interval or query.duration
        starts: set[datetime] = set()
        for begin, end in self.periods(None):
            moment = align(begin, step)
            while moment + query.duration <= end:
                starts.add(moment)
                moment += step
        chosen: list[Interval] = []
        for moment in sorted(starts):
            if query.response_format == "slots" and chosen and moment < chosen[-1][1]:
                continue
            chosen.append((moment, moment + query.duration))
        return chosen


def find(query: Query) -> list[Found]:
    """The available periods or slots of `query`, earliest first, at most `max_results`."""
    found = []
    for frame in merge(query.periods):
        within = _Frame(query, frame)
        if query.response_format == "periods":
            intervals = within.periods(query.start_interval)
        else:
            intervals = within.slots()
        found += [Found(start, end, within.subs_free(start, end)) for start, end in intervals]
    found.sort(key=lambda f: (f.start, f.end, f.subs))
    return found[: query.max_results]
