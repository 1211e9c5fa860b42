"""Push notification channels on the API host: POST, GET and DELETE /v1/channels.

A channel asks Cronofy to POST a signed notification to `callback_url` whenever something
changes in the account (sandbox/delivery.py sends them). It belongs to the account and the
client whose token made it, and stops when that authorization ends.
"""

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from sandbox import scopes
from sandbox.api import READ_EVENTS, requires
from sandbox.events import required_error
from sandbox.models import Account
from sandbox.state import Session, TooManyChannels
from sandbox.web import current_state, json_response

bp = Blueprint("channels", __name__, url_prefix="/v1/channels")

# Cronofy's older documentation limits callback URLs to 128 characters; today's does not say.
# The sandbox allows more, so a client's long per-connection URL is not refused here first.
MAX_CALLBACK_URL = 2048

Errors = dict[str, list[dict[str, str]]]


def _invalid(description: str) -> list[dict[str, str]]:
    return [{"key": "errors.invalid", "description": description}]


def _parse(body: object, account: Account) -> tuple[str, list[str] | None, bool] | Errors:
    """(callback_url, calendar_ids, only_managed), or field errors in Cronofy's 422 shape."""
    if not isinstance(body, dict):
        return {"body": _invalid("must be a JSON object")}
    errors: Errors = {}
    url = body.get("callback_url")
    if url is None or url == "":
        errors["callback_url"] = required_error()
    elif not isinstance(url, str) or len(url) > MAX_CALLBACK_URL:
        errors["callback_url"] = _invalid(
            f"must be a URL of at most {MAX_CALLBACK_URL} characters"
        )
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["callback_url"] = _invalid("must be an absolute http or https URL")
    filters = body.get("filters", {})
    if not isinstance(filters, dict):
        errors["filters"] = _invalid("must be an object")
        filters = {}
    calendar_ids = filters.get("calendar_ids")
    if calendar_ids is not None:
        if not isinstance(calendar_ids, list) or not calendar_ids:
            errors["filters.calendar_ids"] = _invalid("must be a non-empty list of calendar ids")
        elif not all(isinstance(c, str) and account.calendar(c) for c in calendar_ids):
            errors["filters.calendar_ids"] = _invalid("must be calendars of this account")
    only_managed = filters.get("only_managed", False)
    if not isinstance(only_managed, bool):
        errors["filters.only_managed"] = _invalid("must be true or false")
    if errors:
        return errors
    assert isinstance(url, str)
    return url, list(dict.fromkeys(calendar_ids)) if calendar_ids else None, only_managed


@bp.post("")
@requires(None)
def create(session: Session) -> Response:
    """200 with the channel (a new one, or the identical one that exists already)."""
    state = current_state()
    parsed = state.read(
        session.account_id, lambda account: _parse(request.get_json(silent=True), account)
    )
    if isinstance(parsed, dict):
        return json_response(422, {"errors": parsed})
    url, calendar_ids, only_managed = parsed
    # Seeing changes to every event needs read_events; changes to the client's own events only
    # need what the client already has.
    if not only_managed and READ_EVENTS not in scopes.effective(session.scope):
        challenge = f'Bearer error="insufficient_scope", scope="{READ_EVENTS}"'
        return json_response(403, **{"WWW-Authenticate": challenge})
    try:
        channel = state.create_channel(session, url, calendar_ids, only_managed)
    except TooManyChannels as exc:
        return json_response(422, {"errors": {"channels": _invalid(str(exc))}})
    return json_response(200, {"channel": channel.json()})


@bp.get("")
@requires(None)
def list_channels(session: Session) -> Response:
    channels: list[dict[str, Any]] = [c.json() for c in current_state().channels_of(session)]
    return json_response(200, {"channels": channels})


@bp.delete("/<channel_id>")
@requires(None)
def close(session: Session, channel_id: str) -> Response:
    """202 with an empty body; 404 for a channel this client does not have."""
    if not current_state().close_channel(session, channel_id):
        return json_response(404, {"error": "not_found"})
    return json_response(202)
