"""A callback URL on a free port that records every push notification it is sent."""

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.live import LiveApp


@dataclass(frozen=True)
class Received:
    """One request as it arrived: the exact body bytes and the headers."""

    path: str
    body: bytes
    headers: dict[str, str]
    status: int  # what the receiver answered

    @property
    def signature(self) -> str:
        return self.headers.get("Cronofy-Hmac-Sha256", "")


class Receiver(LiveApp):
    """Answers 200 unless told otherwise: `answer(500, 500)` for the next two, or a number
    of seconds to sleep (`answer(2.0)`) to make the sender time out. Served like the app
    (tests/live.py): `with Receiver() as receiver`, then send to `receiver.url`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._answers: deque[int | float] = deque()
        self._lock = threading.Condition()
        super().__init__(self._app)  # type: ignore[arg-type]  # a plain WSGI app

    def answer(self, *answers: int | float) -> None:
        with self._lock:
            self._answers.extend(answers)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests arrived (or fail): all received so far."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"got {len(self.received)} of {count} notifications"
                self._lock.wait(left)
            return list(self.received)

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        with self._lock:
            planned = self._answers.popleft() if self._answers else 200
        if isinstance(planned, float):
            time.sleep(planned)
            status = 200
        else:
            status = planned
        with self._lock:
            self.received.append(Received(request.path, body, dict(request.headers), status))
            self._lock.notify_all()
        return Response(b"", status=status)(environ, start_response)
