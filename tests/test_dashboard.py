"""The dashboard: calendars by profile, token refresh on the way, and upstream failures.

Most tests here use `calendars_only_user`: with only `list_calendars` granted, the dashboard
fetches calendars alone. These tests are about calendars and the token lifecycle (the agenda
and profiles: test_agenda.py).
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from responses import matchers
from sqlalchemy import create_engine, select, update

from app.dashboard.routes import breakable
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection
from app.sync.tasks import request_sync
from tests.clock import Clock
from tests.cronofy_data import CALENDARS_URL, TOKEN_URL, TWO_PROFILES_CALENDARS
from tests.helpers import TRY_AGAIN, bearer, connect, csrf_token, synced_view, the_connection
from tests.jobs import Jobs


def expire_token(clock: Clock) -> None:
    """Let the hour of the access token stored at connect time run out."""
    clock.advance(3600)


def test_empty_state(user_client):
    page = synced_view(user_client).get_data(as_text=True)
    assert "No calendar connected yet" in page
    assert 'action="/auth/cronofy/connect"' in page


def test_landing_page_for_visitors_and_redirect_for_users(app, user_client):
    assert app.test_client().get("/").status_code == 200  # a visitor: no session
    response = user_client.get("/")
    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_landing_page_explains_what_is_shared(app):
    page = app.test_client().get("/").get_data(as_text=True)
    assert "What connecting a calendar shares" in page


def test_calendars_grouped_by_profile(calendars_only_user, cronofy):
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-1"))
    response = synced_view(calendars_only_user)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Each profile with its provider's name, then its calendars in the model's order
    # (which comes first, and that deleted ones are left out: test_dashboard_model.py).
    google = page.index('ada@example.com <span class="muted">(Google)</span>')
    work = page.index("Work")
    holidays = page.index("Team holidays")
    apple = page.index('ada@icloud.com <span class="muted">(Apple)</span>')
    family = page.index("Family")
    assert google < work < holidays < apple < family
    assert page.count(">Primary<") == 2
    assert page.count(">Read-only<") == 1
    assert len(cronofy.calls) == 1


def test_expired_token_is_refreshed_before_the_call(app, calendars_only_user, cronofy, clock):
    expire_token(clock)
    cronofy.post(
        TOKEN_URL,
        json={
            "token_type": "bearer",
            "access_token": "access-2",
            "expires_in": 3600,
            "refresh_token": "refresh-2",
            "scope": "read_account list_calendars",
        },
        # Credentials in the JSON body, never in a Basic header.
        match=[
            matchers.json_params_matcher(
                {
                    "client_id": "test-client",
                    "client_secret": "test-secret",
                    "grant_type": "refresh_token",
                    "refresh_token": "refresh-1",
                }
            )
        ],
    )
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-2"))
    assert synced_view(calendars_only_user).status_code == 200
    assert "Authorization" not in cronofy.calls[0].request.headers
    row = the_connection(app)
    assert (row.access_token, row.refresh_token) == ("access-2", "refresh-2")
    assert row.expires_at == clock.now() + timedelta(seconds=3600)
    assert row.scope == "read_account list_calendars"


def test_a_token_is_refreshed_inside_the_leeway_and_not_before(
    app, calendars_only_user, cronofy, clock
):
    """Stored at connect time with an hour to live; refreshed once 60 s or less are left."""
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-1"))
    clock.advance(3600 - 61)
    synced_view(calendars_only_user)
    clock.advance(1)  # exactly the leeway left
    cronofy.post(TOKEN_URL, json={"access_token": "access-2", "expires_in": 3600})
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-2"))
    with app.app_context():
        request_sync([the_connection(app).id])  # the daily read, say
    Jobs().run()
    assert [c.request.url for c in cronofy.calls] == [CALENDARS_URL, TOKEN_URL, CALENDARS_URL]


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(
    app, calendars_only_user, cronofy, clock
):
    expire_token(clock)
    cronofy.post(TOKEN_URL, json={"access_token": "access-2", "expires_in": 3600})
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-2"))
    synced_view(calendars_only_user)
    row = the_connection(app)
    assert (row.access_token, row.refresh_token) == ("access-2", "refresh-1")


def test_a_401_refreshes_once_and_retries_once(app, calendars_only_user, cronofy):
    cronofy.get(CALENDARS_URL, status=401, match=bearer("access-1"))
    cronofy.post(
        TOKEN_URL,
        json={"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 3600},
    )
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-2"))
    page = synced_view(calendars_only_user).get_data(as_text=True)
    assert "Work" in page
    assert [c.request.url for c in cronofy.calls] == [CALENDARS_URL, TOKEN_URL, CALENDARS_URL]
    assert the_connection(app).refresh_token == "refresh-2"


def test_a_401_that_survives_the_refresh_is_shown_not_retried_again(
    app, calendars_only_user, cronofy
):
    cronofy.get(CALENDARS_URL, status=401)
    cronofy.post(
        TOKEN_URL,
        json={"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 3600},
    )
    response = synced_view(calendars_only_user)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Cronofy did not accept this connection&#39;s access" in page
    assert page.count(">Reconnect</button>") == 1  # the notice's way forward
    assert len(cronofy.calls) == 3  # calendars, refresh, calendars: then it stops
    assert the_connection(app).status is ConnectionStatus.ACTIVE


def test_a_refused_refresh_marks_the_connection_for_reconnecting(
    app, calendars_only_user, cronofy, clock
):
    expire_token(clock)
    cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    page = synced_view(calendars_only_user).get_data(as_text=True)
    assert "Needs reconnecting" in page
    assert "Reconnect" in page
    row = the_connection(app)
    assert row.status is ConnectionStatus.NEEDS_RECONNECT
    assert row.refresh_token == "refresh-1"  # the row and its tokens are kept

    # No further calls while it needs reconnecting.
    cronofy.calls.reset()
    synced_view(calendars_only_user)
    assert len(cronofy.calls) == 0


def test_reconnecting_restores_the_connection(app, calendars_only_user, cronofy, clock):
    expire_token(clock)
    cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    synced_view(calendars_only_user)
    connect(calendars_only_user, cronofy, access_token="access-9", refresh_token="refresh-9")
    row = the_connection(app)
    assert row.status is ConnectionStatus.ACTIVE
    assert row.refresh_token == "refresh-9"


UNAVAILABLE = f"Its calendars could not be loaded yet. Cronofy is not answering. {TRY_AGAIN}"
FAILED = (
    f"Its calendars could not be loaded yet. Cronofy could not complete the request. {TRY_AGAIN}"
)
UNREADABLE = f"Cronofy sent an answer this app could not read. {TRY_AGAIN}"


@pytest.mark.parametrize(
    ("mock", "message", "log"),
    [
        ({"status": 500}, UNAVAILABLE, "Cronofy /v1/calendars answered 500"),
        ({"status": 502}, UNAVAILABLE, "Cronofy /v1/calendars answered 502"),
        ({"status": 503}, UNAVAILABLE, "Cronofy /v1/calendars answered 503"),
        ({"status": 429}, f"Cronofy is busy. {TRY_AGAIN}", "answered 429"),
        (
            {"status": 403},
            "This connection was not granted the permission this needs.",
            "Cronofy /v1/calendars answered 403",
        ),
        (
            {"status": 404},
            FAILED,
            "Cronofy /v1/calendars answered 404",
        ),
        (
            {"status": 422, "json": {"errors": {"tzid": [{"key": "errors.required"}]}}},
            FAILED,
            "Cronofy /v1/calendars answered 422",
        ),
        (
            {"status": 200, "body": "<html>oops</html>"},
            UNREADABLE,
            "Cronofy /v1/calendars answered 200 without a JSON object",
        ),
        ({"status": 200, "json": ["a", "list"]}, UNREADABLE, "answered 200 without a JSON object"),
        ({"status": 200, "json": {"calendars": "nope"}}, UNREADABLE, "CronofyBadResponse"),
        ({"body": requests.ConnectTimeout("slow")}, UNAVAILABLE, "GET /v1/calendars timed out"),
        ({"body": requests.ReadTimeout("slow")}, UNAVAILABLE, "GET /v1/calendars timed out"),
        (
            {"body": requests.ConnectionError("refused")},
            UNAVAILABLE,
            "GET /v1/calendars unreachable: ConnectionError",
        ),
    ],
)
def test_upstream_failures_show_a_message_and_keep_the_connection(
    app, calendars_only_user, cronofy, caplog, mock, message, log
):
    cronofy.get(CALENDARS_URL, **mock)
    response = synced_view(calendars_only_user)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert log in caplog.text
    row = the_connection(app)
    assert (row.access_token, row.refresh_token, row.status) == (
        "access-1",
        "refresh-1",
        ConnectionStatus.ACTIVE,
    )


def test_a_missing_scope_offers_to_reconnect_with_it(calendars_only_user, cronofy):
    cronofy.get(CALENDARS_URL, status=403)
    page = synced_view(calendars_only_user).get_data(as_text=True)
    assert 'name="scope" value="list_calendars"' in page
    assert "Reconnect with this permission" in page


def test_reconnecting_with_a_scope_asks_for_it_too(calendars_only_user):
    response = calendars_only_user.post(
        "/auth/cronofy/connect",
        data={"csrf_token": csrf_token(calendars_only_user), "scope": "read_free_busy"},
    )
    query = dict(parse_qsl(urlsplit(response.location).query))
    assert query["scope"] == (
        "read_account list_calendars read_events create_event delete_event read_free_busy"
    )


def test_an_unknown_scope_is_refused(calendars_only_user):
    response = calendars_only_user.post(
        "/auth/cronofy/connect",
        data={"csrf_token": csrf_token(calendars_only_user), "scope": "admin everything"},
    )
    assert response.status_code == 400


def test_a_slow_refresh_elsewhere_is_waited_for_boundedly(
    app, calendars_only_user, cronofy, clock
):
    """If another request holds the refresh lock too long, this one gives up with a message."""
    from app.cronofy import tokens

    app.config["CRONOFY_REFRESH_LOCK_TIMEOUT"] = 0.05
    expire_token(clock)
    connection_id = the_connection(app).id
    lock = tokens._process_lock(connection_id)
    with lock:
        page = synced_view(calendars_only_user).get_data(as_text=True)
    assert f"The connection was busy. {TRY_AGAIN}" in page
    assert len(cronofy.calls) == 0
    assert the_connection(app).refresh_token == "refresh-1"


@pytest.mark.parametrize(
    "mock",
    [{"status": 503}, {"body": requests.ReadTimeout("slow")}, {"status": 200, "body": "x"}],
)
def test_refresh_failures_keep_the_tokens(app, calendars_only_user, cronofy, mock, clock):
    expire_token(clock)
    cronofy.post(TOKEN_URL, **mock)
    response = synced_view(calendars_only_user)
    assert response.status_code == 200
    row = the_connection(app)
    assert (row.access_token, row.refresh_token, row.status) == (
        "access-1",
        "refresh-1",
        ConnectionStatus.ACTIVE,
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_row_locked_elsewhere_is_waited_for_boundedly(
    app, calendars_only_user, cronofy, database_url, clock
):
    """Another process holding the row lock (mid-refresh) makes the sync give up in time.

    The page is served all the same; the connection stays marked for the sweep to retry.
    """
    app.config["CRONOFY_REFRESH_LOCK_TIMEOUT"] = 0.2
    expire_token(clock)
    other_process = create_engine(database_url)
    with other_process.connect() as conn, conn.begin():
        conn.execute(select(CronofyConnection).with_for_update())
        page = synced_view(calendars_only_user).get_data(as_text=True)
    other_process.dispose()
    assert "Syncing your calendars…" in page
    assert len(cronofy.calls) == 0
    assert the_connection(app).sync_wanted_at is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_invalid_grant_after_someone_else_rotated_uses_their_token(
    app, calendars_only_user, cronofy, clock
):
    """A refresh that loses a race it could not see (no shared lock) re-reads the row.

    SQLite only: the other writer must be able to write while this request holds its lock,
    which PostgreSQL's row lock rightly prevents.
    """
    expire_token(clock)

    def rotated_elsewhere(request):
        # Another process stores its refresh result, then Cronofy refuses our stale token.
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(
                update(CronofyConnection).values(
                    access_token="access-other",
                    refresh_token="refresh-other",
                    expires_at=datetime.now(UTC) + timedelta(hours=1),
                )
            )
        return 400, {}, '{"error": "invalid_grant"}'

    cronofy.add_callback("POST", TOKEN_URL, callback=rotated_elsewhere)
    cronofy.get(CALENDARS_URL, json=TWO_PROFILES_CALENDARS, match=bearer("access-other"))
    page = synced_view(calendars_only_user).get_data(as_text=True)
    assert "Needs reconnecting" not in page
    assert "Work" in page
    row = the_connection(app)
    assert row.status is ConnectionStatus.ACTIVE
    assert row.refresh_token == "refresh-other"


def test_long_addresses_may_wrap_after_their_at_and_dots_only():
    assert str(breakable("a.very.long@example.org")) == (
        "a.<wbr>very.<wbr>long@<wbr>example.<wbr>org"
    )
    assert str(breakable("<b>@x")) == "&lt;b&gt;@<wbr>x"  # escaped, whatever it holds
