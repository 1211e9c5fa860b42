"""Create an event in a connected calendar; delete one this app created."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates it

from app.cronofy import errors
from app.cronofy.client import cronofy_client
from app.cronofy.tokens import call_with_token
from app.events import bp
from app.events.calendars import EventCalendars, event_calendars
from app.events.forms import EventDetails, EventForm
from app.events.times import cronofy_text
from app.extensions import db
from app.forms import EmptyForm
from app.models import CronofyConnection, ManagedEvent
from app.sync.store import record_created_event, record_deleted_event


@dataclass(frozen=True)
class CreatedEvent:
    """One row of the list of events created here."""

    id: int
    summary: str
    starts: datetime  # in the user's time zone
    calendar: str
    account: str
    past: bool


@bp.get("/")
@login_required
def mine() -> str:
    """Every event created here, whatever its date: the agenda shows only seven days."""
    calendars = event_calendars(current_user)  # calendar names and the time zone
    names = calendars.labels()
    tz = ZoneInfo(calendars.time_zone)
    events = db.session.scalars(
        select(ManagedEvent)
        .filter_by(user_id=current_user.id)
        .options(selectinload(ManagedEvent.connection))  # one query for all their accounts
        .order_by(ManagedEvent.starts_at, ManagedEvent.id)
    ).all()
    rows = [
        CreatedEvent(
            id=event.id,
            summary=event.title,
            starts=event.starts_at.astimezone(tz),
            calendar=names.get((event.connection_id, event.calendar_id), "a calendar"),
            account=event.connection.label,
            past=event.starts_at < datetime.now(UTC),
        )
        for event in events
    ]
    return render_template("events/mine.html", events=rows, time_zone=calendars.time_zone)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    """The new-event form; on success the event is upserted at Cronofy and remembered here."""
    calendars = event_calendars(current_user)  # from the local copy, without the agenda
    time_zone = calendars.time_zone
    form = EventForm()
    form.calendar.choices = calendar_choices(calendars)
    status, past = 200, None
    if not form.is_submitted():
        form.suggest_start(time_zone)
        form.prefill(
            request.args, [c.value for c in calendars.writable]
        )  # a slot chosen on Find a time, when it links here
    elif form.validate():
        start = form.start_instant(time_zone)
        if start is None:
            status = 422  # a time the clocks skip: the field says so
        elif start < datetime.now(UTC) and form.past_confirmed.data != "yes":
            # Most likely a slip (a date last year, say): ask once before creating it.
            past = start.astimezone(ZoneInfo(time_zone))
            form.past_confirmed.data = "yes"
        else:
            failed_with = _create(form, time_zone)
            if failed_with is None:
                return redirect(url_for("dashboard.index"))
            status = failed_with
            if status == LOST:
                # Its calendars are offered no more; the page says how to get them back.
                calendars = event_calendars(current_user)
                form.calendar.choices = calendar_choices(calendars)
    else:
        status = 422
    page = render_template("events/new.html", form=form, calendars=calendars, past=past)
    return page, status


# The status of a form whose connection turned out to need reconnecting while creating.
LOST = 409


def calendar_choices(calendars: EventCalendars) -> list[SelectChoice]:
    """The writable calendars as a select's choices, grouped by connection."""
    return [
        SelectChoice(calendar.value, calendar.label, optgroup=calendar.connection_label)
        for calendar in calendars.writable
    ]


def send_event(
    form: EventDetails, event: ManagedEvent, start: datetime, end: datetime, time_zone: str
) -> int | None:
    """Upsert the whole event under its `event_id` (new, or replacing it: Cronofy has no
    partial update) and put it in the copy; None on success, else the status to re-render
    the form with, Cronofy's reasons on the form."""
    body = {
        "event_id": event.event_id,
        "summary": form.summary.data,
        "description": form.description.data or "",
        "start": cronofy_text(start),
        "end": cronofy_text(end),
        "tzid": time_zone,
    }
    try:
        call_with_token(
            event.connection,
            lambda token: cronofy_client().upsert_event(token, event.calendar_id, body),
        )
    except errors.CronofyError as exc:
        db.session.rollback()
        if isinstance(exc, errors.CronofyInvalid):
            form.add_cronofy_errors(exc.errors or {"event": [exc.user_message]})
            return 422
        form.form_errors.append(exc.user_message)
        return LOST if isinstance(exc, errors.ConnectionLost) else 503
    # The next page shows it at once: into the copy, until a sync brings Cronofy's own id.
    record_created_event(
        event.connection, {**body, "calendar_id": event.calendar_id}, datetime.now(UTC)
    )
    return None


def _create(form: EventForm, time_zone: str) -> int | None:
    """Upsert the event; None on success, else the status to re-render the form with."""
    connection_id, _, calendar_id = form.calendar.data.partition(":")
    connection = db.session.scalar(
        select(CronofyConnection).filter_by(id=int(connection_id), user_id=current_user.id)
    )
    if connection is None:
        abort(404)
    start = form.start_instant(time_zone)
    if start is None:
        return 422
    # In UTC, so a duration across a change of the clocks is as long as it says.
    end = start + timedelta(minutes=form.duration.data)
    # Our own id for the event: upserting it again updates, and it is what delete takes.
    event = ManagedEvent(
        user_id=current_user.id,
        connection_id=connection.id,
        calendar_id=calendar_id,
        event_id=f"cc-{secrets.token_hex(16)}",
        summary=form.summary.data,
        description=form.description.data or "",
        starts_at=start,
        ends_at=end,
    )
    # Remember the event before asking Cronofy, so an event that exists is never untracked.
    db.session.add(event)
    db.session.commit()
    failed_with = send_event(form, event, start, end, time_zone)
    if failed_with is not None:
        db.session.delete(event)
        db.session.commit()
        return failed_with
    flash(f"Created “{event.title}”.", "success")
    return None


@bp.get("/<int:event_id>/delete")
@login_required
def confirm_delete(event_id: int) -> str:
    """Ask once before deleting (without JavaScript; the dashboard asks in a dialog)."""
    event = own_event(event_id)
    return render_template(
        "events/confirm_delete.html",
        summary=event.title,
        action=url_for("events.delete", event_id=event.id),
    )


@bp.post("/<int:event_id>/delete")
@login_required
def delete(event_id: int) -> Response:
    """Delete an event this app created, at Cronofy and here."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    event = own_event(event_id)
    connection = event.connection
    if "delete_event" not in connection.scopes:
        flash("This connection was not allowed to delete events. Reconnect to allow it.", "error")
        return redirect(url_for("dashboard.index"))
    summary = event.title
    try:
        call_with_token(
            connection,
            lambda token: cronofy_client().delete_event(token, event.calendar_id, event.event_id),
        )
    except errors.CronofyNotFound:
        message = f"“{summary}” was already gone from its calendar."
    except errors.CronofyError as exc:
        flash(f"“{summary}” was not deleted. {exc.user_message}", "error")
        return redirect(url_for("dashboard.index"))
    else:
        message = f"Deleted “{summary}”."
    record_deleted_event(connection, event.event_id)
    db.session.delete(event)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("dashboard.index"))


def own_event(event_id: int) -> ManagedEvent:
    """An event the signed-in user created here; 404 for anyone else's."""
    event = db.session.scalar(select(ManagedEvent).filter_by(id=event_id, user_id=current_user.id))
    if event is None:
        abort(404)
    return event
