"""Small request and response helpers shared by both hosts."""

from typing import TYPE_CHECKING, Any

from flask import Response, current_app, jsonify, render_template, request

if TYPE_CHECKING:  # the state's modules use these helpers too
    from sandbox.state import SandboxState

_BOOLEANS = {"true": True, "True": True, "false": False, "False": False}


def current_state() -> "SandboxState":
    """The state object the running host was built with."""
    state: SandboxState = current_app.extensions["sandbox_state"]
    return state


def body_params() -> dict[str, str] | None:
    """A JSON or form body as a flat dict of strings; None when it is neither (or malformed)."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            return None
        return data
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict()
    if not request.get_data(cache=True):
        return {}
    return None


def parse_bool(value: str) -> bool | None:
    """Cronofy's query booleans: `true`/`false`, and `True`/`False` as pycronofy sends them."""
    return _BOOLEANS.get(value)


def json_response(status: int, body: Any = None, **headers: str) -> Response:
    """A JSON body (or an empty body when `body` is None) with the given status."""
    response = jsonify(body) if body is not None else Response(b"")
    response.status_code = status
    response.headers.update(headers)
    return response


def oauth_error(status: int, error: str) -> Response:
    """The OAuth 2.0 error shape: `{"error": ...}`, never cached."""
    return json_response(status, {"error": error}, **{"Cache-Control": "no-store"})


def html_page(template: str, status: int = 200, **context: object) -> Response:
    """A page of the app host: never framed (clickjacking) nor cached (its forms carry nonces)."""
    response = Response(render_template(template, **context), status=status)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response
