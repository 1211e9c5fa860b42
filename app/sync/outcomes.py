"""Why a part of the local copy could not be refreshed, in words a person can act on."""

import enum

from app.cronofy import errors


class Failure(enum.StrEnum):
    """Stored in `Snapshot.error`: why the latest refresh of that data set failed."""

    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    NOT_GRANTED = "not_granted"
    RECONNECT = "reconnect"
    BUSY = "busy"
    BAD_RESPONSE = "bad_response"
    FAILED = "failed"

    @property
    def reason(self) -> str:
        """What went wrong, and what the person can do about it."""
        return REASONS[self] + (f" {TRY_AGAIN}" if self in PASSING else "")


# Failures that pass by themselves: a failed part is read again when a page is opened a
# minute or more after the failure (app/sync/copy.py), or when Cronofy tells of a change.
PASSING = frozenset(
    {Failure.UNAVAILABLE, Failure.RATE_LIMITED, Failure.BUSY, Failure.BAD_RESPONSE, Failure.FAILED}
)
TRY_AGAIN = "Reload this page in a minute to try again."

REASONS = {
    Failure.UNAVAILABLE: "Cronofy is not answering.",
    Failure.RATE_LIMITED: "Cronofy is busy.",
    Failure.FORBIDDEN: "This connection was not granted the permission this needs.",
    Failure.UNAUTHORIZED: "Cronofy did not accept this connection's access; reconnect it if "
    "this lasts.",
    Failure.NOT_GRANTED: "This connection was not granted the permission this needs.",
    Failure.RECONNECT: "This app cannot use this connection's access any more; reconnect it "
    "to see its calendars again.",
    Failure.BUSY: "The connection was busy.",
    Failure.BAD_RESPONSE: "Cronofy sent an answer this app could not read.",
    Failure.FAILED: "Cronofy could not complete the request.",
}


def failure_for(exc: errors.CronofyError) -> Failure:
    """The stored reason for an upstream failure (most specific class first)."""
    if isinstance(exc, errors.CronofyRateLimited):
        return Failure.RATE_LIMITED
    if isinstance(exc, errors.CronofyUnavailable):
        return Failure.UNAVAILABLE
    if isinstance(exc, errors.CronofyForbidden):
        return Failure.FORBIDDEN
    if isinstance(exc, errors.ConnectionLost | errors.TokensUnreadable | errors.InvalidGrant):
        return Failure.RECONNECT
    if isinstance(exc, errors.CronofyUnauthorized):
        return Failure.UNAUTHORIZED
    if isinstance(exc, errors.RefreshBusy):
        return Failure.BUSY
    if isinstance(exc, errors.CronofyBadResponse):
        return Failure.BAD_RESPONSE
    return Failure.FAILED


def parse_failure(value: str | None) -> Failure | None:
    """A stored reason, tolerating values from a newer or older version."""
    try:
        return Failure(value) if value else None
    except ValueError:
        return Failure.FAILED
