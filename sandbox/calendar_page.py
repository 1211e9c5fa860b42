"""`/calendar` on the app host: "your sandbox calendar", where a person changes events by hand.

It stands in for Google Calendar or Outlook. Adding, moving or deleting an event here is a
change at the provider (sandbox/provider.py): the account's channels are notified, and an
app that listens sees the change without being asked. It is the demo of push notifications.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response

from sandbox import ids
from sandbox.models import Account, Event
from sandbox.state import NotFound
from sandbox.times import format_time, parse_date_or_time
from sandbox.web import current_state, html_page

bp = Blueprint("calendar_page", __name__, url_prefix="/calendar")

DAYS_SHOWN = 14
DURATIONS = (15, 30, 45, 60, 90, 120)
MESSAGES = {
    "added": "Event added.",
    "moved": "Event moved.",
    "deleted": "Event deleted.",
    "revoked": "Every application's access to this account was revoked.",
    "disconnected": "The profile was disconnected, as when its provider stops accepting it.",
    "reconnected": "The profile was connected again.",
}


@dataclass(frozen=True)
class Shown:
    """One event as the page lists it."""

    uid: str
    summary: str
    calendar: str
    when: str
    day: str  # YYYY-MM-DD, for the move form
    clock: str  # HH:MM, for the move form; "" for all-day events
    managed: bool
    free: bool  # transparent: free/busy and availability do not count it as busy


def _purpose(account_id: str) -> str:
    return "calendar?" + account_id


def _account_for(email: str) -> Account | None:
    try:
        # A copy: the page reads it after the state's lock is released.
        return current_state().read(
            ids.account_id_for(email), lambda account: Account.from_dict(account.to_dict())
        )
    except NotFound:
        return None


def _shown(account: Account, today: date) -> list[Shown]:
    names = {c.calendar_id: c.name for c in account.calendars}
    last = today + timedelta(days=DAYS_SHOWN)
    listed = []
    for event in account.events:
        start, end = parse_date_or_time(event.start), parse_date_or_time(event.end)
        if event.deleted or start is None or end is None:
            continue
        first = start.date() if isinstance(start, datetime) else start
        if not today <= first < last:
            continue
        if isinstance(start, datetime) and isinstance(end, datetime):
            when, clock = f"{start:%a %-d %b, %H:%M} to {end:%H:%M} UTC", f"{start:%H:%M}"
        else:
            when, clock = f"{first:%a %-d %b}, all day", ""
        listed.append(
            Shown(
                event.event_uid,
                event.summary,
                names.get(event.calendar_id, "?"),
                when,
                first.isoformat(),
                clock,
                event.event_id is not None,
                event.transparency == "transparent",
            )
        )
    return sorted(listed, key=lambda s: (s.day, s.clock or "00:00", s.summary))


def _back(email: str, done: str | None = None, error: str | None = None) -> Response:
    query = {
        "email": email,
        **({"done": done} if done else {}),
        **({"error": error} if error else {}),
    }
    return redirect(f"/calendar?{urlencode(query)}", 303)


def _when(day_text: str, clock_text: str) -> datetime:
    """The UTC instant of a date and HH:MM typed into a form; ValueError if not one."""
    try:
        day, clock = date.fromisoformat(day_text), time.fromisoformat(clock_text)
    except ValueError:
        raise ValueError("enter a date and a time") from None
    return datetime.combine(day, clock, UTC)


@bp.get("")
def page() -> Response:
    """Ask for the account's email, or show its next two weeks with add, move and delete."""
    state = current_state()
    email = request.args.get("email", "").strip().lower()
    account = _account_for(email) if email else None
    if account is None:
        return html_page(
            "calendar.html", 404 if email else 200, email=email, account=None, lang="en"
        )
    now = datetime.fromtimestamp(state.clock(), UTC)
    events = _shown(account, now.date())
    purpose = _purpose(account.account_id)
    return html_page(
        "calendar.html",
        email=email,
        account=account,
        calendars=[c for c in account.calendars if not c.deleted],
        events=events,
        nonces={e.uid: (state.issue_nonce(purpose), state.issue_nonce(purpose)) for e in events},
        add_nonce=state.issue_nonce(purpose),
        access_nonces=[state.issue_nonce(purpose) for _ in range(1 + len(account.profiles))],
        durations=DURATIONS,
        today=now.date().isoformat(),
        message=MESSAGES.get(request.args.get("done", "")),
        error=request.args.get("error", "")[:300] or None,
        lang="en",
    )


