"""Accounts: register, log in, log out, and where `next` may lead."""

from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.auth.redirects import safe_next_path
from app.extensions import db
from app.models import User
from tests.helpers import PASSWORD, count_rows, csrf_token, log_in, log_out, register


def test_register_creates_a_hashed_account_and_logs_in(app, client):
    response = register(client, email="  Ada@Example.COM ")
    assert response.status_code == 302
    assert response.location == "/dashboard"
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "ada@example.com"
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash
    assert client.get("/dashboard").status_code == 200


def test_register_refuses_an_email_that_differs_only_in_case(app, client):
    register(client)
    log_out(client)
    response = register(client, email="ADA@example.com ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        'An account with this email already exists. <a href="/auth/login">Log in instead</a>.'
        in page
    )
    assert count_rows(app, User) == 1


def test_the_password_rule_is_said_before_anything_is_typed(client):
    page = client.get("/auth/register").get_data(as_text=True)
    hint = '<p class="field-hint" id="password-hint">At least 8 characters; a long passphrase'
    assert hint in page
    assert 'aria-describedby="password-hint"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"password": "short", "confirm": "short"}, "Use between 8 and 128 characters."),
        ({"confirm": "something else"}, "The passwords do not match."),
        ({"email": ""}, "This field is required."),
    ],
)
def test_register_shows_field_errors(client, fields, message):
    data = {"email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/auth/register")
    response = client.post("/auth/register", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_register_without_csrf_token_is_refused(app, client):
    response = client.post(
        "/auth/register",
        data={"email": "a@example.com", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert count_rows(app, User) == 0


def test_login_and_logout(client):
    register(client)
    assert log_out(client).location == "/"
    assert client.get("/dashboard").status_code == 302
    response = log_in(client, email=" ADA@example.com")
    assert response.status_code == 302
    assert response.location == "/dashboard"


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
)
def test_login_failure_does_not_reveal_whether_the_email_exists(client, email, password):
    register(client)
    log_out(client)
    response = log_in(client, email=email, password=password)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Wrong email or password." in body
    assert client.get("/dashboard").status_code == 302


def test_logout_is_post_only(user_client):
    assert user_client.get("/auth/logout").status_code == 405
    response = user_client.post("/auth/logout")  # no CSRF token
    assert response.status_code == 400
    assert user_client.get("/dashboard").status_code == 200


def test_login_clears_the_previous_session(client):
    register(client)
    log_out(client)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"
    log_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_dashboard_requires_login(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.location == "/auth/login?next=%2Fdashboard"


def test_login_follows_a_safe_next(client):
    register(client)
    log_out(client)
    assert log_in(client, next_path="/dashboard?x=1").location == "/dashboard?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.com",
        "https:evil.com",
        "//evil.com",
        "/\\evil.com",
        "/\\/evil.com",
        "javascript:alert(1)",
        "http://localhost/dashboard",
        "evil.com",
        "/\r\nSet-Cookie:x",
        "/\tevil",
        "",
    ],
)
def test_unsafe_next_is_ignored(client, target):
    register(client)
    log_out(client)
    response = log_in(client, next_path=quote(target, safe=""))
    assert response.status_code == 302
    assert response.location == "/dashboard"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard", "/dashboard"),
        ("/a/b?c=d#e", "/a/b?c=d#e"),
        ("//evil.com", None),
        ("/\\evil.com", None),
        ("https:evil.com", None),
        ("javascript:alert(1)", None),
        ("/ok\nbad", None),
        (None, None),
    ],
)
def test_safe_next_path(target, expected):
    assert safe_next_path(target) == expected


def test_production_hashes_passwords_at_owasp_cost():
    from config import Config

    # OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1.
    assert Config.PASSWORD_HASH_METHOD == "scrypt:131072:8:1"
