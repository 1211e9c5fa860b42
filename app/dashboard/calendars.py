"""A connection's calendars as Cronofy lists them, in the order the dashboard shows them.

The listing is plain data, not yet view values: a calendar's colour and whose it is
depend on every connected calendar (colours.py, `shared_names`), so the Calendar values
are built only once those are known (connection.py).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.models import DataSet
from app.sync.copy import ConnectionCopy


@dataclass(frozen=True)
class ListedCalendar:
    calendar_id: str
    name: str
    primary: bool
    readonly: bool


@dataclass(frozen=True)
class ListedProfile:
    """One profile's calendars as Cronofy listed them: primary first, then by name."""

    profile_id: str
    provider_name: str
    profile_name: str
    calendars: tuple[ListedCalendar, ...]


def listed_profiles(copy: ConnectionCopy) -> tuple[ListedProfile, ...]:
    """The copy's calendars by profile; none while it needs reconnecting (its copy is gone,
    or what is left of it is not shown as this connection's own)."""
    part = copy.part(DataSet.CALENDARS)
    if copy.needs_reconnect or not part.loaded or not isinstance(part.data, list):
        return ()
    return group_by_profile(part.data)


def group_by_profile(calendars: Iterable[dict[str, Any]]) -> tuple[ListedProfile, ...]:
    """Group Cronofy's calendars under their profile, in the order Cronofy first names each;
    primary first within a profile, then by name; deleted ones left out."""
    profiles: dict[str, tuple[str, str]] = {}  # key -> (provider name, profile name)
    listed: dict[str, list[ListedCalendar]] = {}
    for raw in calendars:
        if raw.get("calendar_deleted"):
            continue
        key = str(raw.get("profile_id") or raw.get("profile_name") or "")
        # A profile is named by its first calendar, whatever the later ones say.
        profiles.setdefault(
            key,
            (
                str(raw.get("provider_name") or "calendar"),
                str(raw.get("profile_name") or "Calendar account"),
            ),
        )
        listed.setdefault(key, []).append(
            ListedCalendar(
                calendar_id=str(raw.get("calendar_id", "")),
                name=str(raw.get("calendar_name") or "Untitled calendar"),
                primary=bool(raw.get("calendar_primary")),
                readonly=bool(raw.get("calendar_readonly")),
            )
        )
    return tuple(
        ListedProfile(
            profile_id=key,
            provider_name=provider_name,
            profile_name=profile_name,
            calendars=tuple(sorted(listed[key], key=lambda c: (not c.primary, c.name.casefold()))),
        )
        for key, (provider_name, profile_name) in profiles.items()
    )


def shared_names(listings: Iterable[Iterable[ListedProfile]]) -> Mapping[str, str]:
    """Whose each calendar is (calendar id -> profile name), for the calendars whose name
    another connected calendar shares, in any letter case: two accounts' "Work" must be
    told apart in text, on the calendar and its events, not by colour alone."""
    listed = [(c, p.profile_name) for ps in listings for p in ps for c in p.calendars]
    counts = Counter(c.name.casefold() for c, _ in listed)
    return {c.calendar_id: owner for c, owner in listed if counts[c.name.casefold()] > 1}
