"""Free/busy on the API host: `GET /v1/free_busy` and its pages.

The HTTP side only; which events make someone busy is sandbox/free_busy.py.
"""

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from sandbox import events, free_busy
from sandbox.api import first_page, later_page, requires
from sandbox.state import Session
from sandbox.web import current_state, json_response

bp = Blueprint("scheduling", __name__, url_prefix="/v1")

READ_FREE_BUSY = "read_free_busy"  # read_events implies it (sandbox/scopes.py)


@bp.get("/free_busy")
@requires(READ_FREE_BUSY)
def read_free_busy(session: Session) -> Response:
    """When the account is busy or free, event by event, paged like /v1/events."""
    state = current_state()
    query = free_busy.parse(request.args, datetime.fromtimestamp(state.clock(), UTC))
    if not isinstance(query, events.EventQuery):
        return json_response(422, {"errors": query})
    found = state.read_events(session.account_id, lambda acc: free_busy.select(acc, query))
    if isinstance(found, dict):
        return json_response(422, {"errors": found})
    return first_page(session.account_id, "free_busy", found)


@bp.get("/free_busy/pages/<page_id>")
@requires(READ_FREE_BUSY)
def free_busy_page(session: Session, page_id: str) -> Response:
    """A later page of free/busy blocks."""
    return later_page(session, "free_busy", page_id)
