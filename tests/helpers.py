"""Helpers for driving the app in tests: CSRF tokens, accounts, the connect flow."""

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from responses import matchers

APP_URL = "https://app.cronofy.test"
API_URL = "https://api.cronofy.test"
TOKEN_URL = f"{API_URL}/oauth/token"
REVOKE_URL = f"{API_URL}/oauth/token/revoke"
CALENDARS_URL = f"{API_URL}/v1/calendars"
ACCOUNT_URL = f"{API_URL}/v1/account"
PROFILES_URL = f"{API_URL}/v1/profiles"
EVENTS_URL = f"{API_URL}/v1/events"
PASSWORD = "correct horse battery"
ACCOUNT_ID = "acc_5ba21743f408617d1269ea1e"


def token_response(**changes: Any) -> dict[str, Any]:
    """A successful code exchange, as Cronofy documents it."""
    token = {
        "token_type": "bearer",
        "access_token": "access-1",
        "expires_in": 3600,
        "refresh_token": "refresh-1",
        "scope": "read_account list_calendars read_events create_event delete_event",
        "account_id": ACCOUNT_ID,
        "sub": ACCOUNT_ID,
        "linking_profile": {
            "provider_name": "google",
            "profile_id": "pro_n23kjnwrw2",
            "profile_name": "ada@example.com",
        },
    }
    token.update(changes)
    return token


def csrf_token(client: FlaskClient, path: str | None = None) -> str:
    """A valid CSRF token for the client's session, made the way Flask-WTF makes them.

    With `path`, the token is instead read from the form on that page, which also proves
    the page carries one.
    """
    if path is not None:
        html = client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    serializer = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token")
    return serializer.dumps(raw)


def register(client: FlaskClient, email: str = "ada@example.com", password: str = PASSWORD):
    """Create an account through the form; the client is then logged in."""
    return client.post(
        "/auth/register",
        data={
            "email": email,
            "password": password,
            "confirm": password,
            "csrf_token": csrf_token(client, "/auth/register"),
        },
    )


def start_connect(client: FlaskClient) -> dict[str, str]:
    """Press "Connect calendar"; return the query of the authorization redirect."""
    response = client.post("/auth/cronofy/connect", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.location.startswith(f"{APP_URL}/oauth/authorize?")
    return dict(parse_qsl(urlsplit(response.location).query))


def connect(
    client: FlaskClient,
    cronofy: responses.RequestsMock,
    default_tzid: str = "Europe/London",
    **token_changes: Any,
):
    """Run the whole connect flow against mocked Cronofy; return the callback response.

    After the code exchange the app reads the account's time zone once (`/v1/account`).
    """
    state = start_connect(client)["state"]
    token = token_response(**token_changes)
    cronofy.post(TOKEN_URL, json=token)
    if "read_account" in token["scope"].split():
        mock_account(cronofy, token, default_tzid)
    return client.get(f"/auth/cronofy/callback?code=the-code&state={state}")


def mock_account(cronofy: responses.RequestsMock, token: dict[str, Any], default_tzid: str):
    cronofy.get(
        ACCOUNT_URL,
        json={
            "account": {
                "account_id": token["sub"],
                "email": "ada@example.com",
                "name": "Ada",
                "scope": token["scope"],
                "default_tzid": default_tzid,
            },
            "sub": token["sub"],
        },
        match=[matchers.header_matcher({"Authorization": f"Bearer {token['access_token']}"})],
    )


def sync_copy(
    cronofy: responses.RequestsMock,
    calendars: dict[str, Any],
    profiles: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> None:
    """Answer the waiting background sync (a full-scope connection's) and run it, as a
    worker would: afterwards pages read these from the local copy."""
    from tests.jobs import Jobs

    cronofy.get(CALENDARS_URL, json=calendars)
    cronofy.get(PROFILES_URL, json=profiles or {"profiles": []})
    cronofy.get(EVENTS_URL, json={"pages": {"current": 1, "total": 1}, "events": events or []})
    Jobs().run()
    cronofy.calls.reset()


def age_the_copy(app: Flask, by: timedelta = timedelta(hours=1)) -> None:
    """Make every copy older than CRONOFY_SYNC_MAX_AGE, so the next page asks for a sync.

    The wall clock keeps running, for tests that measure time; others move the `clock`.
    """
    from sqlalchemy import update

    from app.extensions import db
    from app.models import Snapshot

    with app.app_context():
        db.session.execute(update(Snapshot).values(synced_at=datetime.now(UTC) - by))
        db.session.commit()
