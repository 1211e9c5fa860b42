"""Shaping a connection's copy into the view the dashboard (and the event pages) show.

`connection_views` is a pure function of the copies (app/sync/copy.py), the user's time
zone and the time: no call, no query. Colours and shared names are settled across all the
connections first, so that each Calendar and Profile is built once, whole.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from app.dashboard.calendars import ListedProfile, listed_profiles, shared_names
from app.dashboard.colours import calendar_colours
from app.dashboard.problems import problems, reconnect_reason
from app.dashboard.views import Calendar, ConnectionView, Profile
from app.models import DataSet
from app.sync.copy import ConnectionCopy

# "Updated just now" rather than a time, for a refresh this recent.
JUST_NOW = timedelta(minutes=1)


def connection_views(
    copies: Sequence[ConnectionCopy], tz: ZoneInfo, now: datetime
) -> tuple[ConnectionView, ...]:
    """Every connection as the dashboard shows it, in the copies' order."""
    listings = [listed_profiles(copy) for copy in copies]
    colours = calendar_colours(
        c.calendar_id for listing in listings for p in listing for c in p.calendars
    )
    owners = shared_names(listings)
    return tuple(
        connection_view(copy, listing, tz, now, colours, owners)
        for copy, listing in zip(copies, listings, strict=True)
    )


def connection_view(
    copy: ConnectionCopy,
    listing: Sequence[ListedProfile],
    tz: ZoneInfo,
    now: datetime,
    colours: Mapping[str, int],
    owners: Mapping[str, str],
) -> ConnectionView:
    """One connection: its status, notices, and calendars by profile with their health.

    `listing` is its calendars (`listed_profiles(copy)`); `colours` and `owners` say each
    calendar's colour and, where its name is shared, whose it is.
    """
    reason = reconnect_reason(copy)
    if copy.needs_reconnect:  # its copy is gone: nothing else to say
        return ConnectionView(
            id=copy.id,
            label=copy.label,
            provider_name=copy.provider_name,
            scopes=copy.scopes,
            needs_reconnect=True,
            reconnect_reason=reason,
        )
    refreshed = [t for d in copy.granted if (t := copy.part(d).synced_at) is not None]
    latest = max(refreshed) if refreshed else None
    health = copy.part(DataSet.PROFILES)
    return ConnectionView(
        id=copy.id,
        label=copy.label,
        provider_name=copy.provider_name,
        scopes=copy.scopes,
        needs_reconnect=reason is not None,
        reconnect_reason=reason,
        problems=problems(copy, tz),
        profiles=profiles(
            listing,
            health.data if health.loaded and isinstance(health.data, list) else [],
            colours,
            owners,
        ),
        syncing=copy.awaiting_first_sync,
        updated_at=latest.astimezone(tz) if latest else None,
        updated_just_now=latest is not None and now - latest < JUST_NOW,
    )


def profiles(
    listing: Iterable[ListedProfile],
    health: Iterable[dict[str, Any]],
    colours: Mapping[str, int],
    owners: Mapping[str, str],
) -> tuple[Profile, ...]:
    """The listed profiles with their calendars, marked with their health at the provider
    (Cronofy's /v1/profiles); then the profiles that have no calendars listed."""
    listing = tuple(listing)
    known = {p.profile_id for p in listing}
    states: dict[str, tuple[bool, str | None]] = {}  # profile id -> (connected, relink URL)
    unlisted: list[Profile] = []
    for raw in health:
        profile_id = str(raw.get("profile_id") or "")
        connected = raw.get("profile_connected") is not False
        relink_url = None if connected else web_url(raw.get("profile_relink_url"))
        if profile_id in known:
            states[profile_id] = (connected, relink_url)  # the last word counts
        else:  # a profile with no calendars (or its calendars not listed)
            unlisted.append(
                Profile(
                    profile_id=profile_id,
                    provider_name=str(raw.get("provider_name") or "calendar"),
                    profile_name=str(raw.get("profile_name") or "Calendar account"),
                    connected=connected,
                    relink_url=relink_url,
                )
            )
    listed = []
    for p in listing:
        connected, relink_url = states.get(p.profile_id, (True, None))  # no word: connected
        listed.append(_profile(p, connected, relink_url, colours, owners))
    return (*listed, *unlisted)


def _profile(
    listed: ListedProfile,
    connected: bool,
    relink_url: str | None,
    colours: Mapping[str, int],
    owners: Mapping[str, str],
) -> Profile:
    return Profile(
        profile_id=listed.profile_id,
        provider_name=listed.provider_name,
        profile_name=listed.profile_name,
        calendars=tuple(
            Calendar(
                calendar_id=c.calendar_id,
                name=c.name,
                primary=c.primary,
                readonly=c.readonly,
                colour=colours.get(c.calendar_id, 0),
                account=owners.get(c.calendar_id),
            )
            for c in listed.calendars
        ),
        connected=connected,
        relink_url=relink_url,
    )


def web_url(value: Any) -> str | None:
    """Only http(s) links from Cronofy become hrefs: never `javascript:` or the like."""
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        return value
    return None
