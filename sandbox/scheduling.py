"""Free/busy and availability on the API host: `GET /v1/free_busy`, `POST /v1/availability`.

The HTTP side only: who asks, and reading the accounts under the state's lock. Which events
make someone busy is sandbox/free_busy.py; the body's validation sandbox/availability_request.py;
the common free time sandbox/availability.py, pure functions over intervals.
"""

from flask import Blueprint, Response, request

from sandbox import availability, availability_request, events, free_busy, scopes
from sandbox.api import later_page, paged_read, requires, unauthorized
from sandbox.availability_request import AvailabilityRequest
from sandbox.models import Account
from sandbox.serialize import available_json
from sandbox.state import NotFound, Session
from sandbox.web import current_state, json_response

bp = Blueprint("scheduling", __name__, url_prefix="/v1")

READ_FREE_BUSY = "read_free_busy"  # read_events implies it (sandbox/scopes.py)


@bp.get("/free_busy")
@requires(READ_FREE_BUSY)
def read_free_busy(session: Session) -> Response:
    """When the account is busy or free, event by event, paged like /v1/events."""
    return paged_read(session, "free_busy", free_busy.parse, free_busy.select)


@bp.get("/free_busy/pages/<page_id>")
@requires(READ_FREE_BUSY)
def free_busy_page(session: Session, page_id: str) -> Response:
    """A later page of free/busy blocks."""
    return later_page(session, "free_busy", page_id)


def _scheduling_client() -> str | Response:
    """The client asking, as a client id, or why it may not ask (401, 403).

    Cronofy documents the client secret as the bearer credential here; its SDKs (pycronofy)
    and its demo send one of the client's users' access tokens. Both identify the client.
    """
    state = current_state()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return unauthorized(None)
    if state.is_client_secret(token):
        return state.client_id
    session = state.session_for(token)
    if session is None:
        return unauthorized("invalid_token")
    if READ_FREE_BUSY not in scopes.effective(session.scope):
        challenge = f'Bearer error="insufficient_scope", scope="{READ_FREE_BUSY}"'
        return json_response(403, **{"WWW-Authenticate": challenge})
    return session.client_id


def _members_calendars(wanted: AvailabilityRequest, accounts: dict[str, Account]) -> events.Errors:
    """422 errors for a member's calendar_ids that are not their account's; {} if none."""
    for member in wanted.members():
        unknown = events.unknown_calendars(accounts[member.sub], member.calendar_ids or ())
        if unknown:
            description = unknown["calendar_ids"][0]["description"]
            return availability_request.error("participants", f"{member.sub}: {description}")
    return {}


def _not_authorized(subs: list[str]) -> Response:
    description = "no authorization to read the free/busy of " + ", ".join(subs)
    return json_response(422, {"errors": availability_request.error("participants", description)})


@bp.post("/availability")
def find_availability() -> Response:
    """Common free time of the participants within the query periods (Cronofy's rules as
    sandbox/availability.py reads them)."""
    state = current_state()
    client_id = _scheduling_client()
    if isinstance(client_id, Response):
        return client_id
    wanted = availability_request.parse(request.get_json(silent=True))
    if not isinstance(wanted, AvailabilityRequest):
        return json_response(422, {"errors": wanted})
    granted = state.granted_scopes(client_id)
    subs = list(dict.fromkeys(m.sub for m in wanted.members()))
    # Strict reading: a sub the client may not read the free/busy of is a bad request (422),
    # like an unknown calendar id, rather than a 403 (which here means the token's scope).
    refused = [s for s in subs if READ_FREE_BUSY not in scopes.effective(granted.get(s, ""))]
    if refused:
        return _not_authorized(refused)

    def compute(accounts: dict[str, Account]) -> list[availability.Found] | events.Errors:
        unknown = _members_calendars(wanted, accounts)
        if unknown:
            return unknown
        query = wanted.query(lambda m: free_busy.busy_intervals(accounts[m.sub], m.calendar_ids))
        return availability.find(query)

    try:
        found = state.read_many(subs, compute)
    except NotFound as gone:  # reset since the check above
        return _not_authorized([gone.args[0]])
    if isinstance(found, dict):
        return json_response(422, {"errors": found})
    key = "available_periods" if wanted.response_format == "periods" else "available_slots"
    return json_response(200, {key: [available_json(f) for f in found]})
