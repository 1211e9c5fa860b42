"""Fidelity: Cronofy's official Python SDK drives the sandbox with only its base URLs changed."""

import datetime
from collections.abc import Iterator

import pycronofy
import pytest
import requests
from pycronofy.exceptions import PyCronofyRequestError

from sandbox import SandboxServer
from sandbox.times import format_time
from tests.pages import parse_form
from tests.sandbox.conftest import HTML, REDIRECT_URI, TIMEOUT, query_of


@pytest.fixture
def sdk(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[pycronofy.Client]:
    """A pycronofy client pointed at the sandbox: the SDK reads these when it is constructed."""
    monkeypatch.setattr(pycronofy.settings, "APP_BASE_URL", sandbox.app_url)
    monkeypatch.setattr(pycronofy.settings, "API_BASE_URL", sandbox.api_url)
    yield pycronofy.Client(client_id="sandbox-client", client_secret="sandbox-secret")


def consent(sandbox: SandboxServer, url: str) -> str:
    """Open the SDK's authorization link in a 'browser', press Allow, return the code."""
    assert url.startswith(sandbox.app_url + "/oauth/authorize?")
    with requests.Session() as browser:
        page = browser.get(url, headers=HTML, timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        form = parse_form(page.text)
        data = {**form.fields, "email": "sdk@example.com", "decision": "allow"}
        answer = browser.post(
            sandbox.app_url + form.action,
            data=data,
            headers=HTML,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
    query = query_of(answer)
    assert query["state"] == ["fidelity"]
    return query["code"][0]


@pytest.mark.usefixtures("clock")  # it reads "today" and expiry times
def test_the_whole_flow_with_pycronofy(sandbox: SandboxServer, sdk: pycronofy.Client) -> None:
    code = consent(sandbox, sdk.user_auth_link(REDIRECT_URI, state="fidelity"))
    tokens = sdk.get_authorization_from_code(code)
    assert tokens["access_token"] and tokens["refresh_token"]
    assert not sdk.is_authorization_expired()

    account = sdk.account()
    assert account["email"] == "sdk@example.com"
    assert sdk.userinfo()["cronofy.type"] == "account"
    profiles = sdk.list_profiles()
    assert [p["profile_connected"] for p in profiles] == [True, True]
    calendars = {c["calendar_name"]: c for c in sdk.list_calendars()}
    work = calendars["Work"]["calendar_id"]

    today = datetime.datetime.now(datetime.UTC).date()
    window = {"from_date": today, "to_date": today + datetime.timedelta(days=14)}
    sandbox.state.clear_log()
    events = list(sdk.read_events(**window))
    pages = [e for e in sandbox.state.requests_log() if e["path"].startswith("/v1/events")]
    assert len(pages) >= 2, "pycronofy followed next_page"
    assert len(events) == len({e["event_uid"] for e in events}) >= 36

    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(days=1)
    sdk.upsert_event(
        work,
        {
            "event_id": "sdk-event",
            "summary": "Made by pycronofy",
            "description": "Fidelity test",
            "start": start,
            "end": start + datetime.timedelta(minutes=30),
            "tzid": "Etc/UTC",
            "location": {"description": "Online"},
        },
    )
    managed = [e for e in sdk.read_events(include_managed=True, **window) if e.get("event_id")]
    assert [(e["event_id"], e["summary"]) for e in managed] == [("sdk-event", "Made by pycronofy")]
    hidden = sdk.read_events(include_managed=False, **window).all()
    assert not [e for e in hidden if e.get("event_id")]

    sdk.delete_event(work, "sdk-event")
    assert not [e for e in sdk.read_events(only_managed=True, **window)]

    apple = next(p["profile_id"] for p in profiles if p["provider_name"] == "apple")
    sdk.revoke_profile(apple)
    assert len(sdk.list_profiles()) == 1

    old_refresh = sdk.auth.refresh_token
    refreshed = sdk.refresh_authorization()
    assert refreshed["refresh_token"] != old_refresh
    access_token = sdk.auth.access_token
    assert sdk.account()["account_id"] == account["account_id"]

    sdk.revoke_authorization()
    after = pycronofy.Client(access_token=access_token)
    with pytest.raises(PyCronofyRequestError) as error:
        after.account()
    assert error.value.response.status_code == 401
    grant_types = [e["grant_type"] for e in sandbox.state.requests_log() if e["grant_type"]]
    assert grant_types == ["refresh_token"]
    assert not any(e["basic_auth"] for e in sandbox.state.requests_log())


def test_pycronofy_sees_sandbox_errors(sandbox: SandboxServer, sdk: pycronofy.Client) -> None:
    sdk.get_authorization_from_code(
        consent(sandbox, sdk.user_auth_link(REDIRECT_URI, "", "fidelity"))
    )
    with pytest.raises(PyCronofyRequestError) as error:
        sdk.get_authorization_from_code("used-or-unknown", redirect_uri=REDIRECT_URI)
    assert error.value.response.status_code == 400
    assert error.value.response.json() == {"error": "invalid_grant"}
    sandbox.state.add_fault("/v1/calendars", 503)
    with pytest.raises(PyCronofyRequestError) as error:
        sdk.list_calendars()
    assert error.value.response.status_code == 503
    assert sdk.list_calendars()


def test_pycronofy_push_channels_changes_and_signatures(
    sandbox: SandboxServer, sdk: pycronofy.Client, clock
) -> None:
    from tests.receiver import Receiver

    sdk.get_authorization_from_code(
        consent(sandbox, sdk.user_auth_link(REDIRECT_URI, state="fidelity"))
    )
    account_id = sdk.account()["account_id"]
    work = next(c["calendar_id"] for c in sdk.list_calendars() if c["calendar_name"] == "Work")
    with Receiver() as receiver:
        channel = sdk.create_notification_channel(f"{receiver.url}/push", calendar_ids=(work,))
        assert channel["channel_id"].startswith("chn_")
        assert [c["channel_id"] for c in sdk.list_notification_channels()] == [
            channel["channel_id"]
        ]

        clock.advance(60)
        since = datetime.datetime.now(datetime.UTC)
        added = sandbox.state.add_provider_event(
            account_id,
            work,
            summary="Added at the provider",
            start=format_time(since + datetime.timedelta(days=1)),
            end=format_time(since + datetime.timedelta(days=1, minutes=30)),
        )
        known = next(
            e["event_uid"]
            for e in sdk.read_events(calendar_ids=(work,))
            if e["event_uid"] != added
        )
        sandbox.state.delete_provider_event(known)
        changes = sdk.read_events(last_modified=since, include_deleted=True).all()
        assert sorted((e["event_uid"], e["deleted"]) for e in changes) == sorted(
            [(added, False), (known, True)]
        )

        received = receiver.wait_for(3)  # verification, then a change for each (both in Work)
        for notification in received:
            assert sdk.hmac_valid(notification.signature, notification.body.decode())
        tampered = received[-1].body.replace(b'"change"', b'"chaNge"')
        assert not sdk.hmac_valid(received[-1].signature, tampered.decode())
        assert not sdk.hmac_valid("", received[-1].body.decode())

        sdk.close_notification_channel(channel["channel_id"])
        assert sdk.list_notification_channels() == []
