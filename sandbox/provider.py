"""Changes made at the calendar provider, as if the person had used Google or Outlook.

They are what push notifications exist for: an event added, moved or deleted outside the
app. Such events are external (an `event_uid`, no `event_id`), their `updated` time moves,
and `last_modified` reads find them. The controls and the "your sandbox calendar" page use
these; they run inside `SandboxState.change`, which notifies the account's channels.
"""

from datetime import datetime
from typing import Any

from sandbox import ids
from sandbox.events import EventInput, parse_upsert
from sandbox.models import Account, Event
from sandbox.times import format_time

EDITABLE = ("summary", "description", "start", "end", "location", "transparency")


def _validated(fields: dict[str, Any]) -> EventInput:
    """The same rules as an upsert through the API; ValueError names what is wrong."""
    body = {k: v for k, v in fields.items() if v is not None}
    if isinstance(body.get("location"), str):
        body["location"] = {"description": body["location"]}
    parsed = parse_upsert({**body, "event_id": "provider"})
    if not isinstance(parsed, EventInput):
        raise ValueError("; ".join(f"{name}: {e[0]['description']}" for name, e in parsed.items()))
    return parsed


def add_event(
    account: Account, calendar_id: object, fields: dict[str, Any], now: datetime
) -> Event:
    """A new external event in one of the account's calendars."""
    calendar = account.calendar(calendar_id) if isinstance(calendar_id, str) else None
    if calendar is None or calendar.deleted:
        raise ValueError("calendar_id must be a calendar of this account that is not deleted")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError("unknown fields: " + ", ".join(sorted(unknown)))
    parsed = _validated(fields)
    stamp = format_time(now)
    event = Event(
        event_uid=ids.event_uid_for(ids.new_secret()),
        calendar_id=calendar.calendar_id,
        summary="",
        start="",
        end="",
        created=stamp,
        updated=stamp,
    )
    parsed.apply(event, now)
    account.events.append(event)
    return event


def edit_event(account: Account, event: Event, changes: dict[str, Any], now: datetime) -> None:
    """Change some of an event's fields (a managed one too: the person may edit it anywhere)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown or not changes:
        raise ValueError("change at least one of: " + ", ".join(EDITABLE))
    if event.deleted:
        raise ValueError("the event is deleted")
    current = {
        "summary": event.summary,
        "description": event.description,
        "start": event.start,
        "end": event.end,
        "location": event.location,
        "tzid": event.tzid,
        "transparency": event.transparency,
    }
    parsed = _validated({**current, **changes})
    parsed.apply(event, now)


def delete_event(event: Event, now: datetime) -> None:
    """The event is deleted at the provider: reads with include_deleted still show it."""
    event.deleted = True
    event.updated = format_time(now)


def find_event(account: Account, event_uid: str) -> Event | None:
    return next((e for e in account.events if e.event_uid == event_uid), None)
