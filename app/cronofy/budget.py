"""One budget for every call to Cronofy, shared by every web process and worker.

Cronofy limits each application, all its users together, to 50 requests a second and 500 a
minute. Every call this app makes (`CronofyClient._send`) first takes one unit of
CRONOFY_BUDGET, counted in a store all processes share (Redis in production; memory for a
single process). Each window is split in two: CRONOFY_BUDGET_RESERVE of it only for calls a
person is waiting for (connect, create, delete, disconnect), the rest for anyone. People
take from their share first and then from the rest; background syncs take only from the
rest. So all calls together never exceed the budget, and people always have their share,
however busy the workers are; every count is one atomic step in the shared store. A caller
that finds no budget waits (briefly for people, longer for workers) and then gives up with
CronofyRateLimited, as if Cronofy had said 429. If the shared store fails, this process
counts on its own, like the sign-in limits do.
"""

import enum
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import Flask
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.cronofy import errors
from app.security.limits import FallbackRateLimiter

log = logging.getLogger(__name__)

KEY = "cronofy-calls"  # one counter for the whole application


class Priority(enum.Enum):
    INTERACTIVE = "interactive"
    BACKGROUND = "background"


_priority: ContextVar[Priority] = ContextVar("cronofy_call_priority", default=Priority.INTERACTIVE)


@contextmanager
def background_calls() -> Iterator[None]:
    """Calls made inside are background work: they yield to interactive ones."""
    token = _priority.set(Priority.BACKGROUND)
    try:
        yield
    finally:
        _priority.reset(token)


@dataclass(frozen=True)
class Window:
    """One limit of the budget (45 a second, say), split into people's share and the rest."""

    people: RateLimitItem
    anyone: RateLimitItem


def split(item: RateLimitItem, reserve: float) -> Window:
    """People's share rounded up, so a small budget still keeps at least one call for them."""
    people = min(item.amount, max(1, math.ceil(item.amount * reserve)))
    granularity = type(item)
    return Window(
        granularity(people, item.multiples, namespace="PEOPLE"),
        granularity(item.amount - people, item.multiples, namespace="ANYONE"),
    )


class Budget:
    """Takes one call's worth of budget, waiting for it if need be."""

    def __init__(
        self,
        windows: list[Window],
        counting: MovingWindowRateLimiter | FallbackRateLimiter,
        *,
        waits: dict[Priority, float],
    ) -> None:
        self.windows = windows
        self.counting = counting
        self.waits = waits

    def take(self) -> None:
        """One unit for a call about to be made; CronofyRateLimited if none comes in time."""
        priority = _priority.get()
        deadline = time.monotonic() + self.waits[priority]
        delay = 0.01
        while not self._try(priority):
            if time.monotonic() + delay > deadline:
                log.warning("Cronofy budget spent: a %s call was not made", priority.value)
                raise errors.CronofyRateLimited("budget", retry_after=self._next_free())
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    def _try(self, priority: Priority) -> bool:
        # A unit taken in one window while a later one refuses is simply spent: the budget
        # errs on the side of fewer calls.
        for window in self.windows:
            if priority is Priority.INTERACTIVE and self._hit(window.people):
                continue
            if not self._hit(window.anyone):
                return False
        return True

    def _hit(self, item: RateLimitItem) -> bool:
        return item.amount > 0 and self.counting.hit(item, KEY)

    def _next_free(self) -> float:
        resets = [self.counting.get_window_stats(w.anyone, KEY).reset_time for w in self.windows]
        return max(0.0, max(resets) - time.time())


def budget_for(app: Flask) -> Budget:
    """The app's budget, counted where CRONOFY_BUDGET_STORAGE_URI (or the limits) count."""
    uri = app.config.get("CRONOFY_BUDGET_STORAGE_URI") or app.config["RATELIMIT_STORAGE_URI"]
    uri = str(uri or "memory://")
    counting: MovingWindowRateLimiter | FallbackRateLimiter
    if uri.startswith("memory://"):
        counting = MovingWindowRateLimiter(MemoryStorage())
    else:
        timeout = float(app.config["RATELIMIT_STORAGE_TIMEOUT"])
        shared = storage_from_string(uri, socket_connect_timeout=timeout, socket_timeout=timeout)
        counting = FallbackRateLimiter(
            MovingWindowRateLimiter(shared),
            MovingWindowRateLimiter(MemoryStorage()),
            retry_seconds=float(app.config["RATELIMIT_STORAGE_RETRY_SECONDS"]),
            logger=log,
            store_name="Cronofy budget store",
        )
    reserve = float(app.config["CRONOFY_BUDGET_RESERVE"])
    return Budget(
        [split(item, reserve) for item in parse_many(app.config["CRONOFY_BUDGET"])],
        counting,
        waits={
            Priority.INTERACTIVE: float(app.config["CRONOFY_BUDGET_WAIT"]),
            Priority.BACKGROUND: float(app.config["CRONOFY_BUDGET_BACKGROUND_WAIT"]),
        },
    )
