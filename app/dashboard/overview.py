"""What the dashboard shows, built from the local copy: plain values, never tokens.

`build_overview` is a pure function of the copy (app/sync/copy.py), the events this app
created, the user's time zone and the time; it makes no call and no query. Every part says
what it knows: fresh data, data as of a time with the reason it is not newer, or that it
was never loaded. An unknown day is never shown as a free one.
"""

import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from app.dashboard.agenda import AgendaEvent, Day, build_days, parse_event_times
from app.models import DataSet, ManagedEvent
from app.sync.copy import ConnectionCopy
from app.sync.outcomes import Failure

# What each scope lets the dashboard do, in the words the page uses.
FEATURES = {
    "list_calendars": "see its calendars",
    "read_events": "see its events",
    "read_account": "check the health of its linked calendar accounts",
    "create_event": "create events",
    "delete_event": "delete the events this app created",
}
# How each data set is named in a sentence.
NOUNS = {
    DataSet.CALENDARS: "calendars",
    DataSet.PROFILES: "account health",
    DataSet.EVENTS: "events",
}


@dataclass(frozen=True)
class Calendar:
    calendar_id: str
    name: str
    primary: bool
    readonly: bool
    colour: int = 0  # one of COLOURS, the same on every page (see assign_colours)
    # Whose it is (the profile's name), when another connected calendar has the same name.
    account: str | None = None

    @property
    def label(self) -> str:
        """Its name, and whose it is when the name alone is ambiguous."""
        return f"{self.name} ({self.account})" if self.account else self.name


@dataclass
class Profile:
    """One linked calendar account (a Google or Apple login, say) inside a connection."""

    profile_id: str
    provider_name: str
    profile_name: str
    calendars: list[Calendar] = field(default_factory=list)
    connected: bool = True
    relink_url: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something the user should know about one part of a connection."""

    message: str
    # A scope that was not granted: offer to reconnect asking for it.
    missing_scope: str | None = None
    level: str = "warning"  # "warning" (shown as it was) or "error" (nothing to show)
    reconnect: bool = False  # offer to connect the account again


@dataclass
class ConnectionView:
    """A connection as templates see it: labels, status and data, never tokens."""

    id: int
    label: str
    provider_name: str | None
    scopes: frozenset[str]
    needs_reconnect: bool = False
    reconnect_reason: str | None = None
    problems: list[Problem] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    events: list[AgendaEvent] = field(default_factory=list)
    # The first sync has not landed yet: the page says so and updates itself.
    syncing: bool = False
    # The latest refresh of its copy, in the user's time zone, and whether that was just now.
    updated_at: datetime | None = None
    updated_just_now: bool = False
    # The events copy covers these UTC instants (None: no events known).
    events_cover: tuple[datetime, datetime] | None = None

    @property
    def status(self) -> tuple[str, str]:
        """The account's badge, (text, "ok" or "warning"): the worst state of its parts."""
        if self.needs_reconnect:
            return "Needs reconnecting", "warning"
        lost = sum(1 for p in self.profiles if not p.connected)
        if lost and lost == len(self.profiles):
            return "Disconnected", "warning"
        if lost:
            return f"{lost} of {len(self.profiles)} accounts disconnected", "warning"
        return "Connected", "ok"

    @property
    def writable_calendars(self) -> list[Calendar]:
        if "create_event" not in self.scopes:
            return []
        return [c for p in self.profiles for c in p.calendars if not c.readonly]


@dataclass
class Overview:
    connections: list[ConnectionView]
    days: list[Day]
    time_zone: str
    today: date

    @property
    def syncing(self) -> bool:
        """Whether any connection waits for its first sync (the page then updates itself)."""
        return any(c.syncing for c in self.connections)


def build_overview(
    copies: list[ConnectionCopy],
    managed: list[ManagedEvent],
    time_zone: str,
    now: datetime,
) -> Overview:
    """The dashboard for these connections, at `now`, in `time_zone`."""
    tz = ZoneInfo(time_zone)
    by_event_id = {m.event_id: m for m in managed}
    views = [_view(copy, tz, by_event_id, now) for copy in copies]
    assign_colours(views)
    name_shared_calendars(views)
    today = now.astimezone(tz).date()
    days = build_days([e for view in views for e in view.events], today)
    for day in days:
        day.known = _day_known(day.day, tz, views)
    return Overview(views, days, time_zone, today)


