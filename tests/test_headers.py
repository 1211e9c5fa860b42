"""Security headers and cookie attributes, exactly, in the testing and production configs."""

import re

import pytest

from tests.conftest import production_app
from tests.helpers import connect, log_in, log_out, register
from tests.live import ROOT

CSP = (
    "default-src 'self'; form-action 'self' https://app.cronofy.test; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
PERSONAL_PAGES = ["/dashboard", "/settings", "/events/new"]
ANONYMOUS_FORMS = ["/auth/login", "/auth/register"]
TEMPLATES = ROOT / "templates"


def _common_headers(response) -> dict[str, str | None]:
    return {
        name: response.headers.get(name)
        for name in (
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "X-Frame-Options",
            "Referrer-Policy",
            "Strict-Transport-Security",
        )
    }


def test_pages_carry_the_security_headers(client):
    response = client.get("/auth/login")
    assert _common_headers(response) == {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Strict-Transport-Security": None,  # only in production
    }


def test_form_action_allows_the_configured_cronofy_app_host(database_url):
    from tests.conftest import built_app

    with built_app(database_url, CRONOFY_APP_URL="http://127.0.0.1:5001/") as app:
        policy = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:5001;" in policy


@pytest.mark.parametrize("path", PERSONAL_PAGES + ANONYMOUS_FORMS)
def test_pages_with_personal_data_are_not_stored(user_client, client, path):
    browser = client if path in ANONYMOUS_FORMS else user_client
    if path in ANONYMOUS_FORMS:
        log_out(browser)
    response = browser.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_callback_is_not_stored_and_sends_no_referrer(user_client):
    response = user_client.get("/auth/cronofy/callback?code=abc&state=nope")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("asset", ["style.css", "app.js", "favicon.svg"])
def test_static_files_stay_cacheable(client, asset):
    with client.get(f"/static/{asset}") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_development_cookies(client):
    response = register(client)
    [cookie] = response.headers.getlist("Set-Cookie")
    name, _, attributes = cookie.partition(";")
    assert name.startswith("session=")
    assert attributes.strip().split("; ") == ["HttpOnly", "Path=/", "SameSite=Lax"]


def log_in_again_remembered(client):
    """Log out, then log in with "Keep me signed in": the response sets both cookies."""
    log_out(client)
    return log_in(client, remember=True)


@pytest.mark.usefixtures("production_env")
def test_production_headers_and_cookies(database_url):
    with production_app(database_url) as app:
        client = app.test_client()
        register(client)
        response = log_in_again_remembered(client)
    assert response.status_code == 302
    assert _common_headers(response) == {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    }
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"__Host-session", "__Host-remember"}
    session_attributes = cookies["__Host-session"].split("; ")[1:]
    assert session_attributes == ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"]
    remember = cookies["__Host-remember"].split("; ")[1:]
    assert [a for a in remember if not a.startswith("Expires=")] == [
        "Secure",
        "HttpOnly",
        "Path=/",
        "SameSite=Lax",
    ]
    assert not any(a.lower().startswith("domain") for a in cookies["__Host-session"].split("; "))


def test_cookie_lifetimes_are_bounded(app):
    from datetime import timedelta

    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_the_remember_cookie_expires_in_fourteen_days(client, clock):
    from datetime import timedelta
    from email.utils import parsedate_to_datetime

    register(client)
    response = log_in_again_remembered(client)
    [remember] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_")]
    expires = re.search(r"Expires=([^;]+)", remember).group(1)
    left = parsedate_to_datetime(expires) - clock.now()
    assert timedelta(days=14, seconds=-1) < left <= timedelta(days=14)  # Expires has seconds


def test_the_callback_works_with_the_lax_session_cookie(user_client, cronofy, app):
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = connect(user_client, cronofy)
    assert response.status_code == 302
    assert response.location == "/dashboard"
    assert "Connected ada@example.com." in user_client.get("/dashboard").get_data(as_text=True)


# ----- nothing inline, so the CSP needs no 'unsafe-inline' -----------------------------------

INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I
)


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_templates_have_no_inline_scripts_or_styles(template):
    assert INLINE.findall((TEMPLATES / template).read_text()) == []


def test_pages_load_only_the_apps_own_script_and_stylesheet(user_client):
    html = user_client.get("/dashboard").get_data(as_text=True)
    assert re.findall(r'<script[^>]*src="([^"]+)"', html) == ["/static/app.js"]
    assert re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html) == [
        "/static/style.css"
    ]


def test_the_favicon_browsers_ask_for_is_the_apps_icon(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response.location) == (301, "/static/favicon.svg")
    with client.get(response.location) as icon:
        assert icon.mimetype == "image/svg+xml" and icon.data.startswith(b"<svg")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
