"""Cronofy's wire formats for times and dates: UTC, whole seconds, `Z` suffix."""

import re
from datetime import UTC, date, datetime

Interval = tuple[datetime, datetime]  # [start, end), aware UTC times

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ISO 8601 with whole seconds and an explicit zone: Cronofy's own `Z` form or a numeric offset.
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
# The same with a space for the `T`, as Cronofy's C# SDK writes query times.
_SPACED_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def format_time(moment: datetime) -> str:
    """`2026-11-28T14:30:00Z`: what Cronofy sends for every time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_timestamp(seconds: float) -> str:
    """A `time.time()` value in Cronofy's format."""
    return format_time(datetime.fromtimestamp(seconds, UTC))


def parse_date(text: str) -> date | None:
    """A `YYYY-MM-DD` date, or None when the text is anything else."""
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time(text: str) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 time with a zone, or None."""
    if not _TIME.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def parse_query_time(text: str) -> datetime | None:
    """A time in a query string: the `T` form, or the same with a space instead of the `T`."""
    if _SPACED_TIME.match(text):
        text = text.replace(" ", "T", 1)
    return parse_time(text)


def parse_date_or_time(text: str) -> date | datetime | None:
    """An event boundary: a date for all-day events, a UTC time otherwise."""
    return parse_date(text) or parse_time(text)