def _view(
    copy: ConnectionCopy, tz: ZoneInfo, managed: dict[str, ManagedEvent], now: datetime
) -> ConnectionView:
    view = ConnectionView(
        id=copy.id, label=copy.label, provider_name=copy.provider_name, scopes=copy.scopes
    )
    if copy.needs_reconnect:
        view.needs_reconnect = True
        view.reconnect_reason = (
            "Cronofy no longer gives this app access to this calendar account (access was "
            "revoked or ended), so its copied calendar data was removed. Reconnect it to see "
            "its calendars again."
        )
        return view
    if any(copy.part(d).failure is Failure.RECONNECT for d in copy.granted):
        # Its tokens cannot be used (say, a key was removed too early): what was copied
        # through them stays on show, with a way to connect again.
        view.needs_reconnect = True
        view.reconnect_reason = Failure.RECONNECT.reason
    for data_set in DataSet:
        if data_set.scope not in copy.scopes:
            view.problems.append(
                Problem(
                    f"This connection was not allowed to {FEATURES[data_set.scope]}.",
                    data_set.scope,
                )
            )
    view.syncing = copy.awaiting_first_sync
    refreshed = [t for d in copy.granted if (t := copy.part(d).synced_at) is not None]
    if refreshed:
        view.updated_at = max(refreshed).astimezone(tz)
        view.updated_just_now = now - max(refreshed) < timedelta(minutes=1)
    view.problems += _refresh_problems(copy, tz)

    calendars = copy.part(DataSet.CALENDARS)
    if calendars.loaded and isinstance(calendars.data, list):
        view.profiles = group_by_profile(calendars.data)
    profiles = copy.part(DataSet.PROFILES)
    if profiles.loaded and isinstance(profiles.data, list):
        _apply_profile_health(view, profiles.data)
    events = copy.part(DataSet.EVENTS)
    if events.loaded and isinstance(events.data, dict):
        view.events_cover = _cover(events.data)
        names = {c.calendar_id: c.name for p in view.profiles for c in p.calendars}
        view.events = [
            event
            for raw in events.data.get("events") or []
            if isinstance(raw, dict)
            and (event := _agenda_event(raw, tz, names, managed, view)) is not None
        ]
    return view


def _refresh_problems(copy: ConnectionCopy, tz: ZoneInfo) -> list[Problem]:
    """What to say about the data sets whose latest refresh failed: one notice per cause.

    Parts that failed the same way and are shown from the same moment share a sentence.
    """
    groups: dict[tuple[Failure, str | None, str | None], list[DataSet]] = {}
    for data_set in copy.granted:
        part = copy.part(data_set)
        if part.failure in (None, Failure.NOT_GRANTED, Failure.RECONNECT):
            continue  # fine, or said once for the connection (not granted, reconnect)
        assert part.failure is not None
        as_of = None
        if part.loaded and part.synced_at is not None:
            moment = part.synced_at.astimezone(tz)
            as_of = f"{moment:%H:%M} on {moment:%-d %b}"
        missing = data_set.scope if part.failure is Failure.FORBIDDEN else None
        groups.setdefault((part.failure, as_of, missing), []).append(data_set)
    problems = []
    for (failure, as_of, missing), data_sets in groups.items():
        nouns = _joined([NOUNS[d] for d in data_sets])
        reconnect = failure is Failure.UNAUTHORIZED
        if as_of is None:
            message = f"Its {nouns} could not be loaded yet. {failure.reason}"
            problems.append(Problem(message, missing, "error", reconnect))
        else:
            message = f"Showing its {nouns} as of {as_of}. {failure.reason}"
            problems.append(Problem(message, missing, "warning", reconnect))
    return problems


