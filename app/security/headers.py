"""Security headers on every response: CSP, no sniffing, referrer, HSTS, caching."""

from urllib.parse import urlsplit

from flask import Flask, Response, request

# Pages may show personal data (calendars, events, email, CSRF tokens): never store them in
# a shared or browser cache. Only static assets are cacheable.
CACHEABLE_ENDPOINTS = frozenset({"static"})

# The callback's URL carries the authorization code: it must never leave in a Referer.
NO_REFERRER_ENDPOINTS = frozenset({"cronofy.callback"})


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, as CSP source expressions want it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(cronofy_app_url: str) -> str:
    """The app's policy: its own scripts and styles only, no framing, no foreign forms."""
    directives = [
        "default-src 'self'",
        # Connect is a form POST answered by a redirect to Cronofy's authorization page;
        # browsers check form-action against every URL of that redirect chain.
        f"form-action 'self' {origin(cronofy_app_url)}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


def init_headers(app: Flask) -> None:
    """Add the headers after every request of this app."""
    policy = content_security_policy(app.config["CRONOFY_APP_URL"])
    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP 2
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint in NO_REFERRER_ENDPOINTS:
            headers["Referrer-Policy"] = "no-referrer"
        else:
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if hsts_seconds:
            headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            headers["Cache-Control"] = "no-store"
        return response
