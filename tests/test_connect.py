"""Connect and the OAuth callback: the redirect, the code exchange, and every failure."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import update

from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection
from tests.cronofy_data import ACCOUNT_ID, ACCOUNT_URL, TOKEN_URL, token_response
from tests.helpers import (
    connect,
    flashed,
    forget_flashes,
    log_in,
    mock_account,
    post_form,
    register,
    rows,
    start_connect,
    sync_copy,
)

CALLBACK = "http://localhost/auth/cronofy/callback"


def connections(app) -> list[CronofyConnection]:
    return rows(app, CronofyConnection)


def test_connect_redirects_to_the_authorization_page(user_client):
    params = start_connect(user_client)
    assert params == {
        "response_type": "code",
        "client_id": "test-client",
        "redirect_uri": CALLBACK,
        "scope": "read_account list_calendars read_events create_event delete_event",
        "state": params["state"],
        "avoid_linking": "true",
    }
    assert len(params["state"]) >= 30


def test_connect_uses_the_configured_redirect_uri(app, user_client):
    app.config["CRONOFY_REDIRECT_URI"] = "https://calendar.example.com/auth/cronofy/callback"
    assert start_connect(user_client)["redirect_uri"] == (
        "https://calendar.example.com/auth/cronofy/callback"
    )


def test_connect_is_post_only_and_needs_csrf(user_client):
    assert user_client.get("/auth/cronofy/connect").status_code == 405
    assert user_client.post("/auth/cronofy/connect").status_code == 400


def test_connect_requires_login(client):
    response = post_form(client, "/auth/cronofy/connect")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


def test_callback_exchanges_the_code_and_stores_the_tokens(app, user_client, cronofy, clock):
    response = connect(user_client, cronofy)
    assert response.status_code == 302
    assert response.location == "/dashboard"
    assert flashed(user_client) == [("success", "Connected ada@example.com.")]

    # Exactly one token request: credentials in the body, no Basic header, and the
    # redirect_uri identical to the one sent to the authorization page.
    call, account_call = cronofy.calls
    assert call.request.url == TOKEN_URL
    assert "Authorization" not in call.request.headers
    assert (
        call.request.headers["Content-Type"] == "application/x-www-form-urlencoded;charset=UTF-8"
    )
    assert parse_qs(call.request.body) == {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "redirect_uri": [CALLBACK],
        "client_id": ["test-client"],
        "client_secret": ["test-secret"],
    }

    # Then the account's time zone is read once, for the agenda.
    assert account_call.request.url == ACCOUNT_URL
    assert account_call.request.headers["Authorization"] == "Bearer access-1"

    [row] = connections(app)
    assert row.default_tzid == "Europe/London"
    assert row.account_id == ACCOUNT_ID
    assert row.access_token == "access-1"
    assert row.refresh_token == "refresh-1"
    assert row.scope == "read_account list_calendars read_events create_event delete_event"
    assert (row.provider_name, row.profile_id, row.profile_name) == (
        "google",
        "pro_n23kjnwrw2",
        "ada@example.com",
    )
    assert row.status is ConnectionStatus.ACTIVE
    assert row.expires_at == clock.now() + timedelta(seconds=3600)  # expires_in


def test_connecting_the_same_account_again_updates_its_row(app, user_client, cronofy):
    connect(user_client, cronofy)
    connect(
        user_client,
        cronofy,
        access_token="access-2",
        refresh_token="refresh-2",
        scope="read_account list_calendars",
    )
    [row] = connections(app)
    assert (row.access_token, row.refresh_token) == ("access-2", "refresh-2")
    assert row.scope == "read_account list_calendars"


def test_a_different_account_adds_a_second_connection(app, user_client, cronofy):
    connect(user_client, cronofy)
    other = "acc_000000000000000000000002"
    connect(user_client, cronofy, sub=other, account_id=other, access_token="access-2")
    assert [row.account_id for row in connections(app)] == [ACCOUNT_ID, other]


def test_the_granted_scope_is_stored_not_the_requested_one(app, user_client, cronofy):
    connect(user_client, cronofy, scope="read_account")
    assert connections(app)[0].scope == "read_account"


def test_a_state_cannot_be_used_twice(app, user_client, cronofy):
    """Reloading the callback (or Back and Allow again) after it worked is no failure: the
    link was used, and the connection made with it is on the dashboard."""
    state = start_connect(user_client)["state"]
    cronofy.post(TOKEN_URL, json=token_response())
    mock_account(cronofy, token_response(), "Etc/UTC")
    assert user_client.get(f"/auth/cronofy/callback?code=c&state={state}").status_code == 302
    response = user_client.get(f"/auth/cronofy/callback?code=c&state={state}")
    assert response.location == "/dashboard"
    assert flashed(user_client) == [
        ("success", "Connected ada@example.com."),
        ("info", "That authorization link was already used. Your connected calendars are below."),
    ]
    assert len(cronofy.calls) == 2  # one exchange, one account read: nothing for the replay


def test_a_used_link_is_an_error_when_no_connection_works(app, user_client, cronofy):
    """With only a connection that needs reconnecting, a used link is a real dead end."""
    connect(user_client, cronofy)
    with app.app_context():
        db.session.execute(
            update(CronofyConnection).values(status=ConnectionStatus.NEEDS_RECONNECT)
        )
        db.session.commit()
    user_client.get("/auth/cronofy/callback?code=c&state=used-before")
    assert (
        "error",
        "That authorization link has expired or was already used. Please connect again.",
    ) in flashed(user_client)


@pytest.mark.parametrize(
    ("query", "category", "message"),
    [
        (
            "error=access_denied&state={state}",
            "info",
            "You declined access, so no calendar was connected.",
        ),
        (
            "error=invalid_scope&state={state}",
            "error",
            "Cronofy could not authorize the connection. Please try again.",
        ),
        (
            "error=%3Cscript%3E&state=unknown",
            "error",
            "Cronofy could not authorize the connection. Please try again.",
        ),
        (
            "code=abc",
            "error",
            "That authorization link has expired or was already used. Please connect again.",
        ),
        (
            "code=abc&state=someone-elses-state",
            "error",
            "That authorization link has expired or was already used. Please connect again.",
        ),
        (
            "state={state}",
            "error",
            "Cronofy did not send an authorization code. Please try again.",
        ),
        (
            "",
            "error",
            "That authorization link has expired or was already used. Please connect again.",
        ),
        (
            "code=&state=&error=",
            "error",
            "That authorization link has expired or was already used. Please connect again.",
        ),
    ],
)
def test_callback_failures_end_on_the_dashboard_with_a_message(
    app, user_client, cronofy, query, category, message
):
    state = start_connect(user_client)["state"]
    response = user_client.get("/auth/cronofy/callback?" + query.format(state=state))
    assert response.status_code == 302
    assert response.location == "/dashboard"
    assert flashed(user_client) == [(category, message)]
    assert connections(app) == []
    assert len(cronofy.calls) == 0  # nothing was sent to Cronofy
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Connect calendar" in page


def test_after_an_error_the_state_is_spent(user_client, cronofy):
    state = start_connect(user_client)["state"]
    user_client.get(f"/auth/cronofy/callback?error=access_denied&state={state}")
    user_client.get(f"/auth/cronofy/callback?code=abc&state={state}")
    assert flashed(user_client)[-1][1].startswith("That authorization link has expired")
    assert len(cronofy.calls) == 0


NOT_CONNECTED = (
    "Cronofy is not answering right now. Please try again in a few minutes. "
    "Your calendar was not connected."
)
REFUSED = "Cronofy did not accept the authorization. Please try again."


@pytest.mark.parametrize(
    ("mock", "message", "log"),
    [
        (
            {"status": 400, "json": {"error": "invalid_grant"}},
            REFUSED,
            "Cronofy code exchange refused: invalid_grant",
        ),
        (
            {"status": 401, "json": {"error": "invalid_client"}},
            REFUSED,
            "Cronofy code exchange refused: invalid_client",
        ),
        (
            {"status": 500, "body": "<html>Internal error</html>"},
            NOT_CONNECTED,
            "Cronofy code exchange failed: HTTPError",
        ),
        ({"status": 502}, NOT_CONNECTED, "Cronofy code exchange failed: HTTPError"),
        (
            {"status": 503, "json": {"error": "unavailable"}},
            NOT_CONNECTED,
            "Cronofy code exchange failed: HTTPError",
        ),
        (
            {"status": 429, "body": "slow down"},
            NOT_CONNECTED,
            "Cronofy code exchange failed: HTTPError",
        ),
        (
            {"status": 200, "body": "not json"},
            NOT_CONNECTED,
            "Cronofy code exchange failed: ValueError",
        ),
        (
            {"body": requests.ConnectTimeout("connect timed out")},
            NOT_CONNECTED,
            "Cronofy code exchange failed: ConnectTimeout",
        ),
        (
            {"body": requests.ReadTimeout("read timed out")},
            NOT_CONNECTED,
            "Cronofy code exchange failed: ReadTimeout",
        ),
        (
            {"body": requests.ConnectionError("refused")},
            NOT_CONNECTED,
            "Cronofy code exchange failed: ConnectionError",
        ),
        (
            {"status": 200, "json": {"access_token": "a", "token_type": "bearer"}},
            "Cronofy sent an answer this app could not read. Please try again later.",
            "Cronofy code exchange failed: CronofyBadResponse",
        ),
    ],
)
def test_token_exchange_failures_keep_what_was_stored(
    app, user_client, cronofy, caplog, mock, message, log
):
    connect(user_client, cronofy)  # an earlier connection, which must survive
    forget_flashes(user_client)
    before = [(c.account_id, c.access_token, c.refresh_token) for c in connections(app)]

    state = start_connect(user_client)["state"]
    cronofy.post(TOKEN_URL, **mock)
    response = user_client.get(f"/auth/cronofy/callback?code=another-code&state={state}")

    assert response.status_code == 302
    assert response.location == "/dashboard"
    assert flashed(user_client) == [("error", message)]
    assert log in caplog.text
    assert "another-code" not in caplog.text
    after = [(c.account_id, c.access_token, c.refresh_token) for c in connections(app)]
    assert after == before


def test_callback_while_logged_out(client, cronofy):
    response = client.get("/auth/cronofy/callback?code=abc&state=xyz")
    assert response.status_code == 302
    assert response.location == "/auth/login?next=/dashboard"
    assert flashed(client) == [
        ("error", "Your session ended before Cronofy sent you back. Log in and connect again.")
    ]
    assert len(cronofy.calls) == 0


def test_session_lost_before_the_callback(app, client, cronofy):
    """Cookies cleared at Cronofy: the user logs in again and can retry."""
    register(client)
    state = start_connect(client)["state"]
    client.delete_cookie("session")
    response = client.get(f"/auth/cronofy/callback?code=abc&state={state}")
    assert response.location == "/auth/login?next=/dashboard"
    response = log_in(client, next_path="%2Fdashboard")
    assert response.location == "/dashboard"
    assert "Connect calendar" in client.get("/dashboard").get_data(as_text=True)
    assert connections(app) == []


def test_tokens_are_never_rendered(user_client, cronofy):
    connect(user_client, cronofy)
    sync_copy(cronofy, {"calendars": []})
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "access-1" not in page
    assert "refresh-1" not in page
    assert "the-code" not in page


@pytest.mark.parametrize(
    "account",
    [
        {"status": 503},
        {"json": {"account": {"default_tzid": "Not/AZone"}}},
        {"json": {"unexpected": True}},
    ],
)
def test_the_time_zone_is_optional_at_connect(app, user_client, cronofy, account):
    """A failing or odd /v1/account never costs the user the connection."""
    state = start_connect(user_client)["state"]
    cronofy.post(TOKEN_URL, json=token_response())
    cronofy.get(ACCOUNT_URL, **account)
    response = user_client.get(f"/auth/cronofy/callback?code=the-code&state={state}")
    assert response.location == "/dashboard"
    assert flashed(user_client) == [("success", "Connected ada@example.com.")]
    [row] = connections(app)
    assert row.default_tzid is None
    assert row.access_token == "access-1"


@pytest.mark.steady_clock  # moves time past the rate limit's minute; no date matters
def test_pressing_connect_again_and_again_keeps_the_session_small(
    app, user_client, cronofy, clock
):
    """Only the newest few unfinished authorizations are kept; the oldest are forgotten."""
    states = []
    for n in range(50):
        if n % 9 == 8:
            clock.advance(61)  # Connect allows ten presses a minute
        states.append(start_connect(user_client)["state"])
    with user_client.session_transaction() as session:
        pending = [key for key in session if key.startswith("_state_cronofy_")]
    assert len(pending) == 3
    cookie = user_client.get_cookie("session")
    assert cookie is not None and len(cookie.value) < 2000
    old = user_client.get(f"/auth/cronofy/callback?code=the-code&state={states[0]}")
    assert old.status_code == 302
    assert (
        "error",
        "That authorization link has expired or was already used. Please connect again.",
    ) in flashed(user_client)
