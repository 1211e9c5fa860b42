"""The application factory: `create_app()` builds a configured app."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from config import ConfigError, load_config, refuse_production_problems

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    config_name: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Flask:
    """Build the app for `config_name` (or $APP_CONFIG), with optional setting overrides."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(load_config(config_name))
    app.config.update(overrides or {})
    if app.config["PRODUCTION"]:
        # Checked again on the settings as overridden: a production app never starts with
        # a setting the rules refuse (production_checks.py), however it was built.
        refuse_production_problems(app.config)
    if not app.config.get("SECRET_KEY"):
        # In any environment: Flask signs the session cookie with it.
        raise ConfigError("SECRET_KEY is not set; see .env.example.")
    Path(app.instance_path).mkdir(exist_ok=True)  # the default SQLite database lives here

    configure_logging(app)  # first: what the rest says while starting is logged as it should
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_commands(app)
    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.cronofy import init_cronofy
    from app.crypto import init_cipher
    from app.extensions import csrf, db, login_manager, migrate
    from app.sync import init_sync

    init_cipher(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    init_cronofy(app)
    init_sync(app)


def register_blueprints(app: Flask) -> None:
    """Each feature's views, which attach themselves to its blueprint when imported.

    The views are imported here rather than by their package, so a package's helpers (the
    Cronofy client, say) can be imported without pulling in every page.
    """
    from app import health
    from app.auth import routes as auth
    from app.cronofy import push
    from app.cronofy import routes as cronofy
    from app.dashboard import routes as dashboard
    from app.events import edit, find  # noqa: F401  # their views join the events blueprint
    from app.events import routes as events

    for feature in (auth, cronofy, push, dashboard, events, health):
        app.register_blueprint(feature.bp)

    # Browsers ask for /favicon.ico whatever a page links to: send them to the icon.
    app.add_url_rule(
        "/favicon.ico",
        "favicon",
        lambda: redirect(url_for("static", filename="favicon.svg"), 301),
    )


def register_security(app: Flask) -> None:
    """Proxy trust, security headers and rate limits; after the blueprints it limits."""
    from app.security import register_security as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import tokens_cli
    from app.doctor import doctor

    app.cli.add_command(tokens_cli)
    app.cli.add_command(doctor)


def register_error_handlers(app: Flask) -> None:
    """Every error ends on a page of the site, never a traceback."""

    def render_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template("error.html", code=code, name=error.name, error=error), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        error.description = (
            "The form expired or was sent from somewhere else. Go back, reload the page "
            "and try again."
        )
        return render_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_error(error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        app.logger.exception("Unhandled error")
        from app.extensions import db

        db.session.rollback()
        return render_error(InternalServerError())


def configure_logging(app: Flask) -> None:
    """key=value lines with a request id, and no secrets (app/logging_setup.py)."""
    from app.logging_setup import init_logging

    init_logging(app)
