"""Push notifications: channels, signed deliveries to a real receiver, retries and faults."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox import SandboxServer
from sandbox.signing import signature
from sandbox.times import format_timestamp
from tests.receiver import Received, Receiver
from tests.sandbox.conftest import TIMEOUT, Api

SECRET = "sandbox-secret"  # the sandbox's client secret: what notifications are signed with


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A callback URL of the test's own that records what it is sent (tests/receiver.py)."""
    with Receiver() as server:
        yield server


@pytest.fixture
def fast_retries(sandbox: SandboxServer) -> None:
    """Retries a twentieth of a second apart, given up after half a second."""
    sandbox.state.set_settings(
        notification_retry_seconds=0.05,
        notification_retry_window_seconds=0.5,
        notification_timeout_seconds=0.3,
    )


def create_channel(api: Api, url: str, **filters: Any) -> requests.Response:
    body: dict[str, Any] = {"callback_url": url}
    if filters:
        body["filters"] = filters
    return api.post("/v1/channels", json=body)


def hours_from_now(hours: int) -> str:
    return format_timestamp(time.time() + hours * 3600)


def notification(received: Received) -> dict[str, Any]:
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.signature == signature(received.body, SECRET)  # over the exact bytes
    body: dict[str, Any] = json.loads(received.body)
    return body


def types(received: list[Received]) -> list[str]:
    return [notification(r)["notification"]["type"] for r in received]


# ----- channels ------------------------------------------------------------------------------


def test_a_channel_is_made_listed_and_closed(sandbox: SandboxServer, api: Api, receiver) -> None:
    response = create_channel(api, f"{receiver.url}/hook/abc")
    assert response.status_code == 200
    channel = response.json()["channel"]
    assert channel == {
        "channel_id": channel["channel_id"],
        "callback_url": f"{receiver.url}/hook/abc",
        "filters": {},
    }
    assert channel["channel_id"].startswith("chn_") and len(channel["channel_id"]) == 28
    again = create_channel(api, f"{receiver.url}/hook/abc")  # identical: the same channel
    assert again.json()["channel"]["channel_id"] == channel["channel_id"]
    assert api.get("/v1/channels").json() == {"channels": [channel]}

    closed = api.delete(f"/v1/channels/{channel['channel_id']}")
    assert (closed.status_code, closed.content) == (202, b"")
    assert api.get("/v1/channels").json() == {"channels": []}
    assert api.delete(f"/v1/channels/{channel['channel_id']}").status_code == 404
    assert api.delete("/v1/channels/chn_unknown").status_code == 404


