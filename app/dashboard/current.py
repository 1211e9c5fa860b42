"""The signed-in user's dashboard, read from the local copy (the one place it is read)."""

from datetime import UTC, datetime

from sqlalchemy import select

from app.dashboard.agenda import CreatedHere
from app.dashboard.overview import build_overview
from app.dashboard.views import Overview
from app.extensions import db
from app.models import ManagedEvent, User
from app.sync.copy import copy_state, read_copies, version
from app.timezones import user_time_zone


def current_overview(user: User) -> tuple[Overview, str]:
    """The overview and the copy's version; stale copies are refreshed in the background."""
    now = datetime.now(UTC)
    copies = read_copies(user, now)
    # Of the events created here, only what marks them in the agenda.
    records = select(ManagedEvent.id, ManagedEvent.connection_id, ManagedEvent.event_id)
    created = [
        CreatedHere(id, connection_id, event_id)
        for id, connection_id, event_id in db.session.execute(records.filter_by(user_id=user.id))
    ]
    # The connections' time zones come with the copies: no second read of the connections.
    time_zone = user_time_zone(user, [copy.default_tzid for copy in copies])
    return build_overview(copies, created, time_zone, now), version(copies)


def copy_version(user: User) -> tuple[str, bool]:
    """The copy's version, and whether a first sync is still awaited (for the page's poll)."""
    return copy_state(user)
