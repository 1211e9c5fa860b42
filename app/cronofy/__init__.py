"""Connecting Cronofy accounts: the OAuth flow, the API client and token upkeep."""

from flask import Blueprint, Flask

bp = Blueprint("cronofy", __name__, url_prefix="/auth/cronofy")


def init_cronofy(app: Flask) -> None:
    """Set up the Authlib client (authorization) and the API client for this app."""
    from app.cronofy.client import init_client
    from app.cronofy.oauth import init_oauth
    from app.cronofy.parallel import init_parallel

    init_oauth(app)
    init_client(app)
    init_parallel(app)
