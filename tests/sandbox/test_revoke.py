"""POST /oauth/token/revoke: ends the whole authorization, 200 even for unknown tokens."""

from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox import SandboxServer
from tests.sandbox.conftest import CLIENT, TIMEOUT, Api, refresh


def revoke(server: SandboxServer, host: str = "api", **body: str) -> requests.Response:
    base = server.api_url if host == "api" else server.app_url
    return requests.post(f"{base}/oauth/token/revoke", json=body, timeout=TIMEOUT)


def refresh_status(server: SandboxServer, refresh_token: str) -> int:
    return refresh(server, refresh_token).status_code


@pytest.mark.parametrize("which", ["access_token", "refresh_token", "sub"])
def test_revoke_ends_all_tokens_of_the_authorization(
    sandbox: SandboxServer, tokens: dict[str, Any], which: str
) -> None:
    key = "sub" if which == "sub" else "token"
    response = revoke(sandbox, **CLIENT, **{key: tokens[which]})
    assert response.status_code == 200
    assert response.content == b""
    assert Api(sandbox, tokens["access_token"]).get("/v1/account").status_code == 401
    assert refresh_status(sandbox, tokens["refresh_token"]) == 400


def test_revoke_on_the_app_host(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    assert revoke(sandbox, "app", **CLIENT, token=tokens["refresh_token"]).status_code == 200
    assert refresh_status(sandbox, tokens["refresh_token"]) == 400


def test_revoking_one_authorization_leaves_others(
    sandbox: SandboxServer, connect: Callable[..., dict[str, Any]]
) -> None:
    ann, bob = connect("ann@example.com"), connect("bob@example.com")
    revoke(sandbox, **CLIENT, token=ann["refresh_token"])
    assert Api(sandbox, bob["access_token"]).get("/v1/account").status_code == 200


def test_unknown_token_is_200(sandbox: SandboxServer) -> None:
    response = revoke(sandbox, **CLIENT, token="never-issued")
    assert (response.status_code, response.content) == (200, b"")


def test_revoke_needs_body_credentials(sandbox: SandboxServer, tokens: dict[str, Any]) -> None:
    response = requests.post(
        f"{sandbox.api_url}/oauth/token/revoke",
        json={"token": tokens["refresh_token"]},
        auth=("sandbox-client", "sandbox-secret"),
        timeout=TIMEOUT,
    )
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    wrong = revoke(sandbox, client_id="sandbox-client", client_secret="x", token="t")
    assert wrong.status_code == 401
    assert refresh_status(sandbox, tokens["refresh_token"]) == 200


def test_revoke_needs_a_token_or_sub(sandbox: SandboxServer) -> None:
    response = revoke(sandbox, **CLIENT)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_request"})
