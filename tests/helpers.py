"""Helpers for driving the app through Flask's test client with Cronofy mocked by `responses`.

Forms and sessions (CSRF tokens, registering, logging in and out, flashed messages), the
connect flow and the first sync against mocked Cronofy, `responses` matchers, the rows a
test reads back, and the app's own words that tests look for. What Cronofy answers is in
tests/cronofy_data.py; the fixtures built on these are in tests/conftest.py.

Importable without the app, since the visitor (tests/visitor.py) and through it the
sandbox's tests use it: the helpers that read the database or run tasks import the app's
modules when they are called.
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from responses import matchers
from sqlalchemy import func, select, update

from tests.cronofy_data import (
    ACCOUNT_URL,
    APP_URL,
    CALENDARS,
    CALENDARS_URL,
    EVENTS_URL,
    NO_PROFILES,
    PROFILES,
    PROFILES_URL,
    TOKEN_URL,
    account_answer,
    bearer_header,
    events_page,
    token_response,
)
from tests.pages import parse_forms

PASSWORD = "correct horse battery"
WRONG_PASSWORD = "wrong password"
TESTING_KEY = "vWQ6IF0-kqsWbQjbx8yeVWbgrzRCN3Ks3h2JK-LNPzQ="  # TestingConfig's encryption key
EMAIL = "ada@example.com"  # the account `register` creates unless told
# The dashboard's advice after any failure it expects to pass.
TRY_AGAIN = "Reload this page in a minute to try again."


# ----- forms and sessions --------------------------------------------------------------------


def csrf_token(client: FlaskClient, path: str | None = None) -> str:
    """A valid CSRF token for the client's session, made the way Flask-WTF makes them.

    With `path`, the token is instead read from the form on that page, which also proves
    the page carries one.
    """
    if path is not None:
        forms = parse_forms(client.get(path).get_data(as_text=True))
        tokens = [f.fields["csrf_token"] for f in forms if f.fields.get("csrf_token")]
        assert tokens, f"no CSRF token on {path}"
        return tokens[0]
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    serializer = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token")
    return serializer.dumps(raw)


def post_form(client: FlaskClient, path: str, **fields: Any):
    """POST a form as the app's pages do: the fields and the session's CSRF token."""
    return client.post(path, data={**fields, "csrf_token": csrf_token(client)})


def register(client: FlaskClient, email: str = EMAIL, password: str = PASSWORD):
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


def log_in(
    client: FlaskClient,
    email: str = EMAIL,
    password: str = PASSWORD,
    next_path: str | None = None,
    remember: bool = False,
    headers: dict[str, str] | None = None,
):
    """Submit the log-in form (to `?next=next_path` when given; "Keep me signed in" ticked
    with `remember`)."""
    url = "/auth/login" + (f"?next={next_path}" if next_path is not None else "")
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data, headers=headers or {})


def log_out(client: FlaskClient):
    return post_form(client, "/auth/logout")


def flashed(client: FlaskClient) -> list[tuple[str, str]]:
    """The messages flashed to the client's session and not shown yet: (category, text)."""
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def forget_flashes(client: FlaskClient) -> None:
    """Drop the messages waiting in the session (a welcome, "Connected …")."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)


# ----- connecting, against mocked Cronofy ----------------------------------------------------


def bearer(token: str = "access-1") -> list:
    """A `responses` match list: the call carries this access token."""
    return [matchers.header_matcher(bearer_header(token))]


def disconnect(client: FlaskClient, connection_id: int):
    """Press Disconnect for that connection (after the question it asks first)."""
    return post_form(client, f"/auth/cronofy/connections/{connection_id}/disconnect")


def start_connect(client: FlaskClient) -> dict[str, str]:
    """Press "Connect calendar"; return the query of the authorization redirect."""
    response = post_form(client, "/auth/cronofy/connect")
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
    """Answer the account read that follows a code exchange, for that token only."""
    cronofy.get(
        ACCOUNT_URL,
        json=account_answer(token, default_tzid),
        match=bearer(token["access_token"]),
    )


READS = {"calendars": CALENDARS_URL, "profiles": PROFILES_URL, "events": EVENTS_URL}


def serve_sync(
    cronofy: responses.RequestsMock,
    calendars: dict[str, Any] = CALENDARS,
    profiles: dict[str, Any] = PROFILES,
    events: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
    *,
    token: str | None = None,
    answers: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Mock Cronofy's answers to one full sync: calendars, profiles, one page of events.

    `answers` replaces a read's answer outright (`{"events": {"status": 503}}`); with
    `token`, each read is answered only when it carries that access token.
    """
    replies = {
        "calendars": {"json": calendars},
        "profiles": {"json": profiles},
        "events": {"json": events_page(*events)},
        **(answers or {}),
    }
    for read, reply in replies.items():
        cronofy.get(READS[read], **reply, **({"match": bearer(token)} if token else {}))