def _posted_for() -> tuple[str, Account] | Response:
    """The account a posted form is for, its one-time nonce spent; else the way back."""
    email = request.form.get("email", "").strip().lower()
    account = _account_for(email)
    if account is None:
        return _back(email, error="No sandbox account has that email address.")
    if not current_state().take_nonce(request.form.get("nonce", ""), _purpose(account.account_id)):
        return _back(email, error="That form had expired. Try again.")
    return email, account


@bp.post("/events")
def add() -> Response:
    posted = _posted_for()
    if isinstance(posted, Response):
        return posted
    (email, account), form = posted, request.form
    try:
        start = _when(form.get("date", ""), form.get("time", ""))
        minutes = int(form.get("duration", "0")) if form.get("duration", "").isdigit() else 0
        if minutes not in DURATIONS:
            raise ValueError("choose how many minutes it lasts")
        current_state().add_provider_event(
            account.account_id,
            form.get("calendar_id"),
            summary=form.get("summary", "").strip(),
            start=format_time(start),
            end=format_time(start + timedelta(minutes=minutes)),
            transparency=form.get("transparency", "opaque"),
        )
    except ValueError as exc:
        return _back(email, error=f"The event was not added: {exc}")
    return _back(email, done="added")


@bp.post("/events/<event_uid>/<action>")
def change(event_uid: str, action: str) -> Response:
    """Move (to another date and time, the same length) or delete one event."""
    if action not in ("move", "delete"):
        return _back(request.form.get("email", "").strip().lower(), error="No such event.")
    posted = _posted_for()
    if isinstance(posted, Response):
        return posted
    (email, account), form = posted, request.form
    event = next((e for e in account.events if e.event_uid == event_uid), None)
    if event is None:
        return _back(email, error="No such event.")
    try:
        if action == "delete":
            current_state().delete_provider_event(event_uid)
            return _back(email, done="deleted")
        current_state().edit_provider_event(
            event_uid, **_moved(event, form.get("date", ""), form.get("time", ""))
        )
    except (ValueError, NotFound) as exc:
        return _back(email, error=f"The event was not changed: {exc}")
    return _back(email, done="moved")


@bp.post("/access")
def access() -> Response:
    """What a person does at Cronofy or at their provider: revoke every application's access,
    or disconnect (and reconnect) one profile, so the application's way back can be tried."""
    posted = _posted_for()
    if isinstance(posted, Response):
        return posted
    email, account = posted
    action, profile_id = request.form.get("action", ""), request.form.get("profile_id", "")
    if action == "revoke":
        current_state().revoke_account(account.account_id)
        return _back(email, done="revoked")
    if action not in ("disconnect", "reconnect") or account.profile(profile_id) is None:
        return _back(email, error="Choose what to change.")
    if action == "disconnect":
        current_state().disconnect_profile(profile_id)
        return _back(email, done="disconnected")
    current_state().reconnect_profile(profile_id)
    return _back(email, done="reconnected")


def _moved(event: Event, day_text: str, clock_text: str) -> dict[str, str]:
    """New start and end of `event`, keeping its length; all-day events move by date."""
    start, end = parse_date_or_time(event.start), parse_date_or_time(event.end)
    if isinstance(start, datetime) and isinstance(end, datetime):
        new_start = _when(day_text, clock_text or f"{start:%H:%M}")
        return {"start": format_time(new_start), "end": format_time(new_start + (end - start))}
    assert isinstance(start, date) and isinstance(end, date)
    try:
        first = date.fromisoformat(day_text)
    except ValueError:
        raise ValueError("enter a date") from None
    return {"start": first.isoformat(), "end": (first + (end - start)).isoformat()}
