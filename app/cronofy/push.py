"""The webhook Cronofy POSTs push notifications to: verify, record, nudge, answer.

`POST /cronofy/notifications/<token>`. The body's signature is checked first, over the raw
bytes, with the client secret (and the previous one while it is rotated): a missing or
wrong one is a 401 and nothing else happens. The token in the path names the connection
(404 if no channel has it). Then, by type: `verification` marks the channel verified;
`change` records where to read from and nudges a sync; the profile notifications nudge a
full sync; any other type is acknowledged and ignored, as Cronofy asks. No call to
Cronofy and no long work happens here: the answer takes a few milliseconds, and the work
waits in the database and the queue. Nothing from the body reaches a log line or a page.
"""

import json
import logging
import threading
import time
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request

from app.cronofy.signatures import HEADER, signed_by
from app.extensions import csrf, db
from app.models import ConnectionStatus
from app.sync import marks
from app.sync.channels import connection_for_token
from app.sync.tasks import nudge, request_sync

bp = Blueprint("push", __name__, url_prefix="/cronofy/notifications")

log = logging.getLogger(__name__)

FULL_SYNC_TYPES = ("profile_disconnected", "profile_initial_sync_completed")


class RefusedLog:
    """One log line per burst of refused notifications, not one per notification."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self._lock = threading.Lock()
        self._count = 0
        self._since = 0.0

    def refused(self, why: str) -> None:
        with self._lock:
            now = time.monotonic()
            if self._count and now - self._since < self.every:
                self._count += 1
                return
            earlier, self._count, self._since = self._count, 1, now
        if earlier > 1:
            log.warning("Push notifications refused: %s more in the last minute", earlier - 1)
        log.warning("A push notification was refused: %s", why)


refusals = RefusedLog()


@bp.post("/<token>")
@csrf.exempt  # Cronofy cannot send a CSRF token: the signature is what proves the sender
def receive(token: str) -> Response:
    body = request.get_data(cache=False)
    config = current_app.config
    secrets = [config["CRONOFY_CLIENT_SECRET"], config.get("CRONOFY_PREVIOUS_CLIENT_SECRET")]
    if not signed_by(body, request.headers.get(HEADER), [s for s in secrets if s]):
        refusals.refused("no valid signature")
        return Response(status=401)
    connection = connection_for_token(token)
    if connection is None:
        refusals.refused("unknown channel")
        return Response(status=404)
    notification = _notification(body)
    kind = notification.get("type")
    if connection.status is not ConnectionStatus.ACTIVE:
        return Response(status=200)  # it waits for the user to reconnect
    if kind == "verification":
        connection.channel_verified_at = datetime.now(UTC)
        db.session.commit()
    elif kind == "change":
        since = _time(notification.get("changes_since"))
        if since is None:
            request_sync([connection.id])  # a change we cannot place: read everything
        elif marks.note_change(connection.id, since):
            nudge([connection.id])
    elif kind in FULL_SYNC_TYPES:
        request_sync([connection.id])
    return Response(status=200)


def _notification(body: bytes) -> dict[str, object]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    notification = document.get("notification") if isinstance(document, dict) else None
    return notification if isinstance(notification, dict) else {}


def _time(value: object) -> datetime | None:
    """`changes_since`: UTC, whole seconds, with a `T` (or, from some senders, a space)."""
    if not isinstance(value, str) or len(value) > 32:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None
