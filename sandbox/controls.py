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
