"""What can go wrong when talking to Cronofy, each with a message a user can act on."""


class CronofyError(Exception):
    """A call to Cronofy failed; `user_message` is safe to show, the args are for logs."""

    user_message = "Cronofy could not complete the request. Please try again in a moment."


class CronofyUnavailable(CronofyError):
    """Cronofy or the calendar provider failed (5xx), timed out, or could not be reached."""

    user_message = "Cronofy is not answering right now. Please try again in a few minutes."


class CronofyRateLimited(CronofyError):
    """Cronofy answered 429 (or this app's own budget ran out): too many requests.

    `retry_after` is how many seconds to wait when Cronofy said (`Retry-After`), else None.
    """

    user_message = "Cronofy is busy with too many requests. Please try again in a minute."

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CronofyBadResponse(CronofyError):
    """Cronofy answered with something that is not the JSON Cronofy documents."""

    user_message = "Cronofy sent an answer this app could not read. Please try again later."


class CronofyUnauthorized(CronofyError):
    """401: the access token was not accepted (expired or revoked)."""

    user_message = "Cronofy did not accept this connection's access. Please reconnect it."


class CronofyForbidden(CronofyError):
    """403: the token lacks the scope this call needs."""

    user_message = (
        "This connection was not granted the permission this needs. Reconnect to grant it."
    )


class CronofyNotFound(CronofyError):
    """404: the calendar or resource is not in this Cronofy account."""

    user_message = "Cronofy could not find that calendar or item."


class CronofyInvalid(CronofyError):
    """422: Cronofy rejected the parameters; `errors` maps field names to messages."""

    user_message = "Cronofy rejected the request as invalid."

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class CronofyClientRejected(CronofyError):
    """The token endpoint refused this app's client credentials: a configuration problem."""

    user_message = (
        "Cronofy refused this app's credentials. The site's administrator needs to check "
        "CRONOFY_CLIENT_ID and CRONOFY_CLIENT_SECRET."
    )


class InvalidGrant(CronofyError):
    """The token endpoint answered `invalid_grant`: the code or refresh token is not valid."""

    user_message = "Cronofy no longer accepts this connection. Please reconnect it."


class RefreshBusy(CronofyError):
    """Another request held the connection's refresh lock for too long."""

    user_message = "This calendar connection is busy being refreshed. Reload in a moment."


class TokensUnreadable(CronofyError):
    """The stored tokens cannot be decrypted with the configured keys."""

    user_message = (
        "This app cannot use this connection's stored access any more. "
        "Reconnect it to see its calendars again."
    )


class ConnectionLost(CronofyError):
    """The refresh token was refused after re-reading the row: the user must reconnect."""

    user_message = (
        "Cronofy no longer gives this app access to this calendar account "
        "(access was revoked or ended). Reconnect it to see its calendars again."
    )
