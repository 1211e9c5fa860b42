"""What the dashboard shows for each connection, built without exposing tokens."""

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from app.cronofy import errors
from app.cronofy.client import cronofy_client
from app.cronofy.tokens import call_with_token
from app.models import ConnectionStatus, CronofyConnection


@dataclass(frozen=True)
class Calendar:
    calendar_id: str
    name: str
    primary: bool
    readonly: bool


@dataclass
class Profile:
    """One linked calendar account (a Google or Apple login, say) inside a connection."""

    provider_name: str
    profile_name: str
    calendars: list[Calendar] = field(default_factory=list)


@dataclass
class ConnectionView:
    """A connection as templates see it: labels, status and calendars, never tokens."""

    id: int
    label: str
    provider_name: str | None
    needs_reconnect: bool
    profiles: list[Profile] = field(default_factory=list)
    error: str | None = None
    # A scope Cronofy said is missing (403): offer to reconnect asking for it.
    missing_scope: str | None = None


def connection_view(connection: CronofyConnection) -> ConnectionView:
    """Fetch a connection's calendars; a failure becomes a message on that connection only."""
    view = ConnectionView(
        id=connection.id,
        label=connection.label,
        provider_name=connection.provider_name,
        needs_reconnect=connection.status is ConnectionStatus.NEEDS_RECONNECT,
    )
    if view.needs_reconnect:
        view.error = errors.ConnectionLost.user_message
        return view
    try:
        calendars = call_with_token(connection, cronofy_client().calendars)
    except (errors.ConnectionLost, errors.TokensUnreadable) as exc:
        view.needs_reconnect = True
        view.error = exc.user_message
    except errors.CronofyForbidden as exc:
        view.missing_scope = "list_calendars"
        view.error = exc.user_message
    except errors.CronofyError as exc:
        current_app.logger.warning(
            "Calendars for connection %s unavailable: %s", connection.id, type(exc).__name__
        )
        view.error = exc.user_message
    else:
        view.profiles = group_by_profile(calendars)
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
