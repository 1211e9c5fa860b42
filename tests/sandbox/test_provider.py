"""Changes made at the provider: the controls, and the "your sandbox calendar" page."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from sandbox import SandboxServer
from tests.sandbox.conftest import TIMEOUT, Api, control
from tests.visitor import Visitor

EMAIL = "demo@example.com"  # the `connect` fixture's account


def work_calendar(api: Api) -> str:
    found = api.get("/v1/calendars").json()["calendars"]
    return next(c["calendar_id"] for c in found if c["calendar_name"] == "Work")


def events(api: Api, **params: str) -> dict[str, dict[str, Any]]:
    found = api.get(
        "/v1/events", params={"tzid": "Etc/UTC", "include_deleted": "true", **params}
    ).json()
    return {e["event_uid"]: e for e in found["events"]}


def tomorrow(hour: int) -> str:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def test_add_edit_and_delete_over_http(sandbox: SandboxServer, api: Api, tokens) -> None:
    added = control(
        sandbox,
        "POST",
        f"/accounts/{tokens['sub']}/events",
        json={
            "calendar_id": work_calendar(api),
            "summary": "Booked in Google",
            "start": tomorrow(10),
            "end": tomorrow(11),
            "location": "Room 9",
        },
    )
    assert added.status_code == 200
    uid = added.json()["event_uid"]
    event = events(api)[uid]
    assert (event["summary"], event["start"], event["location"]) == (
        "Booked in Google",
        tomorrow(10),
        {"description": "Room 9"},
    )
    assert "event_id" not in event  # an external event

    moved = control(
        sandbox, "PATCH", f"/events/{uid}", json={"start": tomorrow(14), "end": tomorrow(15)}
    )
    assert moved.status_code == 200
    assert events(api)[uid]["start"] == tomorrow(14)
    assert control(sandbox, "DELETE", f"/events/{uid}").status_code == 200
    assert events(api)[uid]["deleted"] is True


def test_bad_changes_are_400_and_unknown_ids_404(sandbox: SandboxServer, api: Api, tokens) -> None:
    work = work_calendar(api)
    base = f"/accounts/{tokens['sub']}/events"
    good = {"calendar_id": work, "summary": "x", "start": tomorrow(10), "end": tomorrow(11)}
    for body in (
        {**good, "calendar_id": "cal_nope"},
        {**good, "summary": ""},
        {**good, "end": tomorrow(9)},
        {**good, "colour": "red"},
    ):
        assert control(sandbox, "POST", base, json=body).status_code == 400, body
    assert control(sandbox, "POST", "/accounts/acc_nope/events", json=good).status_code == 404
    uid = control(sandbox, "POST", base, json=good).json()["event_uid"]
    assert control(sandbox, "PATCH", f"/events/{uid}", json={}).status_code == 400
    assert control(sandbox, "PATCH", f"/events/{uid}", json={"start": "soon"}).status_code == 400
    assert control(sandbox, "PATCH", "/events/evt_nope", json={"summary": "y"}).status_code == 404
    assert control(sandbox, "DELETE", "/events/evt_nope").status_code == 404


def test_the_calendar_page_adds_moves_and_deletes(sandbox: SandboxServer, api: Api) -> None:
    person = Visitor()
    person.get(f"{sandbox.app_url}/calendar")
    person.press("Open", email=EMAIL)
    assert "Your sandbox calendar" in person.text and EMAIL in person.text
    day = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    person.press("Add event", summary="Haircut", date=day, time="16:30", duration="45")
    assert "Event added." in person.text and "Haircut" in person.text
    [haircut] = [e for e in events(api).values() if e["summary"] == "Haircut"]
    assert (haircut["start"], haircut["end"]) == (f"{day}T16:30:00Z", f"{day}T17:15:00Z")

    person.press("Move “Haircut”", time="09:00")
    assert "Event moved." in person.text
    moved = events(api)[haircut["event_uid"]]
    assert (moved["start"], moved["end"]) == (f"{day}T09:00:00Z", f"{day}T09:45:00Z")
    person.press("Delete “Haircut”")
    assert "Event deleted." in person.text and "Haircut" not in person.text
    assert events(api)[haircut["event_uid"]]["deleted"] is True


def test_the_calendar_page_refuses_replayed_forms_and_bad_input(
    sandbox: SandboxServer, api: Api
) -> None:
    person = Visitor()
    person.get(f"{sandbox.app_url}/calendar?email={EMAIL}")
    page = person.page
    person.press("Add event", summary="Once", time="10:00")
    assert "Event added." in person.text
    person.page = page  # the same form again, as a replay
    person.press("Add event", summary="Twice", time="10:00")
    assert "That form had expired" in person.text
    person.press("Add event", summary="", time="10:00")
    assert "The event was not added" in person.text
    assert [e["summary"] for e in events(api).values() if e["summary"] in ("Once", "Twice")] == [
        "Once"
    ]


def test_the_calendar_page_disconnects_a_profile_and_revokes_access(
    sandbox: SandboxServer, api: Api
) -> None:
    """So a person trying the application can see it lose access and get it back."""
    person = Visitor()
    person.get(f"{sandbox.app_url}/calendar?email={EMAIL}")
    [primary, *_] = api.get("/v1/profiles").json()["profiles"]
    person.press(f"Disconnect {primary['profile_name']} at the provider")
    assert "The profile was disconnected" in person.text
    profiles = {p["profile_id"]: p for p in api.get("/v1/profiles").json()["profiles"]}
    assert profiles[primary["profile_id"]]["profile_connected"] is False
    person.press(f"Connect {primary['profile_name']} again")
    assert "The profile was connected again." in person.text
    profiles = {p["profile_id"]: p for p in api.get("/v1/profiles").json()["profiles"]}
    assert profiles[primary["profile_id"]]["profile_connected"] is True

    person.press("Revoke access to this account")
    assert "access to this account was revoked." in person.text
    assert api.get("/v1/profiles").status_code == 401


def test_the_access_form_refuses_replays_and_unknown_profiles(sandbox: SandboxServer, api) -> None:
    person = Visitor()
    person.get(f"{sandbox.app_url}/calendar?email={EMAIL}")
    page = person.page
    person.press("Revoke access to this account")
    person.page = page
    person.press("Revoke access to this account")
    assert "That form had expired" in person.text
    nonce = re.findall(r'name="nonce" value="([^"]+)"', person.text)[-1]
    answer = person.session.post(
        f"{sandbox.app_url}/calendar/access",
        data={"email": EMAIL, "nonce": nonce, "action": "disconnect", "profile_id": "pro_nope"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200 and "Choose what to change." in answer.text


def test_an_unknown_email_is_told_to_connect_first(sandbox: SandboxServer) -> None:
    response = requests.get(
        f"{sandbox.app_url}/calendar", params={"email": "no@one.test"}, timeout=TIMEOUT
    )
    assert response.status_code == 404
    assert "Connect it from the application first." in response.text
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_consent_page_links_to_the_sandbox_calendar(browser) -> None:
    page = browser.open()
    assert '<a href="/calendar" target="_blank" rel="noopener">your sandbox calendar</a>' in (
        page.text
    )
