"""Push notifications on their way to channels' callback URLs, sent as a real service sends them.

Deliveries run on background threads, never inside the request that caused them, one at a
time per channel and in order. Each is a POST of the notification's exact bytes with its
signature. An answer other than 2xx, a refused connection or a timeout is tried again after a
growing delay (`notification_retry_seconds`, doubling) until `notification_retry_window_seconds`
have passed since the first attempt; then the notification is given up and, when
`close_failing_channels` is on, its channel is closed. Cronofy does not publish these rules:
the defaults follow the common reading (retries for a day, then the channel is closed).
Retry timing uses the monotonic clock, so it stays real while tests pin the wall clock.

Every attempt is recorded (`log`). Delivery faults make the next notifications dropped,
delayed, duplicated, reordered or wrongly signed, so a receiver's defences can be tested.
"""

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox.models import Channel
from sandbox.signing import HEADER, header_value

LOG_LIMIT = 1000
WORKERS = 4
FAULT_KINDS = ("drop", "delay", "duplicate", "reorder", "bad_signature")
# A reordered notification waits for the next one to overtake it, at most this long.
REORDER_HOLD_SECONDS = 1.0
WRONG_SECRET = "not-this-application's-secret"  # noqa: S105 - signs on purpose with a wrong key


@dataclass
class DeliveryFault:
    """The next `remaining` notifications (to `channel_id`, or to any) are sent wrongly."""

    kind: str
    remaining: int
    seconds: float = 0.0
    channel_id: str | None = None


@dataclass
class Delivery:
    """One notification to one channel, with its attempts so far."""

    number: int
    channel: Channel
    type: str
    body: bytes
    header: str
    due: float  # monotonic seconds
    attempts: int = 0
    first_attempt: float | None = None
    held: bool = False  # a reordered notification, waiting to be overtaken
    generation: int = 0  # the queue's, when it was sent: a clear() drops its retries


@dataclass(order=True)
class _Slot:
    due: float
    sequence: int
    delivery: Delivery = field(compare=False)


