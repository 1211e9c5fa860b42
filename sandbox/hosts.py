"""The two Flask applications, one per Cronofy host, each 404ing on the other's paths."""

from typing import Literal

from flask import Flask, Response, render_template
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, InternalServerError

from sandbox import api, calendar_page, channels, consent, controls, oauth, scheduling
from sandbox.instrument import instrument
from sandbox.state import SandboxState
from sandbox.web import json_response

MAX_BODY_BYTES = 1024 * 1024
# The sandbox's mark: an amber calendar, so its tabs are not mistaken for the app's.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
    '<rect x="2.5" y="4" width="19" height="17.5" rx="3.5" fill="#92400e"/>'
    '<rect x="6" y="12" width="12" height="2.4" rx="1.2" fill="#fff"/></svg>'
)


class _InOrderJSON(DefaultJSONProvider):
    """JSON with keys in the order the sandbox builds them: Cronofy's field order."""

    sort_keys = False


def _base(state: SandboxState, host: Literal["app", "api"]) -> Flask:
    app = Flask(__name__, static_folder=None, template_folder="templates")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json = _InOrderJSON(app)
    app.extensions["sandbox_state"] = state
    instrument(app, host)
    app.register_blueprint(oauth.bp)
    return app


def create_app_host(state: SandboxState) -> Flask:
    """The browser-facing host: consent page, relink page, and token/revoke like Cronofy's."""
    app = _base(state, "app")
    app.register_blueprint(consent.bp)
    app.register_blueprint(calendar_page.bp)

    @app.get("/favicon.ico")
    def _favicon() -> Response:
        # What browsers ask for first; the pages link to it too.
        cache = {"Cache-Control": "max-age=86400"}
        return Response(FAVICON, mimetype="image/svg+xml", headers=cache)

    @app.errorhandler(HTTPException)
    def _html_error(error: HTTPException) -> Response:
        # Browsers land here; keep the sandbox look, and never show a traceback.
        body = render_template(
            "message.html", title=error.name, message=error.description, lang="en"
        )
        return Response(body, status=error.code or 500)

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        return _html_error(InternalServerError())

    return app


def create_api_host(state: SandboxState) -> Flask:
    """The API host: token, revoke, /v1 and the /_sandbox controls; JSON everywhere."""
    app = _base(state, "api")
    app.register_blueprint(api.bp)
    app.register_blueprint(channels.bp)
    app.register_blueprint(scheduling.bp)
    app.register_blueprint(controls.bp)

    @app.errorhandler(HTTPException)
    def _json_error(error: HTTPException) -> Response:
        name = (error.name or "error").lower().replace(" ", "_")
        return json_response(error.code or 500, {"error": name})

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        return _json_error(InternalServerError())

    return app
