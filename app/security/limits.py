"""Rate limits on the forms that invite guessing or abuse: log in, register, connect.

The counters live in RATELIMIT_STORAGE_URI (Redis in production). When that store cannot be
reached or fails, the limits keep working: each process counts in its own memory until the
store answers again (FallbackRateLimiter). A failing Redis never turns a log-in into an error.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import redis
from flask import Flask
from flask.typing import RouteCallable
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import STRATEGIES, RateLimiter
from limits.util import WindowStats

from config import ConfigError

T = TypeVar("T")

# Endpoint -> the setting that holds its limit ("10 per minute; 100 per hour").
LIMITED_ENDPOINTS = {
    "auth.login": "RATELIMIT_LOGIN",
    "auth.register": "RATELIMIT_REGISTER",
    "cronofy.connect": "RATELIMIT_CONNECT",
}

TOO_MANY = "Too many attempts from your network in a short time. Wait a minute, then try again."

# Schemes whose client takes redis-py's socket timeouts.
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")

# What "the store cannot be used" means: any error of Redis itself. Refused, reset or timed
# out, still loading its data, refusing our credentials, a read-only replica after a
# failover, even a key of the wrong type: none of them may turn a log-in into an error page.
# The warning names the error's class, and `flask doctor` checks the store, so it is found.
# Errors of anything else (this app's own code) are raised as usual, never counted around.
STORE_FAILURES = (redis.exceptions.RedisError,)


def store_failed(exc: BaseException) -> bool:
    """Whether `exc` is the rate-limit store failing (rather than this app's code)."""
    if isinstance(exc, StorageError):  # limits' wrapper, when wrap_exceptions is on
        exc = exc.storage_error
    return isinstance(exc, STORE_FAILURES)


class FallbackRateLimiter:
    """A rate-limiting strategy that counts in the main store, or in memory while it is down.

    The first call that finds the store unreachable (or failing) logs one warning and switches this
    process to its in-memory counters. From then on, at most once every `retry_seconds`,
    one call tries the store again; the first that succeeds logs one info line and counting
    returns to the store. Calls made in between never wait on the store.

    Flask-Limiter's own fallback (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) is not used: it
    falls back on any exception at all, and requests already waiting on the store when it
    switches raise instead of falling back.
    """

    def __init__(
        self,
        main: RateLimiter,
        fallback: RateLimiter,
        *,
        retry_seconds: float,
        logger: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
        store_name: str = "Rate limit store",
    ) -> None:
        self.main, self.fallback = main, fallback
        self.store_name = store_name
        self.retry_seconds = retry_seconds
        self.logger = logger
        self.clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._next_try = 0.0

    @property
    def counting_in_memory(self) -> bool:
        """Whether this process is counting in memory because the store failed."""
        return self._down

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._call(lambda strategy: strategy.hit(item, *identifiers, cost=cost))

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._call(lambda strategy: strategy.test(item, *identifiers, cost=cost))

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self._call(lambda strategy: strategy.get_window_stats(item, *identifiers))

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        return self._call(lambda strategy: strategy.clear(item, *identifiers))

    def _call(self, use: Callable[[RateLimiter], T]) -> T:
        """`use` the main store's strategy, or the in-memory one while the store is down."""
        if not self._try_main():
            return use(self.fallback)
        try:
            result = use(self.main)
        except Exception as exc:
            if not store_failed(exc):
                raise
            self._went_down(exc)
            return use(self.fallback)
        if self._down:
            self._came_back()
        return result

    def _try_main(self) -> bool:
        """Whether this call should use the main store: it is up, or it is time to retry."""
        if not self.counting_in_memory:
            return True
        with self._lock:
            if not self._down:  # another request found the store again meanwhile
                return True
            now = self.clock()
            if now < self._next_try:
                return False
            self._next_try = now + self.retry_seconds  # this call is the retry
            return True

    def _went_down(self, exc: BaseException) -> None:
        with self._lock:
            self._next_try = self.clock() + self.retry_seconds
            if self._down:
                return  # another request already said so
            self._down = True
        # The class name only: the exception's text can carry the store's address.
        self.logger.warning(
            "%s unusable (%s): this process counts attempts in memory "
            "until it answers again (retried every %gs)",
            self.store_name,
            type(exc).__name__,
            self.retry_seconds,
        )

    def _came_back(self) -> None:
        with self._lock:
            if not self._down:
                return
            self._down = False
        self.logger.info("%s usable again: attempts are counted in it again", self.store_name)


class ResilientLimiter(Limiter):
    """Flask-Limiter whose counting goes through a FallbackRateLimiter for shared stores."""

    counting: FallbackRateLimiter | None = None

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        if not self.enabled or isinstance(self.storage, MemoryStorage):
            return  # memory:// cannot become unreachable
        strategy = STRATEGIES[app.config["RATELIMIT_STRATEGY"]]
        self.counting = FallbackRateLimiter(
            strategy(self.storage),
            strategy(MemoryStorage()),
            retry_seconds=float(app.config["RATELIMIT_STORAGE_RETRY_SECONDS"]),
            logger=app.logger,
        )

    @property
    def limiter(self) -> RateLimiter:
        """The strategy every limit is checked with (Flask-Limiter reads only this)."""
        return self.counting or super().limiter  # type: ignore[return-value]


def init_limits(app: Flask) -> Limiter:
    """Give this app its own limiter (storage from RATELIMIT_STORAGE_URI) and apply the limits.

    One Limiter per app, not a module global: each app built by the factory (and each
    test) gets its own storage connection and counters.
    """
    if app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"):
        raise ConfigError(
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED must stay off: the app counts in memory on "
            "its own while the rate-limit store is unreachable (app/security/limits.py)."
        )
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    options: dict[str, Any] = {}
    if uri.startswith(REDIS_SCHEMES):
        # Without these a Redis that stopped answering (rather than refusing) would hold
        # each log-in for redis-py's default of 5 seconds before it is found unreachable.
        timeout = float(app.config["RATELIMIT_STORAGE_TIMEOUT"])
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    # Keyed by the client's address; behind proxies that is the address ProxyFix took
    # from X-Forwarded-For, and only as many hops as PROXY_COUNT says.
    # RATELIMIT_STORAGE_OPTIONS, if set, overrides `options` key by key.
    limiter = ResilientLimiter(get_remote_address, storage_options=options)
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
