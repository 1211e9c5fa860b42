"""The Authlib client that runs the authorization-code flow against Cronofy."""

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app


def init_oauth(app: Flask) -> None:
    """Register Cronofy with a registry of this app's own.

    Authlib's registry caches each client with the settings of the first app that used it,
    so a module-global registry would serve every later app (each test, say) the first
    app's URLs and credentials.
    """
    config = app.config
    registry = OAuth(app)
    app.extensions["cronofy_oauth"] = registry.register(
        "cronofy",
        client_id=config["CRONOFY_CLIENT_ID"],
        client_secret=config["CRONOFY_CLIENT_SECRET"],
        # The authorization page is on the app host; the token endpoint on the API host.
        authorize_url=f"{config['CRONOFY_APP_URL']}/oauth/authorize",
        access_token_url=f"{config['CRONOFY_API_URL']}/oauth/token",
        client_kwargs={
            "scope": config["CRONOFY_SCOPE"],
            # Authlib defaults to HTTP Basic; Cronofy wants the credentials in the body.
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": config["CRONOFY_TIMEOUT"],
        },
    )


def cronofy_oauth() -> FlaskOAuth2App:
    """The current app's Authlib client for Cronofy."""
    client: FlaskOAuth2App = current_app.extensions["cronofy_oauth"]
    return client
