"""/v1 identity endpoints, bearer authentication, scopes and host separation."""

from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox import SandboxServer
from tests.sandbox.conftest import TIMEOUT, Api


def test_account(api: Api, tokens: dict[str, Any]) -> None:
    response = api.get("/v1/account")
    assert response.status_code == 200
    assert response.json() == {
        "account": {
            "account_id": tokens["account_id"],
            "email": "demo@example.com",
            "name": None,
            "scope": tokens["scope"],
            "default_tzid": "Etc/UTC",
        },
        "sub": tokens["account_id"],
    }


def test_userinfo(api: Api, tokens: dict[str, Any]) -> None:
    body = api.get("/v1/userinfo").json()
    assert body["sub"] == tokens["sub"]
    assert body["email"] == "demo@example.com"
    assert body["zoneinfo"] == "Etc/UTC"
    assert body["cronofy.type"] == "account"
    data = body["cronofy.data"]
    assert data["authorization"] == {"scope": tokens["scope"], "status": "active"}
    google, apple = data["profiles"]
    assert google["provider_name"] == "google" and apple["provider_name"] == "apple"
    assert google["profile_connected"] is True and "profile_relink_url" not in google
    names = [c["calendar_name"] for c in google["profile_calendars"]]
    assert names == ["Work", "Team holidays", "Old projects"]
    assert [c["calendar_name"] for c in apple["profile_calendars"]] == ["Family"]


def test_profiles(api: Api, tokens: dict[str, Any]) -> None:
    profiles = api.get("/v1/profiles").json()["profiles"]
    assert [set(p) for p in profiles] == [
        {
            "provider_name",
            "provider_service",
            "profile_id",
            "profile_name",
            "profile_connected",
            "profile_initial_sync_required",
        }
    ] * 2
    assert profiles[0]["profile_id"] == tokens["linking_profile"]["profile_id"]
    assert profiles[1]["profile_name"] == "demo@icloud.com"


def test_calendars(api: Api, tokens: dict[str, Any]) -> None:
    body = api.get("/v1/calendars").json()
    assert body["sub"] == tokens["sub"]
    by_name = {c["calendar_name"]: c for c in body["calendars"]}
    assert set(by_name) == {"Work", "Team holidays", "Old projects", "Family"}
    work = by_name["Work"]
    assert work == {
        "provider_name": "google",
        "profile_id": tokens["linking_profile"]["profile_id"],
        "profile_name": "demo@example.com",
        "calendar_id": work["calendar_id"],
        "calendar_name": "Work",
        "calendar_readonly": False,
        "calendar_deleted": False,
        "calendar_primary": True,
        "calendar_integrated_conferencing_available": False,
        "calendar_attachments_available": False,
        "permission_level": "sandbox",
    }
    assert work["calendar_id"].startswith("cal_")
    assert by_name["Team holidays"]["calendar_readonly"] is True
    assert by_name["Old projects"]["calendar_deleted"] is True
    assert by_name["Family"]["provider_name"] == "apple"


