"""Request log, latency, rate limits and planned faults for every Cronofy endpoint on both hosts.

In that order: a request waits `latency_ms`, then the rate limiter admits or refuses it (a
refused one does no work and uses up no planned fault), then a planned fault may answer it.
"""

import time
from typing import Literal

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from sandbox.web import body_params, current_state, json_response

_FAULT_ERRORS = {
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _is_control() -> bool:
    return request.path == "/_sandbox" or request.path.startswith("/_sandbox/")


def _grant_type() -> str | None:
    if request.method != "POST" or not request.path.endswith("/oauth/token"):
        return None
    try:
        params = body_params() or {}
    except HTTPException:  # e.g. a body over the size limit: the view already answered 413
        return None
    return params.get("grant_type")


def _client_port() -> int | None:
    port = str(request.environ.get("REMOTE_PORT") or "")
    return int(port) if port.isdigit() else None


def _too_many_requests(retry_after: int | None) -> Response:
    """Cronofy's 429, with `Retry-After` only when the `rate_limit_retry_after` setting says."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return json_response(429, {"error": _FAULT_ERRORS[429]}, **headers)


def instrument(app: Flask, host: Literal["app", "api"]) -> None:
    """Install the hooks; control endpoints are neither slowed, limited, faulted nor logged."""

    @app.before_request
    def _start() -> Response | None:
        if _is_control():
            return None
        g.sandbox_started_at = time.time()
        g.sandbox_rate_limited = False
        state = current_state()
        settings = state.settings
        if settings["latency_ms"]:
            time.sleep(settings["latency_ms"] / 1000)
        if not state.admit():
            g.sandbox_rate_limited = True
            return _too_many_requests(settings["rate_limit_retry_after"])
        fault = state.take_fault(request.path)
        if fault == "hang":
            # Sleep past the client's timeout, then answer the way a gateway would.
            time.sleep(settings["hang_seconds"])
            fault = 504
        if fault == 429:  # a planned 429 looks like the rate limiter's
            return _too_many_requests(settings["rate_limit_retry_after"])
        if isinstance(fault, int):
            return json_response(fault, {"error": _FAULT_ERRORS[fault]})
        return None

    @app.after_request
    def _log(response: Response) -> Response:
        started_at = g.get("sandbox_started_at")
        if started_at is not None:
            current_state().record_request(
                {
                    "method": request.method,
                    "host": host,
                    "path": request.path,
                    "status": response.status_code,
                    "rate_limited": g.get("sandbox_rate_limited", False),
                    "grant_type": _grant_type(),
                    "basic_auth": request.headers.get("Authorization", "")
                    .lower()
                    .startswith("basic "),
                    "started_at": started_at,
                    "finished_at": time.time(),
                    # Requests sharing a client port came over one (kept-alive) connection.
                    "client_port": _client_port(),
                }
            )
        return response
