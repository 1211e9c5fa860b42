"""Believe X-Forwarded-* headers only from as many proxies as the deployment says it has."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_proxy(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix when PROXY_COUNT proxies stand in front of it."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    # With no proxy, any client could send X-Forwarded-Host/-Proto/-For and change the
    # external URLs the app builds (the OAuth redirect URI) or dodge per-address rate
    # limits; so 0 trusts none of them. With N proxies, only the N right-most values are
    # believed: those are the ones our own proxies appended.
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to add middleware
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
