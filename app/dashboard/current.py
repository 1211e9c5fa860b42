"""The signed-in user's overview, read from the local copy (the one place pages get it)."""

from datetime import UTC, datetime

from sqlalchemy import select

from app.dashboard.overview import Overview, build_overview
from app.extensions import db
from app.models import ManagedEvent, User
from app.sync.copy import copy_state, load_copies, refresh_if_stale, version
from app.timezones import user_time_zone


def current_overview(user: User) -> tuple[Overview, str]:
    """The overview and the copy's version; stale copies are refreshed in the background."""
    now = datetime.now(UTC)
    copies = load_copies(user)
    if refresh_if_stale(copies, now):
        copies = load_copies(user)  # marked now; with an immediate queue, refreshed too
    managed = list(db.session.scalars(select(ManagedEvent).filter_by(user_id=user.id)))
    # The connections' time zones come with the copies: no second read of the connections.
    time_zone = user_time_zone(user, [copy.default_tzid for copy in copies])
    return build_overview(copies, managed, time_zone, now), version(copies)


def copy_version(user: User) -> tuple[str, bool]:
    """The copy's version, and whether a first sync is still awaited (for the page's poll)."""
    return copy_state(user)