@pytest.mark.parametrize("path", ["/v1/account", "/v1/userinfo", "/v1/profiles", "/v1/calendars"])
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer unknown-token", "Basic c2FuZGJveA==", "unknown-token"]
)
def test_missing_or_unknown_token_is_401(
    sandbox: SandboxServer, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = requests.get(sandbox.api_url + path, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(sandbox: SandboxServer, api: Api, clock) -> None:
    assert api.get("/v1/account").status_code == 200
    clock.advance(3601)
    response = api.get("/v1/account")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("scope", "path", "allowed"),
    [
        ("list_calendars", "/v1/calendars", True),
        ("list_calendars", "/v1/account", False),
        ("list_calendars", "/v1/userinfo", False),
        ("list_calendars", "/v1/profiles", False),
        ("list_calendars", "/v1/events?tzid=Etc/UTC", False),
        ("read_account", "/v1/calendars", False),
        ("read_only", "/v1/calendars", True),
        ("read_only", "/v1/events?tzid=Etc/UTC", True),
        ("read_write", "/v1/account", True),
        ("write_only", "/v1/calendars", False),
        ("free_busy_write", "/v1/calendars", False),
    ],
)
def test_scopes_open_endpoints(
    sandbox: SandboxServer,
    connect: Callable[..., dict[str, Any]],
    scope: str,
    path: str,
    allowed: bool,
) -> None:
    response = Api(sandbox, connect(scope=scope)["access_token"]).get(path)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_write_scopes(sandbox: SandboxServer, connect: Callable[..., dict[str, Any]]) -> None:
    api = Api(sandbox, connect(scope="read_account list_calendars")["access_token"])
    calendar_id = api.get("/v1/calendars").json()["calendars"][0]["calendar_id"]
    event = {"event_id": "e1", "summary": "s", "start": "2030-01-01", "end": "2030-01-02"}
    assert api.post(f"/v1/calendars/{calendar_id}/events", json=event).status_code == 403
    assert api.delete(f"/v1/calendars/{calendar_id}/events", json=event).status_code == 403
    writer = Api(sandbox, connect(scope="write_only")["access_token"])
    assert writer.post(f"/v1/calendars/{calendar_id}/events", json=event).status_code == 202


@pytest.mark.parametrize(
    ("host", "path", "method"),
    [
        ("app", "/v1/calendars", "GET"),
        ("app", "/v1/account", "GET"),
        ("app", "/_sandbox/requests", "GET"),
        ("api", "/oauth/authorize", "GET"),
        ("api", "/oauth/relink", "GET"),
        ("api", "/nothing-here", "GET"),
    ],
)
def test_each_host_404s_the_others_paths(
    sandbox: SandboxServer, host: str, path: str, method: str
) -> None:
    base = sandbox.app_url if host == "app" else sandbox.api_url
    response = requests.request(
        method, base + path, headers={"Accept": "text/html"}, timeout=TIMEOUT
    )
    assert response.status_code == 404
    if host == "api":
        assert response.json() == {"error": "not_found"}
    else:
        assert response.headers["Content-Type"].startswith("text/html")


def test_revoke_profile(api: Api, tokens: dict[str, Any]) -> None:
    apple = api.get("/v1/profiles").json()["profiles"][1]["profile_id"]
    response = api.post(f"/v1/profiles/{apple}/revoke")
    assert (response.status_code, response.content) == (202, b"")
    assert [p["provider_name"] for p in api.get("/v1/profiles").json()["profiles"]] == ["google"]
    names = {c["calendar_name"] for c in api.get("/v1/calendars").json()["calendars"]}
    assert "Family" not in names
    assert api.post(f"/v1/profiles/{apple}/revoke").status_code == 404
    assert api.get("/v1/account").status_code == 200  # the authorization itself stays


def test_revoked_profile_returns_on_the_next_authorization(
    sandbox: SandboxServer, connect: Callable[..., dict[str, Any]]
) -> None:
    api = Api(sandbox, connect()["access_token"])
    for profile in api.get("/v1/profiles").json()["profiles"]:
        api.post(f"/v1/profiles/{profile['profile_id']}/revoke")
    assert api.get("/v1/calendars").json()["calendars"] == []
    again = Api(sandbox, connect()["access_token"])
    assert len(again.get("/v1/profiles").json()["profiles"]) == 2


def test_userinfo_and_profiles_show_a_disconnected_profile(
    sandbox: SandboxServer, api: Api, tokens: dict[str, Any]
) -> None:
    profile_id = tokens["linking_profile"]["profile_id"]
    sandbox.state.disconnect_profile(profile_id)
    profile = api.get("/v1/profiles").json()["profiles"][0]
    assert profile["profile_connected"] is False
    relink = profile["profile_relink_url"]
    assert relink == f"{sandbox.app_url}/oauth/relink?profile_id={profile_id}"
    info = api.get("/v1/userinfo").json()["cronofy.data"]["profiles"][0]
    assert info["profile_connected"] is False and info["profile_relink_url"] == relink
