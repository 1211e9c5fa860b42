"""The optional state file: a demo survives a restart, and a damaged file stops the start."""

import json
from pathlib import Path

import pytest
import requests

from sandbox import SandboxServer, SandboxState
from tests.sandbox.conftest import CLIENT, TIMEOUT, Api, Browser, exchange


def test_accounts_and_tokens_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "sandbox.json"
    with SandboxServer(SandboxState(state_file=path)) as first, requests.Session() as session:
        tokens = exchange(first, Browser(first, session).authorize("ann@example.com")).json()
        work = Api(first, tokens["access_token"]).get("/v1/calendars").json()["calendars"][0]
        event = {"event_id": "kept", "summary": "s", "start": "2030-01-01", "end": "2030-01-02"}
        api = Api(first, tokens["access_token"])
        assert (
            api.post(f"/v1/calendars/{work['calendar_id']}/events", json=event).status_code == 202
        )
        # A channel to a closed port: its verification fails in the background, harmlessly.
        channel = api.post(
            "/v1/channels", json={"callback_url": "http://127.0.0.1:9/push"}
        ).json()["channel"]
    assert path.exists()
    assert list(path.parent.iterdir()) == [path]  # no temporary files left behind
    saved = path.read_text()
    assert tokens["access_token"] not in saved and tokens["refresh_token"] not in saved

    with SandboxServer(SandboxState(state_file=path)) as second:
        api = Api(second, tokens["access_token"])
        assert api.get("/v1/account").json()["account"]["email"] == "ann@example.com"
        params = {
            "tzid": "Etc/UTC",
            "only_managed": "true",
            "from": "2030-01-01",
            "to": "2030-01-02",
        }
        assert [e["event_id"] for e in api.get("/v1/events", params=params).json()["events"]] == [
            "kept"
        ]
        body = {**CLIENT, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        refreshed = requests.post(f"{second.api_url}/oauth/token", json=body, timeout=TIMEOUT)
        assert refreshed.status_code == 200
        assert api.get("/v1/channels").json() == {"channels": [channel]}


def test_the_addresses_a_browser_used_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    with requests.Session() as session:
        with SandboxServer(SandboxState(state_file=path)) as first:
            browser = Browser(first, session)
            tokens = exchange(first, browser.authorize("ann@example.com")).json()
            first.state.revoke_account(tokens["account_id"])
        with SandboxServer(SandboxState(state_file=path)) as second:
            page = Browser(second, session).open()
            assert 'value="ann@example.com"' in page.text  # reconnecting: the same address


def test_same_email_after_a_restart_without_a_file_is_the_same_account(tmp_path: Path) -> None:
    ids = []
    for _ in range(2):
        with SandboxServer() as server, requests.Session() as session:
            code = Browser(server, session).authorize("ann@example.com")
            ids.append(exchange(server, code).json()["account_id"])
    assert ids[0] == ids[1]


@pytest.mark.parametrize("content", ["{not json", json.dumps({"version": 99}), "[]"])
def test_damaged_state_file_refuses_to_start(tmp_path: Path, content: str) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="cannot read sandbox state file"):
        SandboxState(state_file=path)


def test_reset_empties_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    state = SandboxState(state_file=path)
    state.reset()
    assert json.loads(path.read_text())["accounts"] == []
