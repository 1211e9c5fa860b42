"""POST /oauth/token on both hosts: code exchange, refresh, rotation, client authentication."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox import SandboxServer
from tests.sandbox.conftest import (
    CLIENT,
    REDIRECT_URI,
    SCOPE,
    TIMEOUT,
    Browser,
    exchange,
    refresh,
)

TOKEN_FIELDS = {
    "token_type",
    "access_token",
    "expires_in",
    "refresh_token",
    "scope",
    "account_id",
    "sub",
    "linking_profile",
}


def post_token(server: SandboxServer, host: str = "api", **kwargs: Any) -> requests.Response:
    base = server.api_url if host == "api" else server.app_url
    return requests.post(f"{base}/oauth/token", timeout=TIMEOUT, **kwargs)


def test_code_exchange_answers_exactly_the_documented_fields(
    sandbox: SandboxServer, browser: Browser
) -> None:
    response = exchange(sandbox, browser.authorize("ann@example.com"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == TOKEN_FIELDS
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == SCOPE
    assert body["sub"] == body["account_id"] and len(body["account_id"]) == 28
    assert len(body["access_token"]) == 32 and len(body["refresh_token"]) == 32
    profile = body["linking_profile"]
    assert set(profile) == {"provider_name", "profile_id", "profile_name"}
    assert profile["provider_name"] == "google"
    assert profile["profile_name"] == "ann@example.com"
    assert profile["profile_id"].startswith("pro_")


def test_form_encoded_body_on_the_app_host_works_too(
    sandbox: SandboxServer, browser: Browser
) -> None:
    code = browser.authorize()
    data = {**CLIENT, "grant_type": "authorization_code", "code": code}
    response = post_token(sandbox, "app", data={**data, "redirect_uri": REDIRECT_URI})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_code_is_single_use(sandbox: SandboxServer, browser: Browser) -> None:
    code = browser.authorize()
    assert exchange(sandbox, code).status_code == 200
    again = exchange(sandbox, code)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_code_expires_after_ten_minutes(sandbox: SandboxServer, browser: Browser, clock) -> None:
    late = browser.authorize()
    on_time = browser.authorize()
    clock.advance(599)
    assert exchange(sandbox, on_time).status_code == 200
    clock.advance(2)
    assert exchange(sandbox, late).json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    "change",
    [
        {"redirect_uri": REDIRECT_URI + "/"},
        {
            "redirect_uri": "http://localhost:5000/auth/cronofy/callback"
        },  # registered, but not this
        {"scope": "read_account"},
    ],
)
def test_mismatches_are_invalid_grant(
    sandbox: SandboxServer, browser: Browser, change: dict[str, str]
) -> None:
    response = exchange(sandbox, browser.authorize(), **change)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_unknown_code_is_invalid_grant(sandbox: SandboxServer) -> None:
    response = exchange(sandbox, "never-issued")
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_same_scope_in_another_order_is_accepted(sandbox: SandboxServer, browser: Browser) -> None:
    scope = " ".join(reversed(SCOPE.split()))
    assert exchange(sandbox, browser.authorize(), scope=scope).status_code == 200


def test_basic_auth_alone_is_invalid_client(sandbox: SandboxServer, browser: Browser) -> None:
    body = {"grant_type": "authorization_code", "code": browser.authorize()}
    body["redirect_uri"] = REDIRECT_URI
    response = post_token(sandbox, json=body, auth=("sandbox-client", "sandbox-secret"))
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    assert sandbox.state.requests_log()[-1]["basic_auth"] is True


def test_basic_auth_next_to_body_credentials_is_refused(
    sandbox: SandboxServer, browser: Browser
) -> None:
    body = {**CLIENT, "grant_type": "authorization_code", "code": browser.authorize()}
    body["redirect_uri"] = REDIRECT_URI
    response = post_token(sandbox, json=body, auth=("sandbox-client", "sandbox-secret"))
    assert response.json() == {"error": "invalid_client"}


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": "sandbox-client", "client_secret": "wrong"},
        {"client_id": "other", "client_secret": "sandbox-secret"},
        {"client_id": "sandbox-client"},
        {},
    ],
)
def test_bad_client_credentials_are_invalid_client(
    sandbox: SandboxServer, credentials: dict[str, str]
) -> None:
    body = {**credentials, "grant_type": "refresh_token", "refresh_token": "x"}
    response = post_token(sandbox, json=body)
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "c"}, "invalid_request"),
        ({"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
def test_oauth_errors(sandbox: SandboxServer, body: dict[str, str], error: str) -> None:
    response = post_token(sandbox, json={**CLIENT, **body})
    assert (response.status_code, response.json()) == (400, {"error": error})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "{not json", "headers": {"Content-Type": "application/json"}},
        {"json": ["a", "list"]},
        {"json": {**CLIENT, "grant_type": 7}},
        {"data": "plain text", "headers": {"Content-Type": "text/plain"}},
    ],
)
def test_malformed_bodies_are_invalid_request(
    sandbox: SandboxServer, kwargs: dict[str, Any]
) -> None:
    response = post_token(sandbox, **kwargs)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_request"})


@pytest.mark.parametrize("host", ["api", "app"])
def test_oversized_body_is_413_not_a_crash(sandbox: SandboxServer, host: str) -> None:
    response = post_token(sandbox, host, data={"grant_type": "x" * 2_000_000})
    assert response.status_code == 413
    assert sandbox.state.requests_log()[-1]["status"] == 413


def test_get_on_the_token_endpoint_is_405(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.api_url}/oauth/token", timeout=TIMEOUT)
    assert response.status_code == 405


def test_refresh_rotates_and_the_old_token_dies(
    sandbox: SandboxServer, tokens: dict[str, Any]
) -> None:
    response = refresh(sandbox, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"token_type", "access_token", "expires_in", "refresh_token", "scope"}
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["access_token"] != tokens["access_token"]
    assert body["scope"] == SCOPE
    old = refresh(sandbox, tokens["refresh_token"])
    assert (old.status_code, old.json()) == (400, {"error": "invalid_grant"})
    assert refresh(sandbox, body["refresh_token"]).status_code == 200


def test_refresh_without_rotation_returns_the_same_token(
    sandbox: SandboxServer, tokens: dict[str, Any]
) -> None:
    sandbox.state.set_settings(rotate_refresh_tokens=False)
    first = refresh(sandbox, tokens["refresh_token"]).json()
    second = refresh(sandbox, tokens["refresh_token"]).json()
    assert first["refresh_token"] == second["refresh_token"] == tokens["refresh_token"]


def test_access_token_lifetime_setting(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    sandbox.state.set_settings(access_token_lifetime=60)
    assert refresh(sandbox, tokens["refresh_token"]).json()["expires_in"] == 60


def test_concurrent_refreshes_of_one_rotating_token_let_exactly_one_win(
    sandbox: SandboxServer, tokens: dict[str, Any]
) -> None:
    start = threading.Barrier(16)
    results: list[requests.Response] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        response = refresh(sandbox, tokens["refresh_token"])
        with lock:
            results.append(response)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [400] * 15
    assert all(r.json() == {"error": "invalid_grant"} for r in results if r.status_code == 400)


def test_token_requests_are_logged_with_grant_type(
    sandbox: SandboxServer, connect: Callable[..., dict[str, Any]]
) -> None:
    tokens = connect()
    sandbox.state.clear_log()
    refresh(sandbox, tokens["refresh_token"])
    (entry,) = sandbox.state.requests_log()
    assert entry["grant_type"] == "refresh_token"
    assert entry["basic_auth"] is False
    assert (entry["method"], entry["host"], entry["path"]) == ("POST", "api", "/oauth/token")
