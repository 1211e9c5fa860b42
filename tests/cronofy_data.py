"""Cronofy as the route tests mock it: its hosts, and the JSON it answers with.

Builders for Cronofy's own shapes (a calendar, a profile, an event, a token response, the
account) and the data most tests share: Ada's account in Tokyo with a writable "Work" and a
read-only "Team holidays" calendar under one Google profile. Times are written as Cronofy
writes them: UTC, whole seconds, with a Z.

Plain data only: nothing here imports the app, so the sandbox's tests may use it too.
"""

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# The hosts the `app` fixture gives the app; `responses` answers for them.
APP_URL = "https://app.cronofy.test"
API_URL = "https://api.cronofy.test"
TOKEN_URL = f"{API_URL}/oauth/token"
REVOKE_URL = f"{API_URL}/oauth/token/revoke"
CALENDARS_URL = f"{API_URL}/v1/calendars"
ACCOUNT_URL = f"{API_URL}/v1/account"
PROFILES_URL = f"{API_URL}/v1/profiles"
EVENTS_URL = f"{API_URL}/v1/events"
CHANNELS_URL = f"{API_URL}/v1/channels"
WORK_EVENTS_URL = f"{API_URL}/v1/calendars/cal_work/events"  # upserts and deletes in "Work"

ACCOUNT_ID = "acc_5ba21743f408617d1269ea1e"
FULL_SCOPE = "read_account list_calendars read_events create_event delete_event"
TZ = "Asia/Tokyo"  # UTC+9 all year: its days start 9 hours before UTC's


def bearer_header(access_token: str) -> dict[str, str]:
    """How every call to Cronofy's API carries its access token."""
    return {"Authorization": f"Bearer {access_token}"}


def utc_stamp(moment: datetime) -> str:
    """An instant as Cronofy writes it (and the app sends `last_modified`): UTC, whole
    seconds, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cronofy_time(day: date, hour: int, minute: int = 0, zone: str = TZ) -> str:
    """A wall-clock time on `day` in `zone` (Tokyo's unless told), written as Cronofy does."""
    return utc_stamp(datetime.combine(day, time(hour, minute), ZoneInfo(zone)))


def token_response(**changes: Any) -> dict[str, Any]:
    """A successful code exchange, as Cronofy documents it (tokens access-1 / refresh-1)."""
    token = {
        "token_type": "bearer",
        "access_token": "access-1",
        "expires_in": 3600,
        "refresh_token": "refresh-1",
        "scope": FULL_SCOPE,
        "account_id": ACCOUNT_ID,
        "sub": ACCOUNT_ID,
        "linking_profile": {
            "provider_name": "google",
            "profile_id": "pro_n23kjnwrw2",
            "profile_name": "ada@example.com",
        },
    }
    token.update(changes)
    return token


def account_answer(token: dict[str, Any], default_tzid: str) -> dict[str, Any]:
    """Cronofy's /v1/account for the account a token response names."""
    return {
        "account": {
            "account_id": token["sub"],
            "email": "ada@example.com",
            "name": "Ada",
            "scope": token["scope"],
            "default_tzid": default_tzid,
        },
        "sub": token["sub"],
    }


def calendar(
    calendar_id: str,
    name: str,
    *,
    profile: str = "pro_1",
    profile_name: str = "ada@example.com",
    provider: str = "google",
    primary: bool = False,
    readonly: bool = False,
    deleted: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """One calendar as Cronofy lists it (`extra`: fields the app has no use for)."""
    return {
        "provider_name": provider,
        "profile_id": profile,
        "profile_name": profile_name,
        "calendar_id": calendar_id,
        "calendar_name": name,
        "calendar_readonly": readonly,
        "calendar_deleted": deleted,
        "calendar_primary": primary,
        **extra,
    }


def profile(
    profile_id: str = "pro_1",
    *,
    connected: bool = True,
    relink: Any = None,
    name: str = "ada@example.com",
    provider: str = "google",
    **extra: Any,
) -> dict[str, Any]:
    """One profile as Cronofy's /v1/profiles describes it."""
    raw = {
        "provider_name": provider,
        "profile_id": profile_id,
        "profile_name": name,
        "profile_connected": connected,
        **extra,
    }
    if relink is not None:
        raw["profile_relink_url"] = relink
    return raw


def event(summary: str, start: str, end: str, calendar_id: str = "cal_work", **extra) -> dict:
    """One event as /v1/events lists it; its uid is made from the summary unless given."""
    return {
        "calendar_id": calendar_id,
        "event_uid": f"evt_{summary.lower().replace(' ', '_')}",
        "summary": summary,
        "description": "",
        "start": start,
        "end": end,
        "deleted": False,
        **extra,
    }


def created_here_and_elsewhere(day: date) -> list[dict[str, Any]]:
    """Three events on `day` (Tokyo), by who made them: "Made here" (event id cc-mine, as the
    app names what it creates), "Made by another app user" (cc-other) and "From the
    provider" (no event id)."""
    return [
        event("Made here", cronofy_time(day, 15), cronofy_time(day, 16), event_id="cc-mine"),
        event(
            "Made by another app user",
            cronofy_time(day, 17),
            cronofy_time(day, 18),
            event_id="cc-other",
        ),
        event("From the provider", cronofy_time(day, 19), cronofy_time(day, 20)),
    ]


def events_page(*events: dict[str, Any]) -> dict[str, Any]:
    """/v1/events answered in one page."""
    return {"pages": {"current": 1, "total": 1}, "events": list(events)}


WORK = calendar("cal_work", "Work", primary=True)
HOLIDAYS = calendar("cal_holidays", "Team holidays", readonly=True)
# The account most tests connect: its two calendars and its one profile, in good health.
CALENDARS = {"calendars": [WORK, HOLIDAYS]}
PROFILES = {
    "profiles": [
        profile(provider_service="gsuite", profile_initial_sync_required=False),
    ]
}
NO_PROFILES: dict[str, Any] = {"profiles": []}

# Calendars of two profiles (Google and Apple), one of them deleted, with fields the app
# ignores: for the dashboard's list of calendars.
TWO_PROFILES_CALENDARS = {
    "sub": ACCOUNT_ID,
    "calendars": [
        calendar("cal_1", "Team holidays", readonly=True, permission_level="sandbox"),
        calendar("cal_2", "Work", primary=True, some_future_field={"ignored": True}),
        calendar("cal_3", "Old projects", deleted=True),
        calendar(
            "cal_4",
            "Family",
            profile="pro_2",
            profile_name="ada@icloud.com",
            provider="apple",
            primary=True,
        ),
    ],
}