def sync_copy(
    cronofy: responses.RequestsMock,
    calendars: dict[str, Any],
    profiles: dict[str, Any] = NO_PROFILES,
    events: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
) -> None:
    """Answer the waiting background sync (a full-scope connection's) and run it, as a
    worker would: afterwards pages read these from the local copy."""
    from tests.jobs import Jobs

    serve_sync(cronofy, calendars, profiles, events)
    Jobs().run()
    cronofy.calls.reset()


def synced_view(client: FlaskClient, path: str = "/dashboard"):
    """Run the waiting tasks (the sync, as a worker would) with the mocks given, then GET
    the page, which reads only the local copy."""
    from tests.jobs import Jobs

    Jobs().run()
    return client.get(path)


def age_the_copy(app: Flask, by: timedelta = timedelta(hours=1)) -> None:
    """Make every copy older than CRONOFY_SYNC_MAX_AGE, so the next page asks for a sync.

    The wall clock keeps running, for tests that measure time; others move the `clock`.
    """
    from app.extensions import db
    from app.models import Snapshot

    with app.app_context():
        db.session.execute(update(Snapshot).values(synced_at=datetime.now(UTC) - by))
        db.session.commit()


# ----- rows ----------------------------------------------------------------------------------


def remember_event(
    app: Flask,
    summary: str = "Planning",
    event_id: str = "cc-0123",
    starts_at: datetime | None = None,
    email: str = EMAIL,
    **recorded: Any,
) -> int:
    """Record an event as created here in "Work" by that user, through their first
    connection (starting now unless told; `recorded`: more of its columns); its id."""
    from app.extensions import db
    from app.models import ManagedEvent, User

    with app.app_context():
        user = db.session.scalars(select(User).filter_by(email=email)).one()
        event = ManagedEvent(
            user_id=user.id,
            connection_id=user.connections[0].id,
            calendar_id="cal_work",
            event_id=event_id,
            summary=summary,
            starts_at=starts_at or datetime.now(UTC),
            **recorded,
        )
        db.session.add(event)
        db.session.commit()
        return event.id


def rows(app: Flask, model: Any) -> list:
    """Every row of a table, oldest first, detached so the test may read them afterwards."""
    from app.extensions import db

    with app.app_context():
        found = list(db.session.scalars(select(model).order_by(model.id)))
        db.session.expunge_all()
        return found


def count_rows(app: Flask, model: Any) -> int:
    """How many rows the table holds."""
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def the_connection(app: Flask):
    """The one connection there is (detached); fails if there are none or several."""
    from app.extensions import db
    from app.models import CronofyConnection

    with app.app_context():
        row = db.session.scalars(select(CronofyConnection)).one()
        db.session.expunge(row)
        return row


def connection_id(app: Flask) -> int:
    """The id of the one connection there is."""
    from app.extensions import db
    from app.models import CronofyConnection

    with app.app_context():
        return db.session.scalars(select(CronofyConnection.id)).one()


def channel_verified(app: Flask) -> bool:
    """Whether Cronofy has verified the one connection's push channel (there may be none
    yet)."""
    from app.extensions import db
    from app.models import CronofyConnection

    with app.app_context():
        row = db.session.scalars(select(CronofyConnection)).one_or_none()
        return row is not None and row.channel_verified_at is not None
