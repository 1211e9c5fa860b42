"""GET /v1/events and its pages; POST and DELETE /v1/calendars/{id}/events."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from sandbox import SandboxServer
from sandbox.models import Account, Event
from sandbox.times import format_time
from tests.sandbox.conftest import TIMEOUT, Api

# Every test here reads "today": the clock stands still while each runs (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def today() -> date:
    return datetime.now(UTC).date()


def window(days: int, start: int = 0) -> dict[str, str]:
    first = today() + timedelta(days=start)
    return {"from": first.isoformat(), "to": (first + timedelta(days=days)).isoformat()}


def all_events(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Follow next_page links to the end, checking the page bookkeeping on the way."""
    response = api.get("/v1/events", params={"tzid": "Etc/UTC", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    events, current = list(body["events"]), 1
    while "next_page" in body["pages"]:
        assert body["pages"]["current"] == current
        assert body["pages"]["next_page"].startswith(api.base + "/v1/events/pages/")
        body = requests.get(
            body["pages"]["next_page"], headers=api.headers, timeout=TIMEOUT
        ).json()
        current += 1
        events += body["events"]
    assert body["pages"] == {"current": current, "total": current}
    return events


def upsert_body(**changes: Any) -> dict[str, Any]:
    """What the app POSTs to create an event tomorrow (None leaves a field out)."""
    start = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=1)
    body = {
        "event_id": "app-1",
        "summary": "Booked through the app",
        "description": "Made by a test",
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tzid": "Europe/London",
        "location": {"description": "Room 1"},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_first_page_and_paging(sandbox: SandboxServer, api: Api) -> None:
    body = api.get("/v1/events", params={"tzid": "Etc/UTC", **window(7)}).json()
    assert body["pages"]["current"] == 1 and body["pages"]["total"] == 2
    assert len(body["events"]) == 25
    second = requests.get(body["pages"]["next_page"], headers=api.headers, timeout=TIMEOUT)
    assert second.status_code == 200
    assert set(second.json()["pages"]) == {"current", "total"}  # no next_page on the last page


def test_page_size_setting_and_all_pages(sandbox: SandboxServer, api: Api) -> None:
    everything = all_events(api, **window(14))
    assert 36 <= len(everything) <= 70
    sandbox.state.set_settings(page_size=7)
    paged = all_events(api, **window(14))
    assert [e["event_uid"] for e in paged] == [e["event_uid"] for e in everything]


def test_event_shape(api: Api) -> None:
    events = all_events(api, **window(14))
    timed = next(e for e in events if TIME.match(e["start"]))
    assert TIME.match(timed["end"])
    assert "event_id" not in timed
    for key in ("calendar_id", "event_uid", "summary", "description", "deleted", "created"):
        assert key in timed
    assert timed["event_uid"].startswith("evt_external_")
    assert timed["options"].keys() == {"delete", "update", "change_participation_status"}
    all_day = [e for e in events if DAY.match(e["start"])]
    assert any(
        date.fromisoformat(e["end"]) - date.fromisoformat(e["start"]) == timedelta(days=3)
        for e in all_day
    )
    assert any(e.get("location") for e in events)
    assert any(e["description"] for e in events)
    assert any(TIME.match(e["start"]) and e["start"][:10] != e["end"][:10] for e in events), (
        "an event runs past midnight"
    )
    assert len(events) == len({e["event_uid"] for e in events})


def plant(sandbox: SandboxServer, tokens: dict[str, Any], calendar_id: str, **times: str) -> None:
    """Add events (uid=`start/end`) to the token's account, as its calendar provider would."""

    def add(account: Account) -> None:
        for uid, span in times.items():
            start, end = span.split("/")
            stamp = format_time(datetime.now(UTC))
            account.events.append(Event(uid, calendar_id, uid, start, end, stamp, stamp))

    sandbox.state.change(tokens["sub"], add)


def at(day: date, clock: str) -> str:
    """`day` at `clock` (HH:MM) UTC, in Cronofy's format."""
    return f"{day.isoformat()}T{clock}:00Z"


def test_to_is_exclusive_and_the_zone_sets_day_boundaries(
    sandbox: SandboxServer, api: Api, tokens: dict[str, Any]
) -> None:
    d = today()
    before, after = d - timedelta(days=1), d + timedelta(days=1)
    plant(
        sandbox,
        tokens,
        api.calendar_ids()["Work"],
        # Asia/Tokyo is UTC+9 all year: its day `d` runs from 15:00Z the day before to 15:00Z.
        late_yesterday=f"{at(before, '15:30')}/{at(before, '16:00')}",  # Tokyo: d 00:30
        afternoon=f"{at(d, '14:30')}/{at(d, '14:45')}",  # Tokyo: d 23:30
        evening=f"{at(d, '15:30')}/{at(d, '16:00')}",  # Tokyo: d+1 00:30
        last_minute=f"{at(d, '23:59')}/{at(after, '00:00')}",
        next_midnight=f"{at(after, '00:00')}/{at(after, '00:30')}",  # `to` is exclusive
        all_day=f"{d}/{after}",  # a date is the same day in every zone
    )
    planted = {"late_yesterday", "afternoon", "evening", "last_minute", "next_midnight", "all_day"}
    day = {"from": d.isoformat(), "to": after.isoformat()}

    def uids(tzid: str) -> set[str]:
        return {e["event_uid"] for e in all_events(api, tzid=tzid, **day)} & planted

    assert uids("Etc/UTC") == {"afternoon", "evening", "last_minute", "all_day"}
    assert uids("Asia/Tokyo") == {"late_yesterday", "afternoon", "all_day"}
    # America/Los_Angeles is UTC-8 or UTC-7: its day `d` runs from 08:00Z (or 07:00Z) on.
    assert uids("America/Los_Angeles") == {
        "afternoon",
        "evening",
        "last_minute",
        "next_midnight",
        "all_day",
    }


def test_localized_times(api: Api) -> None:
    body = api.get(
        "/v1/events", params={"tzid": "Europe/Berlin", "localized_times": "true", **window(3)}
    ).json()
    start = body["events"][0]["start"]
    assert start["tzid"] == "Europe/Berlin" and "time" in start


def test_default_window_includes_the_two_weeks(api: Api) -> None:
    assert len(all_events(api)) == len(all_events(api, **window(14)))


@pytest.mark.parametrize(
    ("params", "field", "key"),
    [
        ({}, "tzid", "errors.required"),
        ({"tzid": ""}, "tzid", "errors.required"),
        ({"tzid": "Mars/Olympus_Mons"}, "tzid", "errors.invalid"),
        ({"tzid": "../../etc/passwd"}, "tzid", "errors.invalid"),
        ({"tzid": "Etc/UTC", "from": "28/11/2026"}, "from", "errors.invalid"),
        ({"tzid": "Etc/UTC", "to": "2026-02-30"}, "to", "errors.invalid"),
        ({"tzid": "Etc/UTC", "from": "2026-01-02", "to": "2026-01-01"}, "to", "errors.invalid"),
        ({"tzid": "Etc/UTC", "include_managed": "yes"}, "include_managed", "errors.invalid"),
        ({"tzid": "Etc/UTC", "only_managed": "1"}, "only_managed", "errors.invalid"),
        ({"tzid": "Etc/UTC", "include_deleted": "TRUE"}, "include_deleted", "errors.invalid"),
        ({"tzid": "Etc/UTC", "last_modified": "yesterday"}, "last_modified", "errors.invalid"),
        ({"tzid": "Etc/UTC", "calendar_ids[]": "cal_nope"}, "calendar_ids", "errors.invalid"),
    ],
)
def test_invalid_parameters_are_422(
    api: Api, params: dict[str, str], field: str, key: str
) -> None:
    response = api.get("/v1/events", params=params)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[field][0]["key"] == key
    if key == "errors.required":
        assert response.json() == {
            "errors": {"tzid": [{"key": "errors.required", "description": "required"}]}
        }


@pytest.mark.parametrize("value", ["true", "false", "True", "False"])
def test_booleans_accept_both_spellings(api: Api, value: str) -> None:
    params = {"tzid": "Etc/UTC", "include_managed": value, "include_deleted": value}
    assert api.get("/v1/events", params=params).status_code == 200


def test_calendar_ids_filter(api: Api) -> None:
    ids = api.calendar_ids()
    family = all_events(api, **{"calendar_ids[]": [ids["Family"]]})
    assert family and {e["calendar_id"] for e in family} == {ids["Family"]}
    both = all_events(api, **{"calendar_ids[]": [ids["Family"], ids["Team holidays"]]})
    assert {e["calendar_id"] for e in both} == {ids["Family"], ids["Team holidays"]}
    assert all_events(api, **{"calendar_ids[]": [ids["Old projects"]]}) == []


def test_managed_events_are_hidden_unless_asked_for(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    response = api.post(f"/v1/calendars/{work}/events", json=upsert_body())
    assert (response.status_code, response.content) == (202, b"")
    assert not [e for e in all_events(api) if e.get("event_id")]
    (mine,) = [e for e in all_events(api, include_managed="true") if e.get("event_id")]
    assert mine["event_id"] == "app-1"
    assert mine["summary"] == "Booked through the app"
    assert mine["description"] == "Made by a test"
    assert mine["location"] == {"description": "Room 1"}
    assert mine["calendar_id"] == work
    only = all_events(api, only_managed="True")
    assert [e["event_id"] for e in only] == ["app-1"]


def test_upsert_updates_by_event_id(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    api.post(f"/v1/calendars/{work}/events", json=upsert_body())
    api.post(f"/v1/calendars/{work}/events", json=upsert_body(summary="Moved", location=None))
    (mine,) = all_events(api, only_managed="true")
    assert mine["summary"] == "Moved"
    assert "location" not in mine


def test_all_day_and_offset_times_are_accepted(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    day = (today() + timedelta(days=2)).isoformat()
    after = (today() + timedelta(days=3)).isoformat()
    assert (
        api.post(
            f"/v1/calendars/{work}/events", json=upsert_body(event_id="d", start=day, end=after)
        ).status_code
        == 202
    )
    offset = upsert_body(event_id="o", start=f"{day}T10:00:00+02:00", end=f"{day}T11:00:00+02:00")
    assert api.post(f"/v1/calendars/{work}/events", json=offset).status_code == 202
    found = {e["event_id"]: e for e in all_events(api, only_managed="true")}
    assert found["d"]["start"] == day
    assert found["o"]["start"] == f"{day}T08:00:00Z"


def test_delete_hides_the_event_and_unknown_ids_are_accepted(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    api.post(f"/v1/calendars/{work}/events", json=upsert_body())
    response = api.delete(f"/v1/calendars/{work}/events", json={"event_id": "app-1"})
    assert (response.status_code, response.content) == (202, b"")
    assert all_events(api, only_managed="true") == []
    (gone,) = all_events(api, only_managed="true", include_deleted="true")
    assert gone["deleted"] is True
    again = api.delete(f"/v1/calendars/{work}/events", json={"event_id": "never-made"})
    assert (again.status_code, again.content) == (202, b"")
    api.post(f"/v1/calendars/{work}/events", json=upsert_body())  # upserting revives it
    assert len(all_events(api, only_managed="true")) == 1


def test_delete_needs_an_event_id(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    for body in ({}, {"event_id": ""}, {"event_uid": "evt_external_x"}):
        response = api.delete(f"/v1/calendars/{work}/events", json=body)
        assert response.status_code == 422
        assert response.json()["errors"]["event_id"][0]["key"] == "errors.required"


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"event_id": None}, "event_id", "errors.required"),
        ({"summary": None}, "summary", "errors.required"),
        ({"start": None}, "start", "errors.required"),
        ({"end": None}, "end", "errors.required"),
        ({"summary": "x" * 1025}, "summary", "errors.too_long"),
        ({"description": "x" * 4097}, "description", "errors.too_long"),
        (
            {"start": "2030-01-01T10:00:00Z", "end": "2030-01-01T09:00:00Z"},
            "end",
            "errors.invalid",
        ),
        ({"start": "tomorrow"}, "start", "errors.invalid"),
        ({"start": "2030-01-01T10:00:00"}, "start", "errors.invalid"),
        ({"start": "2030-01-01T10:00:00.123Z"}, "start", "errors.invalid"),
        ({"end": 1893456000}, "end", "errors.invalid"),
        ({"start": "2030-01-01", "end": "2030-01-01T10:00:00Z"}, "end", "errors.invalid"),
        ({"tzid": "Nowhere/Land"}, "tzid", "errors.invalid"),
        ({"location": "Room 1"}, "location", "errors.invalid"),
        ({"summary": 42}, "summary", "errors.invalid"),
    ],
)
def test_upsert_validation(api: Api, changes: dict[str, Any], field: str, key: str) -> None:
    work = api.calendar_ids()["Work"]
    response = api.post(f"/v1/calendars/{work}/events", json=upsert_body(**changes))
    assert response.status_code == 422
    assert response.json()["errors"][field][0]["key"] == key


def test_summary_and_description_at_their_limits_are_fine(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    body = upsert_body(summary="s" * 1024, description="d" * 4096)
    assert api.post(f"/v1/calendars/{work}/events", json=body).status_code == 202


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "{broken", "headers": {"Content-Type": "application/json"}},
        {"data": "summary=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"json": ["not", "an", "object"]},
    ],
)
def test_upsert_needs_a_json_object(api: Api, kwargs: dict[str, Any]) -> None:
    work = api.calendar_ids()["Work"]
    headers = {**api.headers, **kwargs.pop("headers", {})}
    response = requests.post(
        f"{api.base}/v1/calendars/{work}/events", headers=headers, timeout=TIMEOUT, **kwargs
    )
    assert response.status_code == 422
    assert response.json()["errors"]["body"][0]["key"] == "errors.invalid"


@pytest.mark.parametrize(
    ("name", "status", "error"),
    [("Team holidays", 403, "calendar_readonly"), ("Old projects", 403, "calendar_deleted")],
)
def test_read_only_and_deleted_calendars_refuse_writes(
    api: Api, name: str, status: int, error: str
) -> None:
    calendar_id = api.calendar_ids()[name]
    for call in (api.post, api.delete):
        response = call(f"/v1/calendars/{calendar_id}/events", json=upsert_body())
        assert (response.status_code, response.json()) == (status, {"error": error})


def test_disconnected_profile_is_not_writable(
    sandbox: SandboxServer, api: Api, tokens: dict[str, Any]
) -> None:
    sandbox.state.disconnect_profile(tokens["linking_profile"]["profile_id"])
    work = api.calendar_ids()["Work"]
    response = api.post(f"/v1/calendars/{work}/events", json=upsert_body())
    assert response.status_code == 423
    assert all_events(api, **window(3))  # reading still works


def test_another_accounts_or_unknown_calendar_is_404(
    sandbox: SandboxServer, api: Api, connect
) -> None:
    other = Api(sandbox, connect("someone@example.com")["access_token"])
    foreign = other.calendar_ids()["Work"]
    for calendar_id in (foreign, "cal_unknown"):
        assert (
            api.post(f"/v1/calendars/{calendar_id}/events", json=upsert_body()).status_code == 404
        )
        response = api.delete(f"/v1/calendars/{calendar_id}/events", json={"event_id": "x"})
        assert response.status_code == 404


def test_pages_belong_to_the_account_that_asked(sandbox: SandboxServer, api: Api, connect) -> None:
    next_page = api.get("/v1/events", params={"tzid": "Etc/UTC"}).json()["pages"]["next_page"]
    other = Api(sandbox, connect("someone@example.com")["access_token"])
    assert requests.get(next_page, headers=other.headers, timeout=TIMEOUT).status_code == 404
    assert requests.get(next_page, timeout=TIMEOUT).status_code == 401
    assert api.get("/v1/events/pages/made-up").status_code == 404


def test_pages_expire(sandbox: SandboxServer, connect, clock) -> None:
    sandbox.state.set_settings(access_token_lifetime=7200)  # outlive the page, not the token
    api = Api(sandbox, connect()["access_token"])
    next_page = api.get("/v1/events", params={"tzid": "Etc/UTC"}).json()["pages"]["next_page"]
    clock.advance(3601)
    assert api.get("/v1/account").status_code == 200
    assert requests.get(next_page, headers=api.headers, timeout=TIMEOUT).status_code == 404


def test_last_modified_finds_changes_made_at_the_provider_only(
    sandbox: SandboxServer, api: Api, tokens: dict[str, Any], clock
) -> None:
    work = api.calendar_ids()["Work"]
    clock.advance(60)  # after the demo data was made
    since = format_time(datetime.now(UTC))
    api.post(f"/v1/calendars/{work}/events", json=upsert_body())  # the client's own write
    added = sandbox.state.add_provider_event(
        tokens["sub"],
        work,
        summary="Added in Google",
        start=at(today(), "10:00"),
        end=at(today(), "11:00"),
    )
    gone = next(e["event_uid"] for e in all_events(api, **window(14)) if e["event_uid"] != added)
    sandbox.state.delete_provider_event(gone)

    def changes(**params: str) -> list[tuple[str, bool]]:
        found = all_events(api, include_managed="true", last_modified=since, **params)
        return sorted((e["event_uid"], e["deleted"]) for e in found)

    assert changes() == [(added, False)]
    assert changes(include_deleted="true") == sorted([(added, False), (gone, True)])
    # The same time with a space for the T, as some SDKs write it.
    spaced = all_events(api, include_managed="true", last_modified=since.replace("T", " "))
    assert [e["event_uid"] for e in spaced] == [added]
    later = format_time(datetime.now(UTC) + timedelta(seconds=1))
    assert all_events(api, include_managed="true", last_modified=later) == []


def test_a_managed_event_edited_at_the_provider_is_a_change(
    sandbox: SandboxServer, api: Api, clock
) -> None:
    work = api.calendar_ids()["Work"]
    api.post(f"/v1/calendars/{work}/events", json=upsert_body())
    clock.advance(60)
    since = format_time(datetime.now(UTC))
    (mine,) = all_events(api, only_managed="true")
    sandbox.state.edit_provider_event(mine["event_uid"], summary="Renamed in Outlook")
    (changed,) = all_events(api, only_managed="true", last_modified=since)
    assert (changed["event_id"], changed["summary"]) == ("app-1", "Renamed in Outlook")


def test_managed_events_are_not_bound_by_the_default_window(api: Api) -> None:
    work = api.calendar_ids()["Work"]
    far = (today() + timedelta(days=400)).isoformat()
    after = (today() + timedelta(days=401)).isoformat()
    api.post(f"/v1/calendars/{work}/events", json=upsert_body(start=far, end=after))
    assert [e["event_id"] for e in all_events(api, only_managed="true")] == ["app-1"]
    assert all_events(api, only_managed="true", **window(14)) == []  # a window given: it binds


def test_the_demo_routine_keeps_reaching_two_weeks_ahead(sandbox: SandboxServer, connect, clock):
    sandbox.state.set_settings(access_token_lifetime=30 * 86400)
    api = Api(sandbox, connect()["access_token"])
    clock.advance(10 * 86400)  # ten days later, the account still has a routine ahead
    stand_ups = {
        e["start"][:10] for e in all_events(api, **window(14)) if e["summary"] == "Team stand-up"
    }
    weekdays = [today() + timedelta(days=n) for n in range(14)]
    assert stand_ups == {d.isoformat() for d in weekdays if d.weekday() < 5}