def test_filters_are_echoed_when_not_the_defaults(api: Api, receiver) -> None:
    family = api.calendar_ids()["Family"]
    channel = create_channel(api, receiver.url, calendar_ids=[family], only_managed=True).json()[
        "channel"
    ]
    assert channel["filters"] == {"calendar_ids": [family], "only_managed": True}
    other = create_channel(api, receiver.url).json()["channel"]  # other filters: another one
    assert other["channel_id"] != channel["channel_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "callback_url"),
        ({"callback_url": "not a url"}, "callback_url"),
        ({"callback_url": "ftp://example.com/hook"}, "callback_url"),
        (
            {"callback_url": "https://example.com/h", "filters": {"calendar_ids": []}},
            "filters.calendar_ids",
        ),
        (
            {"callback_url": "https://example.com/h", "filters": {"calendar_ids": ["cal_x"]}},
            "filters.calendar_ids",
        ),
        (
            {"callback_url": "https://example.com/h", "filters": {"only_managed": "yes"}},
            "filters.only_managed",
        ),
        ({"callback_url": "https://example.com/h", "filters": []}, "filters"),
    ],
)
def test_invalid_channels_are_422(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("/v1/channels", json=body)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_an_account_has_at_most_128_channels(api: Api, receiver) -> None:
    for n in range(128):
        assert create_channel(api, f"{receiver.url}/hook/{n}").status_code == 200
    response = create_channel(api, f"{receiver.url}/hook/one-too-many")
    assert response.status_code == 422
    assert "channels" in response.json()["errors"]


def test_without_read_events_only_managed_channels_are_allowed(
    sandbox: SandboxServer, connect, receiver
) -> None:
    api = Api(sandbox, connect(scope="list_calendars create_event")["access_token"])
    refused = create_channel(api, receiver.url)
    assert refused.status_code == 403
    assert 'scope="read_events"' in refused.headers["WWW-Authenticate"]
    assert create_channel(api, receiver.url, only_managed=True).status_code == 200


def test_channels_stop_when_the_authorization_is_revoked(
    sandbox: SandboxServer, connect, receiver
) -> None:
    tokens = connect()
    api = Api(sandbox, tokens["access_token"])
    create_channel(api, receiver.url)
    assert len(sandbox.state.all_channels()) == 1
    requests.post(
        f"{sandbox.api_url}/oauth/token/revoke",
        json={
            "client_id": "sandbox-client",
            "client_secret": SECRET,
            "token": tokens["refresh_token"],
        },
        timeout=TIMEOUT,
    )
    assert sandbox.state.all_channels() == []


# ----- notifications -------------------------------------------------------------------------


def test_a_new_channel_is_sent_a_verification(sandbox: SandboxServer, api: Api, receiver) -> None:
    channel = create_channel(api, f"{receiver.url}/hook/abc").json()["channel"]
    [received] = receiver.wait_for(1)
    assert received.path == "/hook/abc"
    assert notification(received) == {"notification": {"type": "verification"}, "channel": channel}
    assert (
        received.body
        == json.dumps(
            {"notification": {"type": "verification"}, "channel": channel}, separators=(",", ":")
        ).encode()
    )


def test_each_change_at_the_provider_is_one_change_notification(
    sandbox: SandboxServer, api: Api, tokens, receiver, clock
) -> None:
    create_channel(api, receiver.url)
    receiver.wait_for(1)
    clock.advance(60)
    work = api.calendar_ids()["Work"]
    uid = sandbox.state.add_provider_event(
        tokens["sub"],
        work,
        summary="Dentist",
        start=hours_from_now(24),
        end=hours_from_now(25),
    )
    clock.advance(5)
    sandbox.state.edit_provider_event(uid, start=hours_from_now(26), end=hours_from_now(27))
    clock.advance(5)
    sandbox.state.delete_provider_event(uid)
    received = receiver.wait_for(4)
    assert types(received) == ["verification", "change", "change", "change"]
    since = [notification(r)["notification"]["changes_since"] for r in received[1:]]
    first = clock.now().timestamp() - 10
    assert since == [format_timestamp(first + n) for n in (0, 5, 10)]
    # Reading from the first changes_since finds exactly that event, deleted.
    read = api.get(
        "/v1/events",
        params={"tzid": "Etc/UTC", "last_modified": since[0], "include_deleted": "true"},
    ).json()["events"]
    assert [(e["event_uid"], e["deleted"]) for e in read] == [(uid, True)]


def test_filters_decide_which_channels_hear_of_a_change(
    sandbox: SandboxServer, api: Api, tokens
) -> None:
    names = api.calendar_ids()
    with Receiver() as everything, Receiver() as family, Receiver() as managed:
        create_channel(api, everything.url)
        create_channel(api, family.url, calendar_ids=[names["Family"]])
        create_channel(api, managed.url, only_managed=True)
        sandbox.state.add_provider_event(
            tokens["sub"],
            names["Work"],
            summary="Work thing",
            start="2027-01-05",
            end="2027-01-06",
        )
        api.post(
            f"/v1/calendars/{names['Work']}/events",
            json={
                "event_id": "mine",
                "summary": "Made here",
                "start": "2027-01-07",
                "end": "2027-01-08",
            },
        )
        assert sandbox.state.wait_for_deliveries()
        assert types(everything.received) == ["verification", "change", "change"]
        assert types(family.received) == ["verification"]
        assert types(managed.received) == ["verification", "change"]


def test_a_clients_own_writes_notify_unless_the_setting_says_not(
    sandbox: SandboxServer, api: Api, receiver
) -> None:
    work = api.calendar_ids()["Work"]
    create_channel(api, receiver.url)
    event = {
        "event_id": "mine",
        "summary": "Made here",
        "start": "2027-01-07",
        "end": "2027-01-08",
    }
    api.post(f"/v1/calendars/{work}/events", json=event)
    assert sandbox.state.wait_for_deliveries()
    assert types(receiver.received) == ["verification", "change"]
    sandbox.state.set_settings(notify_own_writes=False)
    api.post(f"/v1/calendars/{work}/events", json={**event, "summary": "Renamed"})
    api.delete(f"/v1/calendars/{work}/events", json={"event_id": "mine"})
    assert sandbox.state.wait_for_deliveries()
    assert types(receiver.received) == ["verification", "change"]


def test_profile_notifications_and_unknown_types(
    sandbox: SandboxServer, api: Api, tokens, receiver
) -> None:
    create_channel(api, receiver.url)
    profile = tokens["linking_profile"]["profile_id"]
    sandbox.state.disconnect_profile(profile)
    sandbox.state.reconnect_profile(profile)
    response = requests.post(
        f"{sandbox.api_url}/_sandbox/accounts/{tokens['sub']}/notifications",
        json={"type": "gdpr_requested"},
        timeout=TIMEOUT,
    )
    assert response.json() == {"sent": 1}
    assert types(receiver.wait_for(4)) == [
        "verification",
        "profile_disconnected",
        "profile_initial_sync_completed",
        "gdpr_requested",
    ]


def test_a_rotating_secret_adds_a_second_signature(
    sandbox: SandboxServer, api: Api, receiver
) -> None:
    sandbox.state.set_settings(rotating_client_secret="the-next-secret")
    create_channel(api, receiver.url)
    [received] = receiver.wait_for(1)
    assert received.signature == (
        f"{signature(received.body, SECRET)},{signature(received.body, 'the-next-secret')}"
    )


# ----- delivery like a real service ----------------------------------------------------------


def test_a_failing_answer_and_a_timeout_are_retried(
    sandbox: SandboxServer, api: Api, receiver, fast_retries
) -> None:
    receiver.answer(500, 0.6)  # an error, then too slow (the timeout is 0.3 s)
    create_channel(api, receiver.url)
    received = receiver.wait_for(3)
    assert [r.body for r in received] == [received[0].body] * 3
    assert sandbox.state.wait_for_deliveries()
    attempts = [(d["attempt"], d["status"], d["outcome"]) for d in sandbox.state.deliveries.log()]
    assert attempts == [(1, 500, "retrying"), (2, "timeout", "retrying"), (3, 200, "delivered")]
    assert len(sandbox.state.all_channels()) == 1


def test_a_channel_is_closed_when_its_notifications_keep_failing(
    sandbox: SandboxServer, api: Api, receiver, fast_retries
) -> None:
    receiver.answer(*[503] * 50)
    create_channel(api, receiver.url)
    assert sandbox.state.wait_for_deliveries()
    log = sandbox.state.deliveries.log()
    assert {d["status"] for d in log} == {503}
    assert [d["outcome"] for d in log] == ["retrying"] * (len(log) - 1) + ["given_up"]
    assert len(log) >= 3
    assert sandbox.state.all_channels() == []
    assert api.get("/v1/channels").json() == {"channels": []}


def test_closing_failing_channels_can_be_turned_off(
    sandbox: SandboxServer, api: Api, receiver, fast_retries
) -> None:
    sandbox.state.set_settings(close_failing_channels=False)
    receiver.answer(*[503] * 50)
    create_channel(api, receiver.url)
    assert sandbox.state.wait_for_deliveries()
    assert sandbox.state.deliveries.log()[-1]["outcome"] == "given_up"
    assert len(sandbox.state.all_channels()) == 1


def fault(sandbox: SandboxServer, **body: Any) -> None:
    response = requests.post(
        f"{sandbox.api_url}/_sandbox/delivery-faults", json=body, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text


def test_a_wrong_signature_fault_really_signs_wrongly(
    sandbox: SandboxServer, api: Api, receiver
) -> None:
    fault(sandbox, kind="bad_signature")
    create_channel(api, receiver.url)
    [received] = receiver.wait_for(1)
    assert received.signature and received.signature != signature(received.body, SECRET)


def test_drop_duplicate_and_delay_faults(
    sandbox: SandboxServer, api: Api, tokens, receiver
) -> None:
    fault(sandbox, kind="drop")
    create_channel(api, receiver.url)  # its verification is dropped
    assert sandbox.state.wait_for_deliveries()
    assert receiver.received == []
    assert [d["outcome"] for d in sandbox.state.deliveries.log()] == ["dropped"]

    fault(sandbox, kind="duplicate")
    sandbox.state.send_notification(tokens["sub"], "change")
    assert types(receiver.wait_for(2)) == ["change", "change"]

    fault(sandbox, kind="delay", seconds=0.3)
    sandbox.state.send_notification(tokens["sub"], "first")
    sandbox.state.send_notification(tokens["sub"], "second")
    assert sandbox.state.wait_for_deliveries()
    assert types(receiver.received)[2:] == ["second", "first"]  # the delayed one came last


def test_a_reorder_fault_lets_the_next_notification_overtake(
    sandbox: SandboxServer, api: Api, tokens, receiver
) -> None:
    create_channel(api, receiver.url)
    receiver.wait_for(1)
    fault(sandbox, kind="reorder")
    for kind in ("first", "second", "third"):
        sandbox.state.send_notification(tokens["sub"], kind)
    assert types(receiver.wait_for(4))[1:] == ["second", "first", "third"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "explode"},
        {"kind": "drop", "count": 0},
        {"kind": "delay", "seconds": -1},
        {"nope": 1},
    ],
)
def test_bad_delivery_faults_are_400(sandbox: SandboxServer, body: dict[str, Any]) -> None:
    response = requests.post(
        f"{sandbox.api_url}/_sandbox/delivery-faults", json=body, timeout=TIMEOUT
    )
    assert response.status_code == 400


