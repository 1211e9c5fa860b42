"""Disconnect: revoke at Cronofy with the refresh token, then forget the tokens."""

import pytest
import requests
from responses import matchers

from app.models import CronofyConnection
from tests.cronofy_data import REVOKE_URL
from tests.helpers import connect, connection_id, count_rows, disconnect, register


def count_connections(app) -> int:
    return count_rows(app, CronofyConnection)


def test_disconnect_revokes_with_the_refresh_token(app, user_client, cronofy):
    connect(user_client, cronofy)
    cronofy.post(
        REVOKE_URL,
        body="",
        match=[
            matchers.json_params_matcher(
                {"client_id": "test-client", "client_secret": "test-secret", "token": "refresh-1"}
            )
        ],
    )
    response = disconnect(user_client, connection_id(app))
    assert response.status_code == 302
    assert response.location == "/dashboard"
    assert "Authorization" not in cronofy.calls[-1].request.headers
    assert count_connections(app) == 0
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Disconnected ada@example.com." in page
    assert "No calendar connected yet" in page


@pytest.mark.parametrize(
    "mock",
    [
        {"status": 503},
        {"status": 500, "body": "<html>"},
        {"body": requests.ReadTimeout("slow")},
        {"body": requests.ConnectionError("refused")},
    ],
)
def test_disconnect_when_cronofy_is_down_still_removes_the_tokens(app, user_client, cronofy, mock):
    connect(user_client, cronofy)
    cronofy.post(REVOKE_URL, **mock)
    disconnect(user_client, connection_id(app))
    assert count_connections(app) == 0
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Cronofy could not confirm the revocation" in page


def test_disconnect_asks_first_and_needs_post_and_csrf(app, user_client, cronofy):
    """A GET is the question (for browsers without JavaScript), never the act."""
    connect(user_client, cronofy)
    url = f"/auth/cronofy/connections/{connection_id(app)}/disconnect"
    page = user_client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>Disconnect ada@example.com?</h1>" in text
    assert "access to ada@example.com is revoked at Cronofy" in text
    assert f'<form method="post" action="{url}"' in text
    assert user_client.post(url).status_code == 400
    assert count_connections(app) == 1
    assert len(cronofy.calls) == 2  # the connect's exchange and account read: nothing more


def test_the_dashboard_asks_before_disconnecting(app, user_client, cronofy):
    connect(user_client, cronofy)
    url = f"/auth/cronofy/connections/{connection_id(app)}/disconnect"
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert f'href="{url}" aria-label="Disconnect ada@example.com"' in page
    assert 'data-confirm-question="Disconnect ada@example.com?"' in page
    assert '<dialog class="confirm-dialog" id="confirm-dialog"' in page


def test_another_users_connection_cannot_be_disconnected(app, client, cronofy):
    register(client, email="owner@example.com")
    connect(client, cronofy)
    owned = connection_id(app)
    intruder = app.test_client()
    register(intruder, email="intruder@example.com")
    assert disconnect(intruder, owned).status_code == 404
    assert disconnect(intruder, 999999).status_code == 404
    assert intruder.get(f"/auth/cronofy/connections/{owned}/disconnect").status_code == 404
    assert count_connections(app) == 1
    assert len(cronofy.calls) == 2  # only the owner's token exchange and account read
