"""Rate limits on the forms that invite guessing or abuse: log in, register, connect."""

from typing import cast

from flask import Flask
from flask.typing import RouteCallable
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Endpoint -> the setting that holds its limit ("10 per minute; 100 per hour").
LIMITED_ENDPOINTS = {
    "auth.login": "RATELIMIT_LOGIN",
    "auth.register": "RATELIMIT_REGISTER",
    "cronofy.connect": "RATELIMIT_CONNECT",
}

TOO_MANY = "Too many attempts from your network in a short time. Wait a minute, then try again."


def init_limits(app: Flask) -> Limiter:
    """Give this app its own limiter (storage from RATELIMIT_STORAGE_URI) and apply the limits.

    One Limiter per app, not a module global: each app built by the factory (and each
    test) gets its own storage connection and counters.
    """
    # Keyed by the client's address; behind proxies that is the address ProxyFix took
    # from X-Forwarded-For, and only as many hops as PROXY_COUNT says.
    limiter = Limiter(get_remote_address)
    limiter.init_app(app)
    # The limits hold only a weak reference to their limiter: the app keeps it alive.
    app.extensions["rate_limiter"] = limiter
    if not limiter.enabled:
        return limiter
    for endpoint, setting in LIMITED_ENDPOINTS.items():
        view = app.view_functions[endpoint]
        # Only POSTs count: reading the form is free, submitting it is what gets guessed.
        limit = limiter.limit(app.config[setting], methods=["POST"], error_message=TOO_MANY)
        # The limit keeps a view sync (or async); typed Callable[P, R] -> Callable[P, R],
        # it cannot say so of Flask's union of the two kinds of view.
        app.view_functions[endpoint] = cast(RouteCallable, limit(view))
    return limiter