class Deliveries:
    """The queue of notifications, the threads that send them, their faults and their log."""

    def __init__(
        self,
        settings: Callable[[], dict[str, Any]],
        on_give_up: Callable[[Channel], None],
    ) -> None:
        self._settings = settings
        self._on_give_up = on_give_up
        self._condition = threading.Condition()
        self._queue: list[_Slot] = []
        self._sequence = itertools.count()
        self._numbers = itertools.count(1)
        self._busy: set[str] = set()  # channels with a delivery in flight
        self._faults: list[DeliveryFault] = []
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self._threads: list[threading.Thread] = []
        self._generation = 0  # bumped by clear(): what was in flight then is not retried

    # ----- what the state calls ------------------------------------------------------------

    def send(self, channel: Channel, kind: str, body: bytes, secrets: list[str]) -> None:
        """Queue a notification; faults planned for it apply now."""
        with self._condition:
            delivery = Delivery(
                next(self._numbers),
                channel,
                kind,
                body,
                header_value(body, secrets),
                time.monotonic(),
                generation=self._generation,
            )
            fault = self._take_fault(channel.channel_id)
            if fault == "drop":
                self._record(delivery, "dropped", 0.0, "dropped")
                return
            if fault == "bad_signature":
                delivery.header = header_value(body, [WRONG_SECRET])
            elif isinstance(fault, float):  # a delay
                delivery.due += fault
            overtaken = [slot for slot in self._queue if slot.delivery.held]
            if fault == "reorder":
                delivery.held = True
                delivery.due += REORDER_HOLD_SECONDS
            self._push(delivery)
            self._release(overtaken, after=delivery)
            if fault == "duplicate":
                twin = Delivery(
                    next(self._numbers),
                    channel,
                    kind,
                    body,
                    delivery.header,
                    delivery.due,
                    generation=self._generation,
                )
                self._push(twin)
            self._start_workers()
            self._condition.notify_all()

    def add_fault(
        self, kind: str, count: int = 1, seconds: float = 0.0, channel_id: str | None = None
    ) -> None:
        """Plan a delivery fault for the next `count` notifications."""
        with self._condition:
            self._faults.append(DeliveryFault(kind, count, seconds, channel_id))

    def discard_channel(self, channel_id: str) -> None:
        """A closed channel gets nothing more; what is in flight finishes."""
        with self._condition:
            self._queue = [s for s in self._queue if s.delivery.channel.channel_id != channel_id]
            heapq.heapify(self._queue)
            self._condition.notify_all()

    def log(self) -> list[dict[str, Any]]:
        """Every attempt, oldest first."""
        with self._condition:
            return [dict(entry) for entry in self._log]

    def clear(self) -> None:
        """Forget queued notifications, faults and the log (a reset of the sandbox, or its
        stop): one in flight finishes, unlogged, and is not retried."""
        with self._condition:
            self._generation += 1
            self._queue.clear()
            self._faults.clear()
            self._log.clear()
            self._condition.notify_all()

    def clear_log(self) -> None:
        with self._condition:
            self._log.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in flight; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(left)
            return True

    # ----- inside, under the condition's lock ----------------------------------------------

    def _take_fault(self, channel_id: str) -> str | float | None:
        for fault in self._faults:
            if fault.channel_id in (None, channel_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault.seconds if fault.kind == "delay" else fault.kind
        return None

    def _release(self, held: list[_Slot], after: Delivery) -> None:
        """Held (reordered) notifications go right after the one that overtook them."""
        for slot in held:
            self._queue.remove(slot)
            slot.delivery.held = False
            slot.delivery.due = after.due
            self._push(slot.delivery)
        heapq.heapify(self._queue)

    def _push(self, delivery: Delivery) -> None:
        heapq.heappush(self._queue, _Slot(delivery.due, next(self._sequence), delivery))

    def _start_workers(self) -> None:
        while len(self._threads) < WORKERS:
            thread = threading.Thread(target=self._work, name="sandbox-push", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _next_ready(self) -> Delivery:
        """Block until a delivery is due whose channel is free; take it."""
        while True:
            now = time.monotonic()
            wait: float | None = None
            for slot in sorted(self._queue):
                if slot.delivery.channel.channel_id in self._busy:
                    continue
                if slot.due <= now:
                    self._queue.remove(slot)
                    heapq.heapify(self._queue)
                    self._busy.add(slot.delivery.channel.channel_id)
                    return slot.delivery
                wait = slot.due - now
                break
            self._condition.wait(wait)

    def _record(self, delivery: Delivery, status: int | str, seconds: float, outcome: str) -> None:
        self._log.append(
            {
                "notification": delivery.number,
                "channel_id": delivery.channel.channel_id,
                "type": delivery.type,
                "attempt": delivery.attempts,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "outcome": outcome,
                "finished_at": time.time(),
            }
        )

    # ----- the worker threads --------------------------------------------------------------

    def _work(self) -> None:
        with requests.Session() as http:
            while True:
                with self._condition:
                    delivery = self._next_ready()
                self._attempt(http, delivery)

    def _attempt(self, http: requests.Session, delivery: Delivery) -> None:
        settings = self._settings()
        started = time.monotonic()
        delivery.attempts += 1
        if delivery.first_attempt is None:
            delivery.first_attempt = started
        status: int | str
        try:
            response = http.post(
                delivery.channel.callback_url,
                data=delivery.body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    HEADER: delivery.header,
                },
                timeout=settings["notification_timeout_seconds"],
                allow_redirects=False,
            )
            status = response.status_code
            response.close()
        except requests.Timeout:
            status = "timeout"
        except requests.RequestException:
            status = "error"
        finished = time.monotonic()
        delivered = isinstance(status, int) and 200 <= status < 300
        delay = settings["notification_retry_seconds"] * 2 ** (delivery.attempts - 1)
        window_left = settings["notification_retry_window_seconds"] - (
            finished - delivery.first_attempt + delay
        )
        give_up = not delivered and window_left < 0
        outcome = "delivered" if delivered else ("given_up" if give_up else "retrying")
        if give_up and settings["close_failing_channels"]:
            self._on_give_up(delivery.channel)  # before the channel counts as idle again
        with self._condition:
            current = delivery.generation == self._generation  # not from before a clear()
            if current:
                self._record(delivery, status, finished - started, outcome)
            if outcome == "retrying" and current:
                delivery.due = finished + delay
                self._push(delivery)
            self._busy.discard(delivery.channel.channel_id)
            self._condition.notify_all()