def test_deliveries_are_readable_and_clearable_over_http(
    sandbox: SandboxServer, api: Api, receiver
) -> None:
    channel = create_channel(api, receiver.url).json()["channel"]
    assert sandbox.state.wait_for_deliveries()
    log = requests.get(f"{sandbox.api_url}/_sandbox/deliveries", timeout=TIMEOUT).json()
    [entry] = log["deliveries"]
    assert (entry["channel_id"], entry["type"], entry["attempt"], entry["status"]) == (
        channel["channel_id"],
        "verification",
        1,
        200,
    )
    assert entry["duration_ms"] >= 0
    requests.delete(f"{sandbox.api_url}/_sandbox/deliveries", timeout=TIMEOUT)
    assert sandbox.state.deliveries.log() == []


def test_a_reset_sandbox_retries_nothing_more(sandbox: SandboxServer, api: Api, receiver) -> None:
    """A notification being retried must not go on from its thread after a reset or a stop
    (in a test run, it would land in a later test)."""
    receiver.answer(*[503] * 50)  # retried after 1, 2, 4… seconds, for a day
    create_channel(api, receiver.url)
    receiver.wait_for(1)
    sandbox.state.reset()  # what SandboxServer.stop() does to deliveries, too
    time.sleep(1.5)  # past the first retry's moment
    assert len(receiver.received) == 1
    assert sandbox.state.deliveries.log() == []
    assert sandbox.state.deliveries.wait_idle(timeout=1)


def test_a_delivery_in_flight_at_a_reset_is_not_logged(
    sandbox: SandboxServer, api: Api, receiver
) -> None:
    """Its answer comes after the reset: it belongs to the earlier test, not the next one."""
    receiver.answer(0.6)  # answered 0.6 s after it arrives
    create_channel(api, receiver.url)
    time.sleep(0.3)  # sent, not yet answered
    sandbox.state.reset()
    receiver.wait_for(1)
    assert sandbox.state.deliveries.wait_idle(timeout=2)
    assert sandbox.state.deliveries.log() == []
