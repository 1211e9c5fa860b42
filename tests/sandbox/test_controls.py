"""The /_sandbox controls and their Python twins: latency, faults, revocation, the request log."""

import time
from typing import Any

import pytest
import requests

from sandbox import SandboxServer, SandboxState, create_api_host
from tests.pages import parse_form
from tests.sandbox.conftest import (
    CLIENT,
    HTML,
    REDIRECT_URI,
    TIMEOUT,
    Api,
    Browser,
    control,
    refresh,
)


def test_settings_get_and_patch(sandbox: SandboxServer) -> None:
    assert control(sandbox, "GET", "/settings").json() == {
        "access_token_lifetime": 3600,
        "latency_ms": 0,
        "page_size": 25,
        "rotate_refresh_tokens": True,
        "hang_seconds": 30,
        "notify_own_writes": True,
        "notification_timeout_seconds": 5,
        "notification_retry_seconds": 1,
        "notification_retry_window_seconds": 86_400,
        "close_failing_channels": True,
        "rotating_client_secret": None,
        "rate_limits": False,
        "rate_limit_per_second": 50,
        "rate_limit_per_minute": 500,
        "rate_limit_retry_after": None,
    }
    response = control(sandbox, "PATCH", "/settings", json={"page_size": 5, "latency_ms": 1})
    assert response.status_code == 200
    assert response.json()["page_size"] == 5
    assert sandbox.state.settings["latency_ms"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"page_size": 0},
        {"page_size": "5"},
        {"latency_ms": -1},
        {"access_token_lifetime": True},
        {"rotate_refresh_tokens": "no"},
        {"hang_seconds": 10_000},
        {"colour": "blue"},
        ["page_size", 5],
    ],
)
def test_bad_settings_are_400_and_change_nothing(sandbox: SandboxServer, body: Any) -> None:
    response = control(sandbox, "PATCH", "/settings", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert sandbox.state.settings["page_size"] == 25


def test_malformed_control_bodies_are_400(sandbox: SandboxServer) -> None:
    response = control(
        sandbox, "PATCH", "/settings", data="{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert control(sandbox, "POST", "/faults", data="x").status_code == 400


def test_set_settings_in_python_validates(state: SandboxState) -> None:
    with pytest.raises(ValueError, match="page_size"):
        state.set_settings(page_size=0)


def test_latency_applies_to_cronofy_endpoints_only(
    sandbox: SandboxServer, tokens: dict[str, Any]
) -> None:
    control(sandbox, "PATCH", "/settings", json={"latency_ms": 150})
    sandbox.state.clear_log()
    Api(sandbox, tokens["access_token"]).get("/v1/account")
    requests.post(f"{sandbox.app_url}/oauth/token", json={}, timeout=TIMEOUT)
    started = time.monotonic()
    control(sandbox, "GET", "/settings")
    assert time.monotonic() - started < 0.15
    entries = sandbox.state.requests_log()
    assert [e["host"] for e in entries] == ["api", "app"]
    assert all(e["finished_at"] - e["started_at"] >= 0.15 for e in entries)


def test_fault_for_n_requests_then_normal(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    api = Api(sandbox, tokens["access_token"])
    body = {"path": "/v1/calendars", "status": 503, "count": 2}
    assert control(sandbox, "POST", "/faults", json=body).status_code == 200
    assert [api.get("/v1/calendars").status_code for _ in range(3)] == [503, 503, 200]
    assert api.get("/v1/account").status_code == 200  # exact path match only


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_fault_statuses_on_the_token_endpoint(
    sandbox: SandboxServer, tokens: dict[str, Any], status: int
) -> None:
    sandbox.state.add_fault("/oauth/token", status)
    assert refresh(sandbox, tokens["refresh_token"]).status_code == status
    entry = sandbox.state.requests_log()[-1]
    assert (entry["status"], entry["grant_type"]) == (status, "refresh_token")
    assert refresh(sandbox, tokens["refresh_token"]).status_code == 200  # token survived


def test_hang_answers_504_after_hang_seconds(
    sandbox: SandboxServer, tokens: dict[str, Any]
) -> None:
    sandbox.state.set_settings(hang_seconds=0.3)
    control(sandbox, "POST", "/faults", json={"path": "/v1/account", "status": "hang"})
    api = Api(sandbox, tokens["access_token"])
    with pytest.raises(requests.Timeout):
        requests.get(api.base + "/v1/account", headers=api.headers, timeout=0.1)
    sandbox.state.add_fault("/v1/account", "hang")
    started = time.monotonic()
    assert api.get("/v1/account").status_code == 504
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    "body",
    [
        {"path": "v1/calendars", "status": 503},
        {"path": "/v1/calendars", "status": 404},
        {"path": "/v1/calendars", "status": "slow"},
        {"path": "/v1/calendars", "status": 503, "count": 0},
        {"path": "/v1/calendars", "status": True},
        {"path": "/v1/calendars", "status": 503, "extra": 1},
    ],
)
def test_bad_faults_are_400(sandbox: SandboxServer, body: dict[str, Any]) -> None:
    assert control(sandbox, "POST", "/faults", json=body).status_code == 400


def test_clear_faults(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    sandbox.state.add_fault("/v1/account", 500, count=5)
    assert control(sandbox, "DELETE", "/faults").status_code == 200
    assert Api(sandbox, tokens["access_token"]).get("/v1/account").status_code == 200


def test_expire_tokens(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    assert control(sandbox, "POST", "/expire-tokens").status_code == 200
    assert Api(sandbox, tokens["access_token"]).get("/v1/account").status_code == 401
    fresh = refresh(sandbox, tokens["refresh_token"])
    assert fresh.status_code == 200
    assert Api(sandbox, fresh.json()["access_token"]).get("/v1/account").status_code == 200


def test_revoke_account(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    response = control(sandbox, "POST", f"/accounts/{tokens['account_id']}/revoke")
    assert response.status_code == 200
    assert Api(sandbox, tokens["access_token"]).get("/v1/account").status_code == 401
    assert refresh(sandbox, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    assert control(sandbox, "POST", "/accounts/acc_nobody/revoke").status_code == 404


def test_disconnect_reconnect_profile(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    api = Api(sandbox, tokens["access_token"])
    profile_id = tokens["linking_profile"]["profile_id"]
    assert control(sandbox, "POST", f"/profiles/{profile_id}/disconnect").status_code == 200
    assert api.get("/v1/profiles").json()["profiles"][0]["profile_connected"] is False
    assert control(sandbox, "POST", f"/profiles/{profile_id}/reconnect").status_code == 200
    profile = api.get("/v1/profiles").json()["profiles"][0]
    assert profile["profile_connected"] is True and "profile_relink_url" not in profile
    assert control(sandbox, "POST", "/profiles/pro_nobody/disconnect").status_code == 404


def test_relink_page_reconnects_the_profile(
    sandbox: SandboxServer, browser: Browser, tokens: dict[str, Any]
) -> None:
    api = Api(sandbox, tokens["access_token"])
    sandbox.state.disconnect_profile(tokens["linking_profile"]["profile_id"])
    relink_url = api.get("/v1/profiles").json()["profiles"][0]["profile_relink_url"]
    page = browser.session.get(relink_url, headers=HTML, timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Reconnect demo@example.com" in page.text
    form = parse_form(page.text)
    forged = browser.session.post(
        sandbox.app_url + form.action,
        data={**form.fields, "nonce": "x"},
        headers=HTML,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 400
    done = browser.session.post(
        sandbox.app_url + form.action, data=form.fields, headers=HTML, timeout=TIMEOUT
    )
    assert done.status_code == 200 and "Calendar reconnected" in done.text
    assert api.get("/v1/profiles").json()["profiles"][0]["profile_connected"] is True
    unknown = browser.session.get(
        f"{sandbox.app_url}/oauth/relink?profile_id=pro_nobody", headers=HTML, timeout=TIMEOUT
    )
    assert unknown.status_code == 404


def test_rename_calendar(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    api = Api(sandbox, tokens["access_token"])
    calendar_id = api.get("/v1/calendars").json()["calendars"][0]["calendar_id"]
    name = '<script>alert("x")</script> & Co'
    response = control(sandbox, "POST", f"/calendars/{calendar_id}/rename", json={"name": name})
    assert response.status_code == 200
    assert api.get("/v1/calendars").json()["calendars"][0]["calendar_name"] == name
    assert (
        control(sandbox, "POST", "/calendars/cal_x/rename", json={"name": "a"}).status_code == 404
    )
    bad = control(sandbox, "POST", f"/calendars/{calendar_id}/rename", json={"name": ""})
    assert bad.status_code == 400


def test_register_redirect_uri(sandbox: SandboxServer, browser: Browser) -> None:
    uri = "http://127.0.0.1:8123/auth/cronofy/callback"
    assert browser.open(redirect_uri=uri).status_code == 400
    assert control(sandbox, "POST", "/redirect-uris", json={"uri": uri}).status_code == 200
    assert browser.open(redirect_uri=uri).status_code == 200
    for bad in ("not a url", "ftp://x/cb", "http://x/cb#frag", 5):
        assert control(sandbox, "POST", "/redirect-uris", json={"uri": bad}).status_code == 400


def test_accounts(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    (account,) = control(sandbox, "GET", "/accounts").json()["accounts"]
    assert account["account_id"] == tokens["account_id"]
    assert account["email"] == "demo@example.com"
    assert account["provider"] == "google"
    assert len(account["profiles"]) == 2 and len(account["calendars"]) == 4
    assert sandbox.state.accounts()[0]["account_id"] == tokens["account_id"]


def test_reset(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    sandbox.state.set_settings(page_size=3)
    assert control(sandbox, "POST", "/reset").status_code == 200
    assert sandbox.state.accounts() == []
    assert sandbox.state.settings["page_size"] == 25
    assert Api(sandbox, tokens["access_token"]).get("/v1/account").status_code == 401


def test_request_log(sandbox: SandboxServer, browser: Browser) -> None:
    sandbox.state.clear_log()
    code = browser.authorize()
    body = {**CLIENT, "grant_type": "authorization_code", "code": code}
    requests.post(
        f"{sandbox.app_url}/oauth/token",
        data={**body, "redirect_uri": REDIRECT_URI},
        timeout=TIMEOUT,
    )
    requests.get(f"{sandbox.app_url}/v1/calendars", timeout=TIMEOUT)
    control(sandbox, "GET", "/settings")  # controls are not logged
    entries = control(sandbox, "GET", "/requests").json()["requests"]
    assert [(e["method"], e["host"], e["path"], e["status"]) for e in entries] == [
        ("GET", "app", "/oauth/authorize", 200),
        ("POST", "app", "/oauth/authorize", 302),
        ("POST", "app", "/oauth/token", 200),
        ("GET", "app", "/v1/calendars", 404),
    ]
    assert [e["grant_type"] for e in entries] == [None, None, "authorization_code", None]
    for entry in entries:
        assert set(entry) == {
            "method",
            "host",
            "path",
            "status",
            "rate_limited",
            "grant_type",
            "basic_auth",
            "started_at",
            "finished_at",
            "client_port",
        }
        assert isinstance(entry["client_port"], int)
        assert entry["basic_auth"] is False
        assert entry["rate_limited"] is False
        assert entry["started_at"] <= entry["finished_at"]
    assert control(sandbox, "DELETE", "/requests").status_code == 200
    assert sandbox.state.requests_log() == []


def test_log_keeps_no_query_strings(sandbox: SandboxServer, browser: Browser) -> None:
    sandbox.state.clear_log()
    browser.authorize()
    assert all("?" not in e["path"] for e in sandbox.state.requests_log())


def test_controls_refuse_non_loopback_callers() -> None:
    client = create_api_host(SandboxState()).test_client()
    for address in ("10.0.0.1", "192.168.1.5", "2001:db8::1"):
        response = client.get("/_sandbox/requests", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 403
        assert response.json["error"]
        response = client.post("/_sandbox/reset", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 403
    for address in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        response = client.get("/_sandbox/settings", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200
