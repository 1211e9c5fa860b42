"""Records to Cronofy's JSON shapes (docs/cronofy.md §5-7, free/busy and availability);
the only place those shapes live."""

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sandbox.availability import Found
from sandbox.models import Account, Calendar, Event, Profile
from sandbox.times import format_time, parse_date_or_time


def profile_json(profile: Profile, app_url: str) -> dict[str, Any]:
    """A profile as /v1/profiles lists it; a relink URL only while it is disconnected."""
    body: dict[str, Any] = {
        "provider_name": profile.provider_name,
        "provider_service": profile.provider_service,
        "profile_id": profile.profile_id,
        "profile_name": profile.profile_name,
        "profile_connected": profile.connected,
        "profile_initial_sync_required": False,
    }
    if not profile.connected:
        query = urlencode({"profile_id": profile.profile_id})
        body["profile_relink_url"] = f"{app_url}/oauth/relink?{query}"
    return body


def calendar_fields(calendar: Calendar) -> dict[str, Any]:
    """The calendar's own fields, as userinfo nests them under a profile."""
    return {
        "calendar_id": calendar.calendar_id,
        "calendar_name": calendar.name,
        "calendar_readonly": calendar.readonly,
        "calendar_deleted": calendar.deleted,
        "calendar_primary": calendar.primary,
        "calendar_integrated_conferencing_available": False,
        "calendar_attachments_available": False,
        "permission_level": "sandbox",
    }


def calendar_json(calendar: Calendar, profile: Profile) -> dict[str, Any]:
    """A calendar as /v1/calendars lists it, with its profile's identity."""
    return {
        "provider_name": profile.provider_name,
        "profile_id": profile.profile_id,
        "profile_name": profile.profile_name,
        **calendar_fields(calendar),
    }


def _boundary(value: str, tz: ZoneInfo | None) -> str | dict[str, str]:
    """UTC text as stored, or `{"time", "tzid"}` in the requested zone for localized_times."""
    if tz is None:
        return value
    parsed = parse_date_or_time(value)
    local = parsed.astimezone(tz).isoformat() if isinstance(parsed, datetime) else value
    return {"time": local, "tzid": tz.key}


def event_json(account: Account, event: Event, tz: ZoneInfo | None) -> dict[str, Any]:
    """An event as /v1/events lists it; `event_id` only on events a client created."""
    calendar = account.calendar(event.calendar_id)
    profile = account.profile(calendar.profile_id) if calendar else None
    writable = bool(calendar and not calendar.readonly and not calendar.deleted)
    body: dict[str, Any] = {
        "calendar_id": event.calendar_id,
        "event_uid": event.event_uid,
        "summary": event.summary,
        "description": event.description,
        "start": _boundary(event.start, tz),
        "end": _boundary(event.end, tz),
        "deleted": event.deleted,
        "created": event.created,
        "updated": event.updated,
        "participation_status": "accepted",
        "attendees": [],
        "organizer": {"email": profile.profile_name if profile else account.email},
        "transparency": event.transparency,
        "status": "confirmed",
        "categories": [],
        "recurring": False,
        "options": {"delete": writable, "update": writable, "change_participation_status": False},
    }
    if event.event_id is not None:
        body["event_id"] = event.event_id
    if event.location:
        body["location"] = {"description": event.location}
    return body


def free_busy_json(event: Event, tz: ZoneInfo | None) -> dict[str, Any]:
    """An event as /v1/free_busy lists it: only when, where, and whether it makes one busy."""
    return {
        "calendar_id": event.calendar_id,
        "start": _boundary(event.start, tz),
        "end": _boundary(event.end, tz),
        "free_busy_status": event.free_busy_status(),
    }


def available_json(found: Found) -> dict[str, Any]:
    """An available period or slot as /v1/availability answers it: UTC times, its members."""
    return {
        "start": format_time(found.start),
        "end": format_time(found.end),
        "participants": [{"sub": sub} for sub in found.subs],
    }
