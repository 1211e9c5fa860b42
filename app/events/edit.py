"""Editing an event this app created: its title, description, start and length.

Cronofy has no partial update: an upsert with the same `event_id` replaces the event, so
the whole event is sent again (its calendar stays). The form starts from the event as the
local copy last saw it, which includes changes made at the provider, and falls back to
what this app recorded when the copy does not hold it (an event outside the agenda's
window).
"""

from datetime import datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.events import bp
from app.events.forms import EditEventForm
from app.events.routes import own_event, send_event
from app.events.times import cronofy_instant
from app.extensions import db
from app.models import DataSet, ManagedEvent, Snapshot
from app.timezones import user_time_zone

# The length the form offers for an event recorded before its end was kept, when the copy
# does not have it either.
DEFAULT_LENGTH = timedelta(minutes=30)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int) -> Response | tuple[str, int]:
    """The edit form; on success the event is upserted again and the copy shows it at once."""
    event = own_event(event_id)
    time_zone = user_time_zone(current_user, [event.connection.default_tzid])
    form = EditEventForm()
    status = 200
    if not form.is_submitted():
        _fill(form, event, time_zone)
    else:
        if (minutes := _posted_minutes(form)) is not None:
            form.offer_duration(minutes)  # the event's own length, though not in the list
        if not form.validate():
            status = 422
        elif (start := form.start_instant(time_zone)) is None:
            status = 422  # a time the clocks skip: the field says so
        else:
            failed_with = _save(form, event, start, time_zone)
            if failed_with is None:
                flash(f"Saved “{event.title}”.", "success")
                return redirect(url_for("events.mine"))
            status = failed_with
    page = render_template("events/edit.html", form=form, event=event, time_zone=time_zone)
    return page, status


def _posted_minutes(form: EditEventForm) -> int | None:
    """The length sent, when it is a whole number of minutes up to a day."""
    raw = (form.duration.raw_data or [""])[0]
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 24 * 60 else None


def _fill(form: EditEventForm, event: ManagedEvent, time_zone: str) -> None:
    """The form as the event is now: the copy's version if it has one, else the record."""
    seen = _in_copy(event)
    start, end = event.starts_at, event.ends_at or event.starts_at + DEFAULT_LENGTH
    form.summary.data, form.description.data = event.title, event.description or ""
    if seen is not None:
        form.summary.data = str(seen.get("summary") or form.summary.data)
        form.description.data = str(seen.get("description") or "")
        start, end = (
            cronofy_instant(seen.get("start")) or start,
            cronofy_instant(seen.get("end")) or end,
        )
    form.show(start, end, time_zone)


def _in_copy(event: ManagedEvent) -> dict[str, Any] | None:
    """The event as the connection's copy of its events holds it, if it does."""
    row = db.session.scalar(
        select(Snapshot).filter_by(connection_id=event.connection_id, data_set=DataSet.EVENTS)
    )
    content = row.content if row is not None else None
    events = content.get("events") if isinstance(content, dict) else None
    for item in events or []:
        if isinstance(item, dict) and item.get("event_id") == event.event_id:
            return item
    return None


def _save(form: EditEventForm, event: ManagedEvent, start: datetime, time_zone: str) -> int | None:
    """Send the whole event again; None on success, else the status to re-render with."""
    end = start + timedelta(minutes=form.duration.data)  # in UTC: as long across a clock change
    failed_with = send_event(form, event, start, end, time_zone)
    if failed_with is None:
        event.summary, event.description = form.summary.data, form.description.data or ""
        event.starts_at, event.ends_at = start, end
        db.session.commit()
    return failed_with
