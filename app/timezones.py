"""Time zones: which one a user's times are shown in, and the names this machine knows.

Neutral ground: the dashboard, the event pages, the settings form and the connect flow
(which keeps an account's zone) all use these, so they live outside any one blueprint.
"""

from collections.abc import Iterable
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.models import User

DEFAULT = "Etc/UTC"


def user_time_zone(user: User, account_zones: Iterable[str | None] | None = None) -> str:
    """The user's own choice, else their first calendar account's, else UTC.

    `account_zones` are the time zones of the user's connections, oldest first, for a caller
    that has loaded them already (the dashboard, from its copies): without them, the
    connections are read again.
    """
    if account_zones is None:
        account_zones = [c.default_tzid for c in user.connections]
    candidates = [user.time_zone, *account_zones]
    return next((tz for tz in candidates if tz and is_time_zone(tz)), DEFAULT)


def is_time_zone(name: str) -> bool:
    """An IANA time zone name this machine knows (e.g. Europe/London)."""
    if name not in all_time_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def all_time_zones() -> list[str]:
    return sorted(available_timezones())


@cache
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in all_time_zones()}


def canonical_time_zone(name: str) -> str:
    """`name` as the time zone database spells it, whatever its letter case (and with spaces
    for underscores): "europe/london" is Europe/London. Unknown names come back as they are."""
    folded = name.strip().replace(" ", "_").casefold()
    return _by_folded_name().get(folded, name)
