"""Test and demo controls under /_sandbox/ on the API host, answering loopback callers only."""

import ipaddress
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from sandbox.state import NotFound
from sandbox.web import current_state, json_response

bp = Blueprint("controls", __name__, url_prefix="/_sandbox")

OK = {"ok": True}


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@bp.before_request
def _loopback_only() -> Response | None:
    """The controls can revoke and break things, so only this machine may use them."""
    if not _is_loopback(request.remote_addr):
        return json_response(403, {"error": "sandbox controls answer loopback callers only"})
    return None


def _json_object() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _act(action: Callable[[], object]) -> Response:
    """Run a control: 200 on success, 400 on bad input, 404 on an unknown id."""
    try:
        result = action()
    except NotFound as exc:
        return json_response(404, {"error": f"unknown id {exc.args[0]}"})
    except (ValueError, TypeError) as exc:
        return json_response(400, {"error": str(exc)})
    return json_response(200, result if result is not None else OK)


def _bad_body() -> Response:
    return json_response(400, {"error": "send a JSON object"})


@bp.get("/requests")
def get_requests() -> Response:
    """Every logged request to a Cronofy endpoint on either host, oldest first."""
    return json_response(200, {"requests": current_state().requests_log()})


@bp.delete("/requests")
def clear_requests() -> Response:
    """Forget the request log."""
    return _act(current_state().clear_log)


@bp.get("/settings")
def get_settings() -> Response:
    """Current settings."""
    return json_response(200, current_state().settings)


@bp.patch("/settings")
def patch_settings() -> Response:
    """Change settings; all or nothing."""
    body = _json_object()
    if body is None:
        return _bad_body()
    return _act(lambda: current_state().set_settings(**body))


@bp.post("/faults")
def add_fault() -> Response:
    """Plan failures: `{"path", "status": 429|500|502|503|"hang", "count"}`."""
    body = _json_object()
    if body is None or set(body) - {"path", "status", "count"}:
        return _bad_body()
    return _act(
        lambda: current_state().add_fault(
            body.get("path"), body.get("status"), body.get("count", 1)
        )
    )


@bp.delete("/faults")
def clear_faults() -> Response:
    """Cancel all planned failures."""
    return _act(current_state().clear_faults)


@bp.post("/expire-tokens")
def expire_tokens() -> Response:
    """Every access token expires now."""
    return _act(current_state().expire_all_tokens)


@bp.post("/accounts/<account_id>/revoke")
def revoke_account(account_id: str) -> Response:
    """As if the user revoked access at Cronofy."""
    return _act(lambda: current_state().revoke_account(account_id))


@bp.post("/profiles/<profile_id>/disconnect")
def disconnect_profile(profile_id: str) -> Response:
    """The profile needs relinking."""
    return _act(lambda: current_state().disconnect_profile(profile_id))


@bp.post("/profiles/<profile_id>/reconnect")
def reconnect_profile(profile_id: str) -> Response:
    """The profile works again."""
    return _act(lambda: current_state().reconnect_profile(profile_id))


@bp.post("/calendars/<calendar_id>/rename")
def rename_calendar(calendar_id: str) -> Response:
    """Rename a calendar: `{"name"}`."""
    body = _json_object()
    if body is None:
        return _bad_body()
    return _act(lambda: current_state().rename_calendar(calendar_id, body.get("name")))


@bp.post("/redirect-uris")
def register_redirect_uri() -> Response:
    """Register one more redirect URI: `{"uri"}`."""
    body = _json_object()
    if body is None:
        return _bad_body()
    return _act(lambda: current_state().register_redirect_uri(body.get("uri")))


@bp.get("/accounts")
def accounts() -> Response:
    """Every account with its profiles, calendars and events."""
    return json_response(200, {"accounts": current_state().accounts()})


@bp.post("/reset")
def reset() -> Response:
    """Back to a fresh sandbox."""
    return _act(current_state().reset)


# ----- changes at the provider ---------------------------------------------------------------


@bp.post("/accounts/<account_id>/events")
def add_provider_event(account_id: str) -> Response:
    """Add an external event: `{"calendar_id", "summary", "start", "end", ...}` -> its uid."""
    body = _json_object()
    if body is None:
        return _bad_body()
    fields = {k: v for k, v in body.items() if k != "calendar_id"}
    return _act(
        lambda: {
            "event_uid": current_state().add_provider_event(
                account_id, body.get("calendar_id"), **fields
            )
        }
    )


@bp.patch("/events/<event_uid>")
def edit_provider_event(event_uid: str) -> Response:
    """Change an event at the provider: any of summary, description, start, end, location."""
    body = _json_object()
    if body is None:
        return _bad_body()
    return _act(lambda: current_state().edit_provider_event(event_uid, **body))


@bp.delete("/events/<event_uid>")
def delete_provider_event(event_uid: str) -> Response:
    """Delete an event at the provider."""
    return _act(lambda: current_state().delete_provider_event(event_uid))


# ----- push notifications --------------------------------------------------------------------


@bp.get("/channels")
def channels() -> Response:
    """Every open channel of every account."""
    return json_response(200, {"channels": current_state().all_channels()})


@bp.post("/accounts/<account_id>/notifications")
def send_notification(account_id: str) -> Response:
    """Send `{"type"}` (any type, an unknown one too) to every channel of the account."""
    body = _json_object()
    if body is None:
        return _bad_body()
    return _act(lambda: {"sent": current_state().send_notification(account_id, body.get("type"))})


@bp.get("/deliveries")
def deliveries() -> Response:
    """Every delivery attempt: channel, type, attempt, status, duration, outcome."""
    return json_response(200, {"deliveries": current_state().deliveries.log()})


@bp.delete("/deliveries")
def clear_deliveries() -> Response:
    """Forget the delivery log."""
    return _act(current_state().deliveries.clear_log)


@bp.post("/delivery-faults")
def add_delivery_fault() -> Response:
    """Plan a fault for the next notifications.

    `{"kind": "drop"|"delay"|"duplicate"|"reorder"|"bad_signature", "count", "seconds",
    "channel_id"}`; `seconds` is a delay's length, `channel_id` limits it to one channel.
    """
    body = _json_object()
    if body is None or set(body) - {"kind", "count", "seconds", "channel_id"}:
        return _bad_body()
    return _act(
        lambda: current_state().add_delivery_fault(
            body.get("kind"), body.get("count", 1), body.get("seconds", 0), body.get("channel_id")
        )
    )
