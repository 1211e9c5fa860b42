"""Find a time: when are all the chosen calendar accounts free? One availability call.

The page asks Cronofy while the person waits (like a write: the answer is only good now),
through the shared budget. Availability names every member by their `sub` and is
authenticated with the client secret, so one call covers every connection at once; the
busy strip reads each member's free/busy with its own token, and failing, leaves the
slots standing. What is asked and how the answer is grouped are pure functions in
app/events/availability.py.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.cronofy import errors
from app.cronofy.client import cronofy_client
from app.cronofy.tokens import call_with_token
from app.dashboard.views import ConnectionView
from app.events import bp
from app.events.availability import (
    MAX_DAYS,
    MAX_RESULTS,
    Day,
    availability_request,
    busy_intervals,
    may_read_free_busy,
    query_periods,
    slots_by_day,
)
from app.events.calendars import event_calendars
from app.events.forms import FindForm
from app.events.routes import calendar_choices
from app.extensions import db
from app.models import CronofyConnection
from app.sync.tasks import request_sync

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Search:
    """What a search found: the days, or why there is nothing to show."""

    days: tuple[Day, ...] = ()
    error: str | None = None  # Cronofy did not answer the search: nothing found
    busy_note: str | None = None  # the slots stand, but the busy strip could not be read
    truncated: bool = False  # Cronofy's limit of slots was reached: later days are missing

    @property
    def any_slot(self) -> bool:
        return any(day.slots for day in self.days)


def askable(connection: ConnectionView) -> bool:
    """Whether Cronofy can say when this connection's account is free."""
    return not connection.needs_reconnect and may_read_free_busy(connection.scopes)


@bp.get("/find")
@login_required
def find() -> tuple[str, int]:
    """The form; with its answers in the query string, the free slots by day."""
    calendars = event_calendars(current_user)  # from the local copy
    offered = [c for c in calendars.connections if askable(c)]
    form = FindForm(formdata=request.args or None)
    form.members.choices = [(c.id, c.label) for c in offered]
    form.calendar.choices = calendar_choices(calendars)
    writable = [choice.value for choice in form.calendar.choices]
    status, search = 200, None
    if not request.args:
        form.suggest_days(calendars.time_zone)
        form.members.data = [c.id for c in offered]  # everyone, until told otherwise
    elif form.validate():
        search = _search(form, calendars.time_zone)
        status = 503 if search.error else 200
    else:
        status = 422
    if form.calendar.data not in writable:  # a calendar that is gone, or none chosen yet
        form.calendar.data = writable[0] if writable else ""
    page = render_template(
        "events/find.html",
        form=form,
        calendars=calendars,
        offered=offered,
        left_out=[c for c in calendars.connections if not askable(c)],
        search=search,
        max_days=MAX_DAYS,
    )
    return page, status


def _search(form: FindForm, time_zone: str) -> Search:
    """Ask Cronofy for the slots, then (best effort) the busy time of each member."""
    tz = ZoneInfo(time_zone)
    first, last = form.first_day.data, form.last_day.data
    assert first is not None and last is not None  # validated
    assert form.day_start.data is not None and form.day_end.data is not None
    periods = query_periods(
        first, last, form.day_start.data, form.day_end.data, tz, datetime.now(UTC)
    )
    if not periods:
        return Search(
            error="Those working hours are over on every day you chose. Choose later days."
        )
    members = db.session.scalars(
        select(CronofyConnection)
        .filter_by(user_id=current_user.id)
        .where(CronofyConnection.id.in_(form.members.data or []))
        .order_by(CronofyConnection.id)
    ).all()
    body = availability_request(
        [m.account_id for m in members], form.duration.data, form.buffer.data, periods
    )
    try:
        found = cronofy_client().availability(body)
    except errors.CronofyError as exc:
        log.warning("find a time: availability failed (%s)", type(exc).__name__)
        if isinstance(exc, errors.CronofyInvalid) and "participants" in exc.errors:
            # A member Cronofy no longer accepts: Cronofy does not say which, and the copy
            # may not know yet (a revocation is told to no one). A sync of each finds out,
            # with its own token, and marks the lost one for reconnecting.
            request_sync([m.id for m in members])
        return Search(error=_failure(exc))
    log.info(
        "find a time: %s members, %s periods, %s slots", len(members), len(periods), len(found)
    )
    busy: list[tuple[datetime, datetime]] = []
    note = None
    client = cronofy_client()
    end = last + timedelta(days=1)  # free/busy's `to` is exclusive
    for member in members:
        try:
            blocks = call_with_token(
                member,
                lambda token: client.free_busy(token, tzid=time_zone, start=first, end=end),
            )
        except errors.CronofyError as exc:
            note = f"Busy times could not be read for {member.label}: {exc.user_message}"
            break
        busy += busy_intervals(blocks, tz)
    return Search(
        days=slots_by_day(found, periods, tz, None if note else busy),
        busy_note=note,
        truncated=len(found) >= MAX_RESULTS,
    )


def _failure(exc: errors.CronofyError) -> str:
    """What to tell the person when Cronofy did not answer the search."""
    if isinstance(exc, errors.CronofyInvalid):
        if "participants" in exc.errors:
            # Cronofy no longer has a live authorization for one of the members.
            return (
                "Cronofy no longer accepts one of the chosen calendar accounts. In a moment "
                "the dashboard shows which, with Reconnect; or leave it out."
            )
        details = " ".join(m for messages in exc.errors.values() for m in messages)
        return f"Cronofy did not accept this search. {details}".strip()
    if isinstance(exc, errors.CronofyUnauthorized | errors.CronofyForbidden):
        # Availability is asked with the client secret, not a connection's token.
        return (
            "Cronofy did not accept the request for free times from this app. "
            "Please try again later."
        )
    return exc.user_message
