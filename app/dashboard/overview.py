"""Everything the dashboard shows, fetched from Cronofy per connection, never exposing tokens.

Each connection's data sets (calendars, profiles, events) are fetched separately, and a
failure in one becomes a message on that part only.
"""

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.cronofy import errors
from app.cronofy.client import JSON, cronofy_client
from app.cronofy.parallel import run_all
from app.cronofy.tokens import fresh_access_token, retry_with_new_token
from app.dashboard.agenda import DAYS_SHOWN, AgendaEvent, Day, build_days, parse_event_times
from app.dashboard.timezones import user_time_zone
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, ManagedEvent, User

# One data set of a connection: given an access token, Cronofy's list of objects.
DataSet = Callable[[str], list[JSON]]

# What each scope lets the dashboard do, in the words the page uses.
FEATURES = {
    "list_calendars": "see its calendars",
    "read_events": "see its events",
    "read_account": "check the health of its linked calendar accounts",
    "create_event": "create events",
    "delete_event": "delete the events this app created",
}


@dataclass(frozen=True)
class Calendar:
    calendar_id: str
    name: str
    primary: bool
    readonly: bool
    colour: int = 0  # one of COLOURS, the same on every page (see assign_colours)


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


@dataclass
class ConnectionView:
    """A connection as templates see it: labels, status and data, never tokens."""

    id: int
    label: str
    provider_name: str | None
    scopes: frozenset[str]
    needs_reconnect: bool = False
    reconnect_reason: str | None = None
    profiles: list[Profile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    events: list[AgendaEvent] = field(default_factory=list)

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


def build_overview(user: User, *, profiles: bool = True, events: bool = True) -> Overview:
    """Fetch and arrange what the dashboard shows for `user`.

    Calendars are always fetched; profiles and events only when the page shows them. All
    the calls, for every connection, run at once (see app/cronofy/parallel.py).
    """
    time_zone = user_time_zone(user)
    today = datetime.now(ZoneInfo(time_zone)).date()
    client = cronofy_client()
    data_sets: dict[str, DataSet] = {"list_calendars": client.calendars}
    if profiles:
        data_sets["read_account"] = client.profiles
    if events:
        data_sets["read_events"] = partial(
            client.events, tzid=time_zone, start=today, end=today + timedelta(days=DAYS_SHOWN)
        )

    views: list[ConnectionView] = []
    fetches: list[Fetch] = []
    for connection in user.connections:
        view = ConnectionView(
            id=connection.id,
            label=connection.label,
            provider_name=connection.provider_name,
            scopes=connection.scopes,
        )
        views.append(view)
        fetches += _plan(view, connection, data_sets)
    _run(fetches)

    managed = {
        m.event_id: m for m in db.session.scalars(select(ManagedEvent).filter_by(user_id=user.id))
    }
    for view in views:
        _assemble(view, [f for f in fetches if f.view is view], ZoneInfo(time_zone), managed)
    assign_colours(views)
    agenda = [e for view in views for e in view.events]
    return Overview(views, build_days(agenda, today) if events else [], time_zone)


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


@dataclass
class Fetch:
    """One data set of one connection: the scope it needs, the call, and what came back."""

    view: ConnectionView
    connection: CronofyConnection
    scope: str
    call: DataSet
    token: str
    result: list[JSON] | None = None


def _plan(
    view: ConnectionView, connection: CronofyConnection, data_sets: dict[str, DataSet]
) -> list[Fetch]:
    """The calls to make for one connection, with a fresh token (refreshed here if needed).

    A data set whose scope was not granted is not asked for: it becomes a Problem that
    offers to reconnect with that scope.
    """
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        _lost(view, errors.ConnectionLost.user_message)
        return []
    for scope in data_sets:
        if scope not in view.scopes:
            view.problems.append(
                Problem(f"This connection was not allowed to {FEATURES[scope]}.", scope)
            )
    granted = {scope: call for scope, call in data_sets.items() if scope in view.scopes}
    if not granted:
        return []
    try:
        token = fresh_access_token(connection)
    except (errors.ConnectionLost, errors.TokensUnreadable) as exc:
        _lost(view, exc.user_message)
        return []
    except errors.CronofyError as exc:
        _problem(view, "token refresh", exc)
        return []
    return [Fetch(view, connection, scope, call, token) for scope, call in granted.items()]


def _run(fetches: list[Fetch]) -> None:
    """Make every call at once; then, on this thread, deal with what came back."""
    outcomes = run_all([partial(fetch.call, fetch.token) for fetch in fetches])
    for fetch, outcome in zip(fetches, outcomes, strict=True):
        if isinstance(outcome, errors.CronofyUnauthorized) and not fetch.view.needs_reconnect:
            # The token died early (revoked, or Cronofy shortened its life): refresh once,
            # or pick up the token another call of this view just got, and retry once.
            try:
                outcome = retry_with_new_token(fetch.connection, fetch.token, fetch.call)
            except errors.CronofyError as exc:
                outcome = exc
        if isinstance(outcome, (errors.ConnectionLost, errors.TokensUnreadable)):
            _lost(fetch.view, outcome.user_message)
        elif isinstance(outcome, errors.CronofyForbidden):
            fetch.view.problems.append(Problem(outcome.user_message, fetch.scope))
        elif isinstance(outcome, errors.CronofyError):
            _problem(fetch.view, fetch.scope, outcome)
        elif isinstance(outcome, Exception):
            raise outcome  # a bug, not an upstream failure: the error page and the log
        else:
            fetch.result = outcome


def _problem(view: ConnectionView, what: str, exc: errors.CronofyError) -> None:
    current_app.logger.warning(
        "Connection %s: %s unavailable (%s)", view.id, what, type(exc).__name__
    )
    view.problems.append(Problem(exc.user_message))


def _assemble(
    view: ConnectionView,
    fetches: list[Fetch],
    tz: ZoneInfo,
    managed: dict[str, ManagedEvent],
) -> None:
    """Turn one connection's results into profiles, calendars and agenda events."""
    if view.needs_reconnect:
        return
    results = {f.scope: f.result for f in fetches if f.result is not None}
    if "list_calendars" in results:
        view.profiles = group_by_profile(results["list_calendars"])
    if "read_account" in results:
        _apply_profile_health(view, results["read_account"])
    names = {c.calendar_id: c.name for p in view.profiles for c in p.calendars}
    view.events = [
        event
        for raw in results.get("read_events", [])
        if (event := _agenda_event(raw, tz, names, managed, view)) is not None
    ]


def _lost(view: ConnectionView, reason: str) -> ConnectionView:
    view.needs_reconnect = True
    view.reconnect_reason = reason
    return view


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
