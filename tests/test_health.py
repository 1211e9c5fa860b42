"""/healthz answers a load balancer: 200 while the database answers, 503 when it does not."""

import logging

from app import create_app
from tests.conftest import built_app
from tests.helpers import csrf_token, log_in
from tests.live import free_port


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_no_login_and_no_session_cookie_even_for_a_signed_in_browser(user_client):
    csrf_token(user_client)  # the session holds a CSRF token too
    response = user_client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_unhealthy_when_the_database_does_not_answer(caplog):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:pw@127.0.0.1:1/none"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert "Health check: database unavailable (OperationalError)" in caplog.messages
    assert not any("pw@" in message for message in caplog.messages)


def test_healthy_while_the_rate_limit_store_is_down(database_url, caplog):
    """/healthz checks the database only: a Redis outage must not take the process out of
    the load balancer (log-in keeps working on in-memory counts)."""
    store = f"redis://127.0.0.1:{free_port()}/0"
    with built_app(database_url, RATELIMIT_STORAGE_URI=store) as app:
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        login = log_in(client, password="x")
        assert login.status_code == 400  # served, the attempt counted in memory
        assert app.extensions["rate_limiter"].counting.counting_in_memory
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
