"""The body of `POST /v1/availability`, validated into plain values, or 422 errors.

Only the request's shape and limits are checked here; whether the client may ask about each
`sub`, and whether its `calendar_ids` are that account's, needs the state, so the API module
checks those. Limits: at most 50 query periods, each after its start and at most 35 days
long; a duration of 1 to 1440 minutes (Cronofy's documented limits); buffers of 0 to 1440
minutes, a start interval of 1 to 1440, `max_results` of 1 to 512, 256 when not given (the
sandbox's choices). Times are ISO 8601 with whole seconds and a zone, the `T` or a space
between date and time.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sandbox.availability import FORMATS, Group, Member, Query
from sandbox.events import Errors
from sandbox.times import Interval, parse_query_time

MAX_PERIODS = 50
MAX_PERIOD = timedelta(days=35)
MAX_MINUTES = 1440
MAX_RESULTS, DEFAULT_RESULTS = 512, 256


class Invalid(ValueError):
    """One field is wrong: `field` names it, the message says how."""

    def __init__(self, field: str, description: str, key: str = "invalid") -> None:
        super().__init__(description)
        self.field, self.key = field, key


@dataclass(frozen=True)
class MemberSpec:
    """A member as asked for: whose calendars (None: all of them), and their own periods."""

    sub: str
    calendar_ids: tuple[str, ...] | None = None
    available: tuple[Interval, ...] | None = None


@dataclass(frozen=True)
class GroupSpec:
    members: tuple[MemberSpec, ...]
    required: int


@dataclass(frozen=True)
class AvailabilityRequest:
    """A validated availability request, before anyone's calendars are read."""

    groups: tuple[GroupSpec, ...]
    periods: tuple[Interval, ...]
    duration: timedelta
    before: timedelta
    after: timedelta
    start_interval: timedelta | None
    response_format: str
    max_results: int

    def members(self) -> list[MemberSpec]:
        """Every member of every group, in request order."""
        return [member for group in self.groups for member in group.members]

    def query(self, busy_of: Callable[[MemberSpec], Sequence[Interval]]) -> Query:
        """The computation's input, once `busy_of` tells when each member is busy."""
        groups = tuple(
            Group(
                tuple(Member(m.sub, tuple(busy_of(m)), m.available) for m in group.members),
                group.required,
            )
            for group in self.groups
        )
        return Query(
            groups=groups,
            periods=self.periods,
            duration=self.duration,
            before=self.before,
            after=self.after,
            start_interval=self.start_interval,
            response_format=self.response_format,
            max_results=self.max_results,
        )


def error(field: str, description: str, key: str = "invalid") -> Errors:
    """Cronofy's 422 errors for one field."""
    return {field: [{"key": f"errors.{key}", "description": description}]}


def _minutes(value: object, field: str, low: int, high: int = MAX_MINUTES) -> timedelta:
    """`{"minutes": N}` with N a whole number from `low` to `high`."""
    minutes = value.get("minutes") if isinstance(value, dict) else None
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        raise Invalid(field, f'must be {{"minutes": N}} with N from {low} to {high}')
    return timedelta(minutes=minutes)


def _periods(value: object, field: str) -> tuple[Interval, ...]:
    if not isinstance(value, list) or not value:
        raise Invalid(field, "must be a list of periods with a start and an end")
    if len(value) > MAX_PERIODS:
        raise Invalid(field, f"must have at most {MAX_PERIODS} periods")
    periods = []
    for number, period in enumerate(value, start=1):
        bounds = [
            period.get(name) if isinstance(period, dict) else None for name in ("start", "end")
        ]
        start, end = (parse_query_time(b) if isinstance(b, str) else None for b in bounds)
        if start is None or end is None:
            raise Invalid(field, f"period {number}: start and end must be ISO 8601 times")
        if end <= start:
            raise Invalid(field, f"period {number}: end must be after start")
        if end - start > MAX_PERIOD:
            raise Invalid(field, f"period {number}: must be at most 35 days long")
        periods.append((start, end))
    return tuple(periods)


def _member(value: object, where: str) -> MemberSpec:
    if not isinstance(value, dict) or not isinstance(value.get("sub"), str) or not value["sub"]:
        raise Invalid("participants", f"{where}: each member must be an object with a sub")
    calendar_ids = value.get("calendar_ids")
    if calendar_ids is not None and (
        not isinstance(calendar_ids, list) or not all(isinstance(c, str) for c in calendar_ids)
    ):
        raise Invalid("participants", f"{where}: calendar_ids must be a list of calendar ids")
    available = value.get("available_periods")
    return MemberSpec(
        value["sub"],
        None if calendar_ids is None else tuple(calendar_ids),
        None if available is None else _periods(available, "participants"),
    )


def _group(value: object, number: int) -> GroupSpec:
    where = f"group {number}"
    members = value.get("members") if isinstance(value, dict) else None
    if not isinstance(members, list) or not members:
        raise Invalid("participants", f"{where}: members must be a non-empty list")
    specs = tuple(_member(m, where) for m in members)
    assert isinstance(value, dict)
    required = value.get("required", "all")
    if required == "all":
        return GroupSpec(specs, len(specs))
    if isinstance(required, bool) or not isinstance(required, int):
        raise Invalid("participants", f'{where}: required must be "all" or a number')
    if not 1 <= required <= len(specs):
        raise Invalid("participants", f"{where}: required must be from 1 to {len(specs)}")
    return GroupSpec(specs, required)


def _period_field(body: dict[str, Any]) -> str:
    """`query_periods`, or `available_periods`: the older name, which pycronofy sends."""
    if "query_periods" in body and "available_periods" in body:
        raise Invalid("query_periods", "send query_periods or available_periods, not both")
    return "available_periods" if "available_periods" in body else "query_periods"


def parse(body: object) -> AvailabilityRequest | Errors:
    """Validate a request body; Cronofy's 422 errors for the first wrong field otherwise."""
    if not isinstance(body, dict):
        return error("body", "must be a JSON object")
    try:
        field = _period_field(body)
        for name in ("participants", "required_duration", field):
            if body.get(name) in (None, [], {}):
                raise Invalid(name, "required", key="required")
        if not isinstance(body["participants"], list):
            raise Invalid("participants", "must be a list of groups")
        groups = tuple(_group(g, n) for n, g in enumerate(body["participants"], start=1))
        duration = _minutes(body["required_duration"], "required_duration", 1)
        periods = _periods(body[field], field)
        buffer = body.get("buffer") or {}
        if not isinstance(buffer, dict):
            raise Invalid("buffer", 'must be {"before": {"minutes": N}, "after": {"minutes": N}}')
        before, after = (
            _minutes(buffer[side], "buffer", 0) if side in buffer else timedelta(0)
            for side in ("before", "after")
        )
        interval = body.get("start_interval")
        start_interval = None if interval is None else _minutes(interval, "start_interval", 1)
        response_format = body.get("response_format", "periods")
        if response_format not in FORMATS:
            raise Invalid("response_format", "must be periods, slots or overlapping_slots")
        max_results = body.get("max_results", DEFAULT_RESULTS)
        if (
            isinstance(max_results, bool)
            or not isinstance(max_results, int)
            or not 1 <= max_results <= MAX_RESULTS
        ):
            raise Invalid("max_results", f"must be a number from 1 to {MAX_RESULTS}")
    except Invalid as exc:
        return error(exc.field, str(exc), exc.key)
    return AvailabilityRequest(
        groups, periods, duration, before, after, start_interval, response_format, max_results
    )