def _joined(words: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _cover(data: dict[str, Any]) -> tuple[datetime, datetime] | None:
    try:
        return datetime.fromisoformat(data["from"]), datetime.fromisoformat(data["to"])
    except (KeyError, TypeError, ValueError):
        return None


def _day_known(day: date, tz: ZoneInfo, views: list[ConnectionView]) -> bool:
    """Whether every connection that may read events has them for all of `day`."""
    start = datetime.combine(day, datetime.min.time(), tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
    for view in views:
        if view.needs_reconnect or "read_events" not in view.scopes:
            continue
        cover = view.events_cover
        if cover is None or not (cover[0] <= start and end <= cover[1]):
            return False
    return True


def name_shared_calendars(views: list[ConnectionView]) -> None:
    """Where calendars share a name (two accounts' "Work"), say in text whose each is, on the
    calendar and its events: colour alone must not tell them apart."""
    counts = Counter(c.name.casefold() for v in views for p in v.profiles for c in p.calendars)
    owners: dict[str, str] = {}
    for view in views:
        for profile in view.profiles:
            for calendar in profile.calendars:
                if counts[calendar.name.casefold()] > 1:
                    owners[calendar.calendar_id] = profile.profile_name
            profile.calendars = [
                replace(c, account=owners[c.calendar_id]) if c.calendar_id in owners else c
                for c in profile.calendars
            ]
    for view in views:
        view.events = [
            replace(e, account=owners[e.calendar_id]) if e.calendar_id in owners else e
            for e in view.events
        ]


COLOURS = 10  # cal-colour-0 … cal-colour-9 in static/style.css


def assign_colours(views: list[ConnectionView]) -> None:
    """Give each calendar, and its events, a colour that stays the same from view to view.

    The colour comes from the calendar's id; calendars whose ids land on a taken colour
    take the next free one, in the order Cronofy lists them, while free ones last.
    """
    used: set[int] = set()
    by_id: dict[str, int] = {}
    for view in views:
        for profile in view.profiles:
            for index, calendar in enumerate(profile.calendars):
                colour = zlib.crc32(calendar.calendar_id.encode()) % COLOURS
                while colour in used and len(used) < COLOURS:
                    colour = (colour + 1) % COLOURS
                used.add(colour)
                by_id[calendar.calendar_id] = colour
                profile.calendars[index] = replace(calendar, colour=colour)
    for view in views:
        view.events = [replace(e, colour=by_id.get(e.calendar_id, 0)) for e in view.events]


def group_by_profile(calendars: list[dict[str, Any]]) -> list[Profile]:
    """Group calendars under their profile, primary first, deleted ones left out."""
    profiles: dict[str, Profile] = {}
    for raw in calendars:
        if raw.get("calendar_deleted"):
            continue
        key = str(raw.get("profile_id") or raw.get("profile_name") or "")
        profile = profiles.setdefault(
            key,
            Profile(
                profile_id=key,
                provider_name=str(raw.get("provider_name") or "calendar"),
                profile_name=str(raw.get("profile_name") or "Calendar account"),
            ),
        )
        profile.calendars.append(
            Calendar(
                calendar_id=str(raw.get("calendar_id", "")),
                name=str(raw.get("calendar_name") or "Untitled calendar"),
                primary=bool(raw.get("calendar_primary")),
                readonly=bool(raw.get("calendar_readonly")),
            )
        )
    for profile in profiles.values():
        profile.calendars.sort(key=lambda c: (not c.primary, c.name.casefold()))
    return list(profiles.values())


def _apply_profile_health(view: ConnectionView, profiles: list[dict[str, Any]]) -> None:
    """Mark profiles that lost their connection at the provider, with Cronofy's relink link."""
    by_id = {p.profile_id: p for p in view.profiles}
    for raw in profiles:
        profile_id = str(raw.get("profile_id") or "")
        profile = by_id.get(profile_id)
        if profile is None:  # a profile with no calendars (or calendars not listed)
            profile = Profile(
                profile_id=profile_id,
                provider_name=str(raw.get("provider_name") or "calendar"),
                profile_name=str(raw.get("profile_name") or "Calendar account"),
            )
            view.profiles.append(profile)
        profile.connected = raw.get("profile_connected") is not False
        if not profile.connected:
            profile.relink_url = _web_url(raw.get("profile_relink_url"))


def _web_url(value: Any) -> str | None:
    """Only http(s) links from Cronofy become hrefs: never `javascript:` or the like."""
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        return value
    return None


def _agenda_event(
    raw: dict[str, Any],
    tz: ZoneInfo,
    calendar_names: dict[str, str],
    managed: dict[str, ManagedEvent],
    view: ConnectionView,
) -> AgendaEvent | None:
    if raw.get("deleted"):
        return None
    times = parse_event_times(raw, tz)
    if times is None:
        return None
    start, end = times
    event_id = raw.get("event_id")
    local = managed.get(event_id) if isinstance(event_id, str) else None
    if local is not None and local.connection_id != view.id:
        local = None
    calendar_id = str(raw.get("calendar_id"))
    return AgendaEvent(
        summary=str(raw.get("summary") or "(no title)"),
        calendar_id=calendar_id,
        calendar_name=calendar_names.get(calendar_id, "Calendar"),
        all_day=not isinstance(start, datetime),
        start=start,
        end=end,
        managed_id=local.id if local else None,
        created_by_app=bool(event_id),
        can_delete=local is not None and "delete_event" in view.scopes,
    )
