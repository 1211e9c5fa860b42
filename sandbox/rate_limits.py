"""Cronofy's per-application rate limits: so many requests a second and a minute, then 429.

Cronofy documents the limits (50 a second, 500 a minute, for all of an application's users
together) but not how it counts them. The sandbox counts in fixed windows of its own clock
(`state.clock()`): second `floor(now)` and minute `floor(now / 60)`. A new window starts from
nothing, so a client can send a full minute's worth just before a minute turns and again just
after it; a sliding window would refuse some of those. Fixed windows make a pinned clock give
exact counts, which is what the tests need.

Only admitted requests count: a refused request uses up neither window, so a client that is
refused by the per-second limit has not spent any of its minute.
"""

import math
from dataclasses import dataclass


@dataclass
class _Window:
    length: int  # seconds
    index: int = -1  # floor(now / length) of the window being counted
    count: int = 0


class RateLimiter:
    """Counts admitted requests per second and per minute. Not locked: the caller holds one."""

    def __init__(self) -> None:
        self._second = _Window(1)
        self._minute = _Window(60)

    def admit(self, now: float, per_second: int, per_minute: int) -> bool:
        """True and counted when both windows have room at `now`; False (not counted) if not."""
        windows = ((self._second, per_second), (self._minute, per_minute))
        for window, _ in windows:
            index = math.floor(now / window.length)
            if index != window.index:
                window.index, window.count = index, 0
        if any(window.count >= limit for window, limit in windows):
            return False
        for window, _ in windows:
            window.count += 1
        return True
