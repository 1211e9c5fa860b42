"""Both sandbox hosts as one WSGI app, for a production-grade server (the benchmark).

`python -m sandbox` serves with Werkzeug's development server, which closes every
connection after one response. To measure a client's connection reuse, the sandbox has to
keep connections alive, so `make bench` runs it under gunicorn instead, binding both ports
in one process (one shared state)::

    SANDBOX_APP_PORT=5101 SANDBOX_API_PORT=5102 gunicorn --config /dev/null \\
        --workers 1 --threads 64 -b 127.0.0.1:5101 -b 127.0.0.1:5102 sandbox.wsgi:app

Requests are routed to the app host or the API host by the port they arrived on. Keep one
worker (the state lives in its memory), and not the app's gunicorn.conf.py.
"""

import os
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from sandbox import defaults
from sandbox.hosts import create_api_host, create_app_host
from sandbox.state import DEFAULT_REDIRECT_URIS, SandboxState


def create_dispatcher(state: SandboxState, app_port: int, api_port: int) -> WSGIApplication:
    """A WSGI app serving the app host on `app_port` and the API host on `api_port`."""
    app_host, api_host = create_app_host(state), create_api_host(state)

    def dispatch(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        port = int(environ.get("SERVER_PORT") or 0)
        target = app_host if port == app_port else api_host if port == api_port else None
        if target is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"unknown port\n"]
        return target(environ, start_response)

    return dispatch


def settings_from_environment() -> tuple[SandboxState, int, int]:
    """The state and the (app host, API host) ports that SANDBOX_* variables ask for."""
    env = os.environ
    app_port = int(env.get("SANDBOX_APP_PORT") or defaults.APP_HOST_PORT)
    api_port = int(env.get("SANDBOX_API_PORT") or defaults.API_HOST_PORT)
    state = SandboxState(
        client_id=env.get("SANDBOX_CLIENT_ID", defaults.CLIENT_ID),
        client_secret=env.get("SANDBOX_CLIENT_SECRET", defaults.CLIENT_SECRET),
        redirect_uris=env.get("SANDBOX_REDIRECT_URIS", "").split() or list(DEFAULT_REDIRECT_URIS),
    )
    state.app_url = f"http://{defaults.HOST}:{app_port}"
    return state, app_port, api_port


def _from_environment() -> WSGIApplication:
    return create_dispatcher(*settings_from_environment())


app = _from_environment()
