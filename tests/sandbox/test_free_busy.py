"""GET /v1/free_busy and its pages, and events' transparency, on the known Monday.

As in tests/sandbox/test_availability.py, ann@example.com connects on Monday 2027-01-04 at
08:00 UTC, so her demo week is known: four events on each weekday (stand-up, focus time and
two meetings), plus Wednesday's "Parents' evening" (Family), Thursday night's release window
(22:00 to Friday 02:00) and Friday's all-day "Office closed" (Team holidays, transparent):
23 events from Monday to Friday.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pycronofy
import pytest
import requests

from sandbox import SandboxServer
from sandbox.models import Account, Event
from tests.clock import Clock
from tests.sandbox.conftest import CLIENT, TIMEOUT, Api
from tests.visitor import Visitor

pytestmark = pytest.mark.steady_clock  # the clock is moved to MONDAY by hand

MONDAY = "2027-01-04T08:00:00Z"
WEEK = {"tzid": "Etc/UTC", "from": "2027-01-04", "to": "2027-01-09"}
Tokens = dict[str, Any]


@pytest.fixture
def ann(clock: Clock, connect: Callable[..., Tokens]) -> Tokens:
    clock.move_to(MONDAY)
    return connect("ann@example.com")


@pytest.fixture
def api(sandbox: SandboxServer, ann: Tokens) -> Api:
    return Api(sandbox, ann["access_token"])


def calendars(api: Api) -> dict[str, str]:
    listed = api.get("/v1/calendars").json()["calendars"]
    return {c["calendar_name"]: c["calendar_id"] for c in listed}


def free_busy(api: Api, **params: str) -> list[dict[str, Any]]:
    """Every block, following next_page links and checking the page bookkeeping."""
    response = api.get("/v1/free_busy", params={**WEEK, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    blocks, current = list(body["free_busy"]), 1
    while "next_page" in body["pages"]:
        assert body["pages"]["current"] == current
        assert body["pages"]["next_page"].startswith(api.base + "/v1/free_busy/pages/")
        page = requests.get(body["pages"]["next_page"], headers=api.headers, timeout=TIMEOUT)
        assert page.status_code == 200
        body, current = page.json(), current + 1
        blocks += body["free_busy"]
    assert body["pages"] == {"current": current, "total": current}
    return blocks


MONDAY_BUSY = [("09:30", "09:45"), ("10:00", "11:00"), ("13:00", "14:30"), ("15:00", "15:45")]


def test_monday(api: Api) -> None:
    work = calendars(api)["Work"]
    monday = api.get("/v1/free_busy", params={**WEEK, "to": "2027-01-05"})
    assert monday.json() == {
        "pages": {"current": 1, "total": 1},
        "free_busy": [
            {
                "calendar_id": work,
                "start": f"2027-01-04T{start}:00Z",
                "end": f"2027-01-04T{end}:00Z",
                "free_busy_status": "busy",
            }
            for start, end in MONDAY_BUSY
        ],
    }


def test_statuses_and_all_day_dates(api: Api) -> None:
    named = calendars(api)
    blocks = free_busy(api)
    assert len(blocks) == 23
    # "Office closed" is transparent: free, written as dates like /v1/events writes it.
    assert [b for b in blocks if b["free_busy_status"] != "busy"] == [
        {
            "calendar_id": named["Team holidays"],
            "start": "2027-01-08",
            "end": "2027-01-09",
            "free_busy_status": "free",
        }
    ]
    assert {
        "calendar_id": named["Work"],
        "start": "2027-01-07T22:00:00Z",
        "end": "2027-01-08T02:00:00Z",
        "free_busy_status": "busy",
    } in blocks
    assert {b["free_busy_status"] for b in blocks} == {"busy", "free"}  # never tentative here
    assert [b["start"] for b in blocks] == sorted(
        [b["start"] for b in blocks], key=lambda s: s if "T" in s else s + "T00:00:00Z"
    )


def test_transparency_of_an_upserted_event(api: Api) -> None:
    work = calendars(api)["Work"]
    body = {
        "event_id": "hold",
        "summary": "Maybe lunch",
        "start": "2027-01-05T12:00:00Z",
        "end": "2027-01-05T12:30:00Z",
        "transparency": "transparent",
    }
    assert api.post(f"/v1/calendars/{work}/events", json=body).status_code == 202

    def hold() -> tuple[str, str]:
        (event,) = [
            e
            for e in api.get("/v1/events", params={**WEEK, "only_managed": "true"}).json()[
                "events"
            ]
        ]
        (block,) = [b for b in free_busy(api) if b["start"] == "2027-01-05T12:00:00Z"]
        return event["transparency"], block["free_busy_status"]

    assert hold() == ("transparent", "free")
    # An upsert replaces the event: without transparency it is opaque again.
    del body["transparency"]
    assert api.post(f"/v1/calendars/{work}/events", json=body).status_code == 202
    assert hold() == ("opaque", "busy")
    wrong = api.post(f"/v1/calendars/{work}/events", json={**body, "transparency": "clear"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"]["transparency"][0]["key"] == "errors.invalid"


def test_the_provider_controls_set_transparency(
    sandbox: SandboxServer, api: Api, ann: Tokens
) -> None:
    work = calendars(api)["Work"]
    added = requests.post(
        f"{sandbox.api_url}/_sandbox/accounts/{ann['sub']}/events",
        json={
            "calendar_id": work,
            "summary": "Gym",
            "start": "2027-01-05T07:00:00Z",
            "end": "2027-01-05T08:00:00Z",
            "transparency": "transparent",
        },
        timeout=TIMEOUT,
    )
    assert added.status_code == 200
    uid = added.json()["event_uid"]

    def gym() -> str:
        (block,) = [b for b in free_busy(api) if b["start"] == "2027-01-05T07:00:00Z"]
        return str(block["free_busy_status"])

    assert gym() == "free"
    sandbox.state.edit_provider_event(uid, transparency="opaque")
    assert gym() == "busy"
    sandbox.state.edit_provider_event(uid, summary="Gym, moved", start="2027-01-05T07:00:00Z")
    assert gym() == "busy"  # other changes keep it


def test_the_calendar_page_adds_an_event_shown_as_free(sandbox: SandboxServer, api: Api) -> None:
    person = Visitor()
    person.get(f"{sandbox.app_url}/calendar?email=ann@example.com")
    person.press(
        "Add event",
        summary="Dentist?",
        date="2027-01-05",
        time="17:00",
        transparency="transparent",
    )
    assert "Event added." in person.text and "shown as free" in person.text
    (block,) = [b for b in free_busy(api) if b["start"] == "2027-01-05T17:00:00Z"]
    assert block["free_busy_status"] == "free"
    person.press("Add event", summary="Dentist", date="2027-01-05", time="18:00")
    (block,) = [b for b in free_busy(api) if b["start"] == "2027-01-05T18:00:00Z"]
    assert block["free_busy_status"] == "busy"  # Busy is the form's default


def test_paging_across_pages(sandbox: SandboxServer, api: Api) -> None:
    everything = free_busy(api)
    sandbox.state.set_settings(page_size=5)
    first = api.get("/v1/free_busy", params=WEEK).json()
    assert first["pages"]["total"] == 5 and len(first["free_busy"]) == 5
    assert free_busy(api) == everything
    # A free/busy page is not an events page, nor another account's.
    page_id = first["pages"]["next_page"].rsplit("/", 1)[1]
    assert api.get(f"/v1/events/pages/{page_id}").status_code == 404
    events_page = api.get("/v1/events", params=WEEK).json()["pages"]["next_page"]
    assert api.get("/v1/free_busy/pages/" + events_page.rsplit("/", 1)[1]).status_code == 404


def test_include_managed(api: Api) -> None:
    work = calendars(api)["Work"]
    body = {
        "event_id": "mine",
        "summary": "Booked through the app",
        "start": "2027-01-05T17:00:00Z",
        "end": "2027-01-05T18:00:00Z",
    }
    api.post(f"/v1/calendars/{work}/events", json=body)
    mine = {
        "calendar_id": work,
        "start": body["start"],
        "end": body["end"],
        "free_busy_status": "busy",
    }
    assert mine in free_busy(api)  # included by default, unlike /v1/events
    assert mine in free_busy(api, include_managed="true")
    assert mine in free_busy(api, include_managed="True")  # as pycronofy writes it
    assert mine not in free_busy(api, include_managed="false")
    assert len(free_busy(api, include_managed="false")) == 23


def test_calendar_ids(api: Api) -> None:
    named = calendars(api)
    family = free_busy(api, **{"calendar_ids[]": named["Family"]})
    assert [(b["start"], b["end"]) for b in family] == [
        ("2027-01-06T18:00:00Z", "2027-01-06T19:30:00Z")
    ]
    params = {"calendar_ids[]": [named["Family"], named["Team holidays"]]}
    response = api.get("/v1/free_busy", params={**WEEK, **params})
    assert len(response.json()["free_busy"]) == 2
    unknown = api.get("/v1/free_busy", params={**WEEK, "calendar_ids[]": "cal_nope"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"]["calendar_ids"][0]["key"] == "errors.invalid"


def test_deleted_events_and_calendars_do_not_count(
    sandbox: SandboxServer, api: Api, ann: Tokens
) -> None:
    named = calendars(api)
    uid = next(b for b in api.get("/v1/events", params=WEEK).json()["events"])["event_uid"]
    sandbox.state.delete_provider_event(uid)

    def plant(account: Account) -> None:
        stamp = "2027-01-01T00:00:00Z"
        old = named["Old projects"]
        start, end = "2027-01-05T20:00:00Z", "2027-01-05T21:00:00Z"
        account.events.append(Event("evt_old", old, "Old", start, end, stamp, stamp))

    sandbox.state.change(ann["sub"], plant)
    blocks = free_busy(api)
    assert len(blocks) == 22
    assert named["Old projects"] not in {b["calendar_id"] for b in blocks}


def test_localized_times(api: Api) -> None:
    (first, *_) = free_busy(api, tzid="Europe/Berlin", localized_times="true")
    assert first["start"] == {"time": "2027-01-04T10:30:00+01:00", "tzid": "Europe/Berlin"}


def test_the_zone_sets_the_days(api: Api) -> None:
    # Monday in Tokyo (UTC+9) ends at 15:00 UTC: the interview at 15:00 is Tuesday there.
    tokyo = free_busy(api, tzid="Asia/Tokyo", to="2027-01-05")
    assert [b["start"][11:16] for b in tokyo] == ["09:30", "10:00", "13:00"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tzid": ""}, "tzid"),
        ({"tzid": "Mars/Olympus_Mons"}, "tzid"),
        ({"from": "04/01/2027"}, "from"),
        ({"to": "2027-01-04"}, "to"),
        ({"include_managed": "yes"}, "include_managed"),
        ({"localized_times": "1"}, "localized_times"),
    ],
)
def test_invalid_parameters_are_422(api: Api, params: dict[str, str], field: str) -> None:
    response = api.get("/v1/free_busy", params={**WEEK, **params})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        ("read_free_busy", True),
        ("read_events", True),  # implies read_free_busy
        ("read_only", True),
        ("list_calendars", False),
        ("free_busy_write", False),
    ],
)
def test_scopes(
    sandbox: SandboxServer, clock: Clock, connect: Callable[..., Tokens], scope: str, allowed: bool
) -> None:
    clock.move_to(MONDAY)
    response = Api(sandbox, connect(scope=scope)["access_token"]).get("/v1/free_busy", params=WEEK)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert 'scope="read_free_busy"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer unknown", CLIENT["client_secret"]])
def test_anything_but_an_access_token_is_401(
    sandbox: SandboxServer, ann: Tokens, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    for path in ("/v1/free_busy", "/v1/free_busy/pages/abc"):
        response = requests.get(sandbox.api_url + path, params=WEEK, headers=headers, timeout=10)
        assert response.status_code == 401
    secret = {"Authorization": f"Bearer {CLIENT['client_secret']}"}  # not for free/busy
    response = requests.get(
        sandbox.api_url + "/v1/free_busy", params=WEEK, headers=secret, timeout=10
    )
    assert response.status_code == 401


def test_faults_apply(sandbox: SandboxServer, api: Api) -> None:
    sandbox.state.add_fault("/v1/free_busy", 502)
    assert api.get("/v1/free_busy", params=WEEK).status_code == 502
    assert api.get("/v1/free_busy", params=WEEK).status_code == 200


def test_the_app_host_does_not_serve_them(sandbox: SandboxServer, api: Api) -> None:
    for method, path in (("GET", "/v1/free_busy"), ("POST", "/v1/availability")):
        response = requests.request(
            method, sandbox.app_url + path, headers=api.headers, timeout=TIMEOUT
        )
        assert response.status_code == 404


def test_pycronofy_read_free_busy(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, api: Api, ann: Tokens
) -> None:
    monkeypatch.setattr(pycronofy.settings, "API_BASE_URL", sandbox.api_url)
    sdk = pycronofy.Client(
        client_id=CLIENT["client_id"],
        client_secret=CLIENT["client_secret"],
        access_token=ann["access_token"],
    )
    sandbox.state.set_settings(page_size=5)
    sandbox.state.clear_log()
    blocks = sdk.read_free_busy(
        from_date=date(2027, 1, 4), to_date=date(2027, 1, 9), tzid="Etc/UTC"
    ).all()
    paths = [e["path"] for e in sandbox.state.requests_log()]
    assert len(paths) == 5 and all(p.startswith("/v1/free_busy") for p in paths)
    assert blocks == free_busy(api)
    work = calendars(api)["Work"]
    only_work = sdk.read_free_busy(
        calendar_ids=(work,), from_date=date(2027, 1, 4), to_date=date(2027, 1, 9)
    ).all()
    assert {b["calendar_id"] for b in only_work} == {work} and len(only_work) == 21
