"""Reading and writing events: query parsing, filtering and upsert validation, without HTTP."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.datastructures import MultiDict

from sandbox.models import Account, Event
from sandbox.serialize import event_json
from sandbox.times import (
    format_time,
    parse_date,
    parse_date_or_time,
    parse_query_time,
    parse_time,
)
from sandbox.web import parse_bool

Errors = dict[str, list[dict[str, str]]]

# Without from/to Cronofy reads a window around today; 16 days back and 201 ahead is the
# window its documentation describes, so the sandbox uses it too.
DEFAULT_DAYS_BACK = 16
DEFAULT_DAYS_AHEAD = 201
# The query's booleans and their defaults.
EVENT_FLAGS: Mapping[str, bool] = {
    "include_managed": False,
    "only_managed": False,
    "include_deleted": False,
    "include_moved": False,
    "include_geo": False,
    "localized_times": False,
}
MAX_SUMMARY = 1024
MAX_DESCRIPTION = 4096
TRANSPARENCIES = ("opaque", "transparent")


def _error(key: str, description: str) -> list[dict[str, str]]:
    return [{"key": f"errors.{key}", "description": description}]


def required_error() -> list[dict[str, str]]:
    """The documented error entry for a missing field."""
    return _error("required", "required")


def zone(tzid: str) -> ZoneInfo | None:
    """The time zone for an IANA id, or None for anything the tz database does not know."""
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class EventQuery:
    """A validated GET /v1/events request."""

    tzid: str
    tz: ZoneInfo
    first_day: date  # `from`
    end_day: date  # `to`, exclusive
    calendar_ids: tuple[str, ...]
    flags: dict[str, bool]
    last_modified: datetime | None
    window_given: bool  # from or to was sent: managed events are bound by the window only then

    def window(self) -> tuple[datetime, datetime]:
        """The UTC instants the day boundaries of from/to fall on, in the requested zone."""
        start = datetime.combine(self.first_day, time(0), self.tz).astimezone(UTC)
        end = datetime.combine(self.end_day, time(0), self.tz).astimezone(UTC)
        return start, end


def parse_query(
    args: MultiDict[str, str],
    now: datetime,
    *,
    flags: Mapping[str, bool] = EVENT_FLAGS,
    days_back: int = DEFAULT_DAYS_BACK,
) -> EventQuery | Errors:
    """Validate the query string; field errors in Cronofy's 422 shape otherwise.

    `flags` are the booleans this endpoint reads, with their defaults, and `days_back` how
    far back `from` defaults to: free/busy (sandbox/free_busy.py) reads the same query with
    its own.
    """
    errors: Errors = {}
    tzid = args.get("tzid", "")
    tz = zone(tzid) if tzid else None
    if not tzid:
        errors["tzid"] = _error("required", "required")
    elif tz is None:
        errors["tzid"] = _error("invalid", "is not a known time zone")
    today = now.astimezone(tz or UTC).date()
    days: dict[str, date] = {}
    for name, default in (
        ("from", today - timedelta(days=days_back)),
        ("to", today + timedelta(days=DEFAULT_DAYS_AHEAD)),
    ):
        text = args.get(name)
        # Dates only (docs/cronofy.md §7); a time here is refused rather than guessed at.
        parsed = default if text is None else parse_date(text)
        if parsed is None:
            errors[name] = _error("invalid", "must be a date (YYYY-MM-DD)")
        else:
            days[name] = parsed
    if len(days) == 2 and days["to"] <= days["from"]:
        errors["to"] = _error("invalid", "must be after from")
    values: dict[str, bool] = {}
    for name, unset in flags.items():
        value = parse_bool(args[name]) if name in args else unset
        if value is None:
            errors[name] = _error("invalid", "must be true or false")
        values[name] = bool(value)
    last_modified = None
    if "last_modified" in args:
        last_modified = parse_query_time(args["last_modified"])
        if last_modified is None:
            errors["last_modified"] = _error("invalid", "must be a UTC time")
    if errors or tz is None:
        return errors
    return EventQuery(
        tzid=tzid,
        tz=tz,
        first_day=days["from"],
        end_day=days["to"],
        calendar_ids=tuple(args.getlist("calendar_ids[]")),
        flags=values,
        last_modified=last_modified,
        window_given="from" in args or "to" in args,
    )


def overlaps(event: Event, query: EventQuery) -> bool:
    """Whether the event falls in the query's days (a managed one's window aside)."""
    start, end = parse_date_or_time(event.start), parse_date_or_time(event.end)
    if isinstance(start, datetime) and isinstance(end, datetime):
        window_start, window_end = query.window()
        return start < window_end and end > window_start
    # All-day events are floating dates: compare them with the requested days directly.
    assert isinstance(start, date) and isinstance(end, date)
    return start < query.end_day and end > query.first_day


def sort_key(event: Event, tz: ZoneInfo) -> tuple[datetime, str]:
    """Oldest first, an all-day event from midnight in `tz`; the uid breaks ties."""
    start = parse_date_or_time(event.start)
    if not isinstance(start, datetime):
        assert start is not None
        start = datetime.combine(start, time(0), tz)
    return start, event.event_uid


def unknown_calendars(account: Account, calendar_ids: Sequence[str]) -> Errors:
    """A 422's errors naming the ids that are not this account's calendars; {} if none."""
    unknown = [c for c in calendar_ids if account.calendar(c) is None]
    if not unknown:
        return {}
    # Strict reading: a calendar id that is not this account's is an error, not ignored.
    return {"calendar_ids": _error("invalid", "unknown calendar: " + ", ".join(unknown))}


def select(account: Account, query: EventQuery) -> list[dict[str, Any]] | Errors:
    """The account's events matching the query, oldest first, as Cronofy's JSON."""
    unknown = unknown_calendars(account, query.calendar_ids)
    if unknown:
        return unknown
    flags = query.flags
    chosen = []
    for event in account.events:
        managed = event.event_id is not None
        if query.calendar_ids and event.calendar_id not in query.calendar_ids:
            continue
        if event.deleted and not flags["include_deleted"]:
            continue
        # Events the app created itself are hidden unless it asks for them.
        if managed and not (flags["include_managed"] or flags["only_managed"]):
            continue
        if flags["only_managed"] and not managed:
            continue
        if query.last_modified:
            # Only changes made at the provider count: a client knows its own writes.
            changed = event.last_external_change()
            moment = parse_time(changed) if changed else None
            if moment is None or moment < query.last_modified:
                continue
        if (managed and not query.window_given) or overlaps(event, query):
            chosen.append(event)
    chosen.sort(key=lambda e: sort_key(e, query.tz))
    zone_for_times = query.tz if flags["localized_times"] else None
    return [event_json(account, event, zone_for_times) for event in chosen]


@dataclass(frozen=True)
class EventInput:
    """A validated event body of POST /v1/calendars/{id}/events."""

    event_id: str
    summary: str
    description: str
    start: str
    end: str
    tzid: str
    location: str | None
    transparency: str = "opaque"

    def apply(self, event: Event, now: datetime) -> None:
        """Write these values onto an event (insert or update), reviving a deleted one.

        An upsert replaces the event, so a body without `transparency` makes it opaque again.
        """
        event.summary, event.description = self.summary, self.description
        event.start, event.end, event.tzid = self.start, self.end, self.tzid
        event.location, event.deleted = self.location, False
        event.transparency = self.transparency
        event.updated = format_time(now)


def _boundary(body: dict[str, Any], name: str, errors: Errors) -> date | datetime | None:
    value = body.get(name)
    if value is None:
        errors[name] = _error("required", "required")
        return None
    parsed = parse_date_or_time(value) if isinstance(value, str) else None
    if parsed is None:
        errors[name] = _error("invalid", "must be a date or an ISO 8601 time with a zone")
    return parsed


def _text(body: dict[str, Any], name: str, limit: int, errors: Errors, required: bool) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            errors[name] = _error("required", "required")
        return ""
    if not isinstance(value, str):
        errors[name] = _error("invalid", "must be a string")
        return ""
    if len(value) > limit:
        errors[name] = _error("too_long", f"must be at most {limit} characters")
    return value


def parse_upsert(body: object) -> EventInput | Errors:
    """Validate an upsert body; field errors in Cronofy's 422 shape otherwise."""
    if not isinstance(body, dict):
        return {"body": _error("invalid", "must be a JSON object")}
    errors: Errors = {}
    event_id = _text(body, "event_id", 1024, errors, required=True)
    summary = _text(body, "summary", MAX_SUMMARY, errors, required=True)
    description = _text(body, "description", MAX_DESCRIPTION, errors, required=False)
    start, end = _boundary(body, "start", errors), _boundary(body, "end", errors)
    if start is not None and end is not None:
        if isinstance(start, datetime) != isinstance(end, datetime):
            errors["end"] = _error("invalid", "must be a date when start is a date, else a time")
        elif end < start:
            errors["end"] = _error("invalid", "must not be before start")
    tzid = body.get("tzid", "Etc/UTC")
    if not isinstance(tzid, str) or zone(tzid) is None:
        errors["tzid"] = _error("invalid", "is not a known time zone")
    location = body.get("location")
    place = None
    if location is not None:
        place = location.get("description") if isinstance(location, dict) else None
        if not isinstance(place, str):
            errors["location"] = _error("invalid", "must be an object with a description")
    transparency = body.get("transparency", "opaque")
    if transparency not in TRANSPARENCIES:
        errors["transparency"] = _error("invalid", "must be opaque or transparent")
    if errors:
        return errors
    assert start is not None and end is not None

    def wire(value: date | datetime) -> str:
        return format_time(value) if isinstance(value, datetime) else value.isoformat()

    return EventInput(
        event_id, summary, description, wire(start), wire(end), tzid, place, transparency
    )
