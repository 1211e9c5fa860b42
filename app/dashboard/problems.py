"""What the dashboard says is wrong with a connection, and what the person can do about it."""

from datetime import tzinfo

from app.dashboard.views import Problem
from app.models import DataSet
from app.sync.copy import ConnectionCopy
from app.sync.outcomes import Failure

# What each scope lets the dashboard do, in the words the page uses.
FEATURES = {
    "list_calendars": "see its calendars",
    "read_events": "see its events",
    "read_account": "check the health of its linked calendar accounts",
    "create_event": "create events",
    "delete_event": "delete the events this app created",
}
# How each data set is named in a sentence.
NOUNS = {
    DataSet.CALENDARS: "calendars",
    DataSet.PROFILES: "account health",
    DataSet.EVENTS: "events",
}
REVOKED = (
    "Cronofy no longer gives this app access to this calendar account (access was revoked or "
    "ended), so its copied calendar data was removed. Reconnect it to see its calendars again."
)


def reconnect_reason(copy: ConnectionCopy) -> str | None:
    """Why the connection must be connected again, if it must."""
    if copy.needs_reconnect:
        return REVOKED
    if any(copy.part(d).failure is Failure.RECONNECT for d in copy.granted):
        # Its tokens cannot be used (say, a key was removed too early): what was copied
        # through them stays on show, with a way to connect again.
        return Failure.RECONNECT.reason
    return None


def problems(copy: ConnectionCopy, tz: tzinfo) -> tuple[Problem, ...]:
    """The notices for a connection: each scope not granted, then each failed refresh.

    Not asked of a connection whose access ended: its reconnect reason says it all.
    """
    missing = tuple(
        Problem(f"This connection was not allowed to {FEATURES[d.scope]}.", d.scope)
        for d in DataSet
        if d.scope not in copy.scopes
    )
    return missing + refresh_problems(copy, tz)


def refresh_problems(copy: ConnectionCopy, tz: tzinfo) -> tuple[Problem, ...]:
    """What to say about the data sets whose latest refresh failed: one notice per cause.

    Parts that failed the same way and are shown from the same moment share a sentence.
    """
    groups: dict[tuple[Failure, str | None, str | None], list[DataSet]] = {}
    for data_set in copy.granted:
        part = copy.part(data_set)
        if part.failure in (None, Failure.NOT_GRANTED, Failure.RECONNECT):
            continue  # fine, or said once for the connection (not granted, reconnect)
        assert part.failure is not None
        as_of = None
        if part.loaded and part.synced_at is not None:
            moment = part.synced_at.astimezone(tz)
            as_of = f"{moment:%H:%M} on {moment:%-d %b}"
        missing = data_set.scope if part.failure is Failure.FORBIDDEN else None
        groups.setdefault((part.failure, as_of, missing), []).append(data_set)
    return tuple(
        _problem(failure, as_of, missing, [NOUNS[d] for d in data_sets])
        for (failure, as_of, missing), data_sets in groups.items()
    )


def _problem(
    failure: Failure, as_of: str | None, missing: str | None, nouns: list[str]
) -> Problem:
    reconnect = failure is Failure.UNAUTHORIZED
    if as_of is None:  # nothing to show: an error, not a warning
        message = f"Its {_joined(nouns)} could not be loaded yet. {failure.reason}"
        return Problem(message, missing, "error", reconnect)
    message = f"Showing its {_joined(nouns)} as of {as_of}. {failure.reason}"
    return Problem(message, missing, "warning", reconnect)


def _joined(words: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
