"""Defences for the open internet, wired into the app in one call from the factory."""

from flask import Flask

from app.security.headers import init_headers
from app.security.ids import init_ids
from app.security.limits import init_limits
from app.security.proxy import init_proxy


def register_security(app: Flask) -> None:
    """Trust proxies only as configured, send protective headers, limit guessable forms,
    and keep out-of-range ids away from the database."""
    init_proxy(app)
    init_headers(app)
    init_limits(app)
    init_ids(app)
