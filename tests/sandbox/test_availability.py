"""POST /v1/availability: common free time of demo accounts on a known Monday, exactly.

Every test here runs on Monday 2027-01-04 at 08:00 UTC, when ann@ and bob@example.com are
connected, so their demo calendars (sandbox/demo_data.py) hold the same events every time.
`test_the_demo_week_is_as_these_tests_expect` pins the days used; every expectation below is
worked out by hand from those events. On Monday, between 09:00 and 18:00 UTC:

    ann: 09:30-09:45 stand-up, 10:00-11:00 sprint planning, 13:00-14:30 focus time,
         15:00-15:45 interview                 free: 09:00-09:30, 09:45-10:00, 11:00-13:00,
                                                     14:30-15:00, 15:45-18:00
    bob: 09:30-09:45 stand-up, 10:00-10:45 1:1, 13:00-14:30 focus time,
         16:00-17:00 design review             free: 09:00-09:30, 09:45-10:00, 10:45-13:00,
                                                     14:30-16:00, 17:00-18:00
"""

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pycronofy
import pytest
import requests

from sandbox import SandboxServer
from sandbox.availability import Found, Group, Member, Query, find
from tests.clock import Clock
from tests.sandbox.conftest import CLIENT, TIMEOUT, Api

# The clock is pinned and moved to MONDAY by hand: no other date can change these outcomes.
pytestmark = pytest.mark.steady_clock

MONDAY = "2027-01-04T08:00:00Z"
SECRET = CLIENT["client_secret"]
Tokens = dict[str, Any]


@pytest.fixture
def monday(clock: Clock) -> Clock:
    clock.move_to(MONDAY)
    return clock


@pytest.fixture
def ann(monday: Clock, connect: Callable[..., Tokens]) -> Tokens:
    return connect("ann@example.com")


@pytest.fixture
def bob(monday: Clock, connect: Callable[..., Tokens]) -> Tokens:
    return connect("bob@example.com")


def at(clock: str, day: int = 4) -> str:
    """`clock` (HH:MM) on 2027-01-`day`, in Cronofy's format."""
    return f"2027-01-{day:02d}T{clock}:00Z"


def period(start: str, end: str, day: int = 4) -> dict[str, str]:
    return {"start": at(start, day), "end": at(end, day)}


def group(*members: str | dict[str, Any], required: str | int = "all") -> dict[str, Any]:
    listed = [{"sub": m} if isinstance(m, str) else m for m in members]
    return {"members": listed, "required": required}


def request_body(*groups: dict[str, Any], minutes: int = 30, **extra: Any) -> dict[str, Any]:
    """Monday 09:00-18:00 UTC, `minutes` long, unless `extra` says otherwise."""
    return {
        "participants": list(groups),
        "required_duration": {"minutes": minutes},
        "query_periods": [period("09:00", "18:00")],
        **extra,
    }


def ask(sandbox: SandboxServer, body: Any, token: str | None = SECRET) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(
        f"{sandbox.api_url}/v1/availability", json=body, headers=headers, timeout=TIMEOUT
    )


def found(sandbox: SandboxServer, body: dict[str, Any], token: str = SECRET) -> list[Any]:
    """The answer as (start, end, subs) with Monday's times as HH:MM; other days in full."""
    response = ask(sandbox, body, token)
    assert response.status_code == 200, response.text
    answer = response.json()
    slots = body.get("response_format", "periods") != "periods"
    key = "available_slots" if slots else "available_periods"
    assert set(answer) == {key}

    def short(time: str) -> str:
        return time[11:16] if time.startswith("2027-01-04T") else time

    return [
        (short(p["start"]), short(p["end"]), [s["sub"] for s in p["participants"]])
        for p in answer[key]
    ]


def _valid(sub: str) -> dict[str, Any]:
    return request_body(group(sub))


def _without(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != name}


def _periods(count: int) -> list[dict[str, str]]:
    """`count` one-hour periods, one a day from Monday."""
    first = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
    days = [first + dt.timedelta(days=n) for n in range(count)]
    return [
        {
            "start": f"{d:%Y-%m-%dT%H:%M:%SZ}",
            "end": f"{d + dt.timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
        }
        for d in days
    ]


def events_on(sandbox: SandboxServer, tokens: Tokens, day: int) -> list[tuple[str, str, str]]:
    """The account's events starting on 2027-01-`day`: (start, end, summary), times as HH:MM
    when they are on that day."""
    first, after = f"2027-01-{day:02d}", f"2027-01-{day + 1:02d}"
    found = Api(sandbox, tokens["access_token"]).get(
        "/v1/events", params={"tzid": "Etc/UTC", "from": first, "to": after}
    )

    def short(time: str) -> str:
        return time[11:16] if time.startswith(first + "T") else time

    return [
        (short(e["start"]), short(e["end"]), e["summary"])
        for e in found.json()["events"]
        if e["start"].startswith(first)
    ]


def test_the_demo_week_is_as_these_tests_expect(
    sandbox: SandboxServer, ann: Tokens, bob: Tokens
) -> None:
    assert events_on(sandbox, ann, 4) == [
        ("09:30", "09:45", "Team stand-up"),
        ("10:00", "11:00", "Sprint planning"),
        ("13:00", "14:30", "Focus time"),
        ("15:00", "15:45", "Interview: backend engineer"),
    ]
    assert events_on(sandbox, bob, 4) == [
        ("09:30", "09:45", "Team stand-up"),
        ("10:00", "10:45", "1:1 with Priya"),
        ("13:00", "14:30", "Focus time"),
        ("16:00", "17:00", "Design review: onboarding"),
    ]
    assert events_on(sandbox, ann, 6)[-1] == ("18:00", "19:30", "Parents' evening")
    assert events_on(sandbox, ann, 8) == [
        ("2027-01-08", "2027-01-09", "Office closed"),  # transparent
        ("09:30", "09:45", "Team stand-up"),
        ("10:00", "10:30", "Coffee with Jamie"),
        ("13:00", "14:30", "Focus time"),
        ("16:00", "16:45", "Retrospective"),
    ]
    assert events_on(sandbox, ann, 11) == [
        ("09:30", "09:45", "Team stand-up"),
        ("10:00", "11:00", "Sprint planning"),
        ("13:00", "14:30", "Focus time"),
        ("16:00", "16:30", "Coffee with Jamie"),
    ]
    assert events_on(sandbox, ann, 12)[0] == ("2027-01-12", "2027-01-15", "Conference: CalConf")
    assert events_on(sandbox, ann, 15)[:1] + events_on(sandbox, ann, 15)[-1:] == [
        ("2027-01-15", "2027-01-16", "Company offsite"),
        ("13:00", "14:30", "Focus time"),
    ]


def test_one_member(sandbox: SandboxServer, ann: Tokens) -> None:
    response = ask(sandbox, request_body(group(ann["sub"])))
    assert response.status_code == 200
    me = [{"sub": ann["sub"]}]
    assert response.json() == {
        "available_periods": [
            {"start": at("09:00"), "end": at("09:30"), "participants": me},
            {"start": at("11:00"), "end": at("13:00"), "participants": me},
            {"start": at("14:30"), "end": at("15:00"), "participants": me},
            {"start": at("15:45"), "end": at("18:00"), "participants": me},
        ]
    }
    # 09:45-10:00 is free, but shorter than half an hour; only two periods last an hour.
    assert found(sandbox, request_body(group(ann["sub"]), minutes=60)) == [
        ("11:00", "13:00", [ann["sub"]]),
        ("15:45", "18:00", [ann["sub"]]),
    ]
    assert found(sandbox, request_body(group(ann["sub"]), minutes=15))[1] == (
        "09:45",
        "10:00",
        [ann["sub"]],
    )


def test_two_members_all_required(sandbox: SandboxServer, ann: Tokens, bob: Tokens) -> None:
    both = [ann["sub"], bob["sub"]]
    assert found(sandbox, request_body(group(*both))) == [
        ("09:00", "09:30", both),
        ("11:00", "13:00", both),
        ("14:30", "15:00", both),
        ("17:00", "18:00", both),  # 15:45-16:00 is free for both, but only 15 minutes
    ]
    # Two groups of one, each needing its member, are the same question.
    assert found(sandbox, request_body(group(ann["sub"]), group(bob["sub"]))) == found(
        sandbox, request_body(group(*both))
    )


def test_one_of_two_required(sandbox: SandboxServer, ann: Tokens, bob: Tokens) -> None:
    # Each period is as long as one choice of member allows, and lists who is free all of it:
    # bob from 10:45 (ann joins at 11:00, too late to be free throughout), bob 14:30-16:00,
    # ann 15:45-18:00. The last two overlap: neither person is free from 14:30 to 18:00.
    assert found(sandbox, request_body(group(ann["sub"], bob["sub"], required=1), minutes=60)) == [
        ("10:45", "13:00", [bob["sub"]]),
        ("14:30", "16:00", [bob["sub"]]),
        ("15:45", "18:00", [ann["sub"]]),
    ]
    assert found(sandbox, request_body(group(ann["sub"], bob["sub"], required=1)))[:2] == [
        ("09:00", "09:30", [ann["sub"], bob["sub"]]),
        ("10:45", "13:00", [bob["sub"]]),
    ]


def test_buffers_widen_busy_time(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    # `before`: time free before the meeting, so each event's end is 30 minutes later.
    assert found(sandbox, request_body(group(*me), buffer={"before": {"minutes": 30}})) == [
        ("09:00", "09:30", me),  # the period's start is not an event: no buffer there
        ("11:30", "13:00", me),
        ("16:15", "18:00", me),
    ]
    # `after`: time free after it, so each event starts 30 minutes earlier.
    assert found(sandbox, request_body(group(*me), buffer={"after": {"minutes": 30}})) == [
        ("11:00", "12:30", me),
        ("15:45", "18:00", me),
    ]
    both_sides = {"before": {"minutes": 15}, "after": {"minutes": 15}}
    assert found(sandbox, request_body(group(*me), minutes=60, buffer=both_sides)) == [
        ("11:15", "12:45", me),
        ("16:00", "18:00", me),
    ]
    assert found(sandbox, request_body(group(*me), buffer={})) == found(
        sandbox, request_body(group(*me))
    )


def test_start_interval_moves_period_starts_to_its_boundaries(
    sandbox: SandboxServer, ann: Tokens
) -> None:
    me = [ann["sub"]]
    assert found(sandbox, request_body(group(*me), start_interval={"minutes": 30})) == [
        ("09:00", "09:30", me),
        ("11:00", "13:00", me),
        ("14:30", "15:00", me),
        ("16:00", "18:00", me),  # free from 15:45; the next half hour is 16:00
    ]
    # On the hour: 14:30-15:00 has no whole hour to start on.
    assert found(sandbox, request_body(group(*me), start_interval={"minutes": 60})) == [
        ("09:00", "09:30", me),
        ("11:00", "13:00", me),
        ("16:00", "18:00", me),
    ]


def test_slots_and_overlapping_slots(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    hour = request_body(group(*me), minutes=60, response_format="slots")
    # Without a start interval, slots start on multiples of their length: whole hours.
    assert found(sandbox, hour) == [
        ("11:00", "12:00", me),
        ("12:00", "13:00", me),
        ("16:00", "17:00", me),
        ("17:00", "18:00", me),
    ]
    every_half_hour = {**hour, "start_interval": {"minutes": 30}}
    assert found(sandbox, every_half_hour) == found(sandbox, hour)  # still one after another
    assert found(sandbox, {**every_half_hour, "response_format": "overlapping_slots"}) == [
        ("11:00", "12:00", me),
        ("11:30", "12:30", me),
        ("12:00", "13:00", me),
        ("16:00", "17:00", me),
        ("16:30", "17:30", me),
        ("17:00", "18:00", me),
    ]
    quarters = request_body(
        group(*me), minutes=45, start_interval={"minutes": 15}, response_format="slots"
    )
    assert found(sandbox, quarters) == [
        ("11:00", "11:45", me),
        ("11:45", "12:30", me),
        ("15:45", "16:30", me),
        ("16:30", "17:15", me),
        ("17:15", "18:00", me),
    ]
    assert len(found(sandbox, {**quarters, "response_format": "overlapping_slots"})) == 6 + 7


def test_max_results(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    assert found(sandbox, request_body(group(*me), max_results=2)) == [
        ("09:00", "09:30", me),
        ("11:00", "13:00", me),
    ]
    slots = request_body(group(*me), minutes=60, response_format="slots", max_results=3)
    assert [s[0] for s in found(sandbox, slots)] == ["11:00", "12:00", "16:00"]


def test_transparent_events_are_not_busy(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    friday = [period("09:00", "18:00", day=8)]
    # Friday is "Office closed" all day, but that event is transparent: only the routine counts
    # (09:30 stand-up, 10:00-10:30 coffee, 13:00-14:30 focus time, 16:00-16:45 retrospective).
    assert found(sandbox, request_body(group(*me), minutes=60, query_periods=friday)) == [
        (at("10:30", 8), at("13:00", 8), me),
        (at("14:30", 8), at("16:00", 8), me),
        (at("16:45", 8), at("18:00", 8), me),
    ]
    api = Api(sandbox, ann["access_token"])
    work = next(
        c["calendar_id"]
        for c in api.get("/v1/calendars").json()["calendars"]
        if c["calendar_name"] == "Work"
    )
    lunch = {
        "event_id": "lunch",
        "summary": "Lunch, if anyone asks",
        "start": at("11:00"),
        "end": at("12:00"),
        "transparency": "transparent",
    }
    assert api.post(f"/v1/calendars/{work}/events", json=lunch).status_code == 202
    sandbox.state.add_provider_event(
        ann["sub"],
        work,
        summary="Free at Google",
        start=at("16:00"),
        end=at("17:00"),
        transparency="transparent",
    )
    assert found(sandbox, request_body(group(*me), minutes=60)) == [
        ("11:00", "13:00", me),
        ("15:45", "18:00", me),
    ]
    opaque = {**lunch, "transparency": "opaque"}
    assert api.post(f"/v1/calendars/{work}/events", json=opaque).status_code == 202
    assert found(sandbox, request_body(group(*me), minutes=60)) == [
        ("12:00", "13:00", me),
        ("15:45", "18:00", me),
    ]


def test_an_opaque_all_day_event_is_busy_all_day_in_the_accounts_zone(
    sandbox: SandboxServer, ann: Tokens
) -> None:
    me = [ann["sub"]]
    # Tuesday 12th to Thursday 14th: the CalConf conference, all day, opaque; Friday 15th the
    # company offsite, opaque too. Monday 11th has only the routine. Whole UTC days, joined.
    days = [{"start": at("00:00", 11), "end": at("00:00", 16)}]
    body = request_body(group(*me), minutes=60, query_periods=days)
    assert found(sandbox, body) == [
        (at("00:00", 11), at("09:30", 11), me),
        (at("11:00", 11), at("13:00", 11), me),
        (at("14:30", 11), at("16:00", 11), me),
        (at("16:30", 11), at("00:00", 12), me),
    ]
    # All-day events last from midnight to midnight where the account lives (its
    # default_tzid): in Tokyo (UTC+9) the 12th begins at 15:00 UTC on the 11th, and the
    # 15th ends at 15:00 UTC on the 15th.
    sandbox.state.change(
        ann["sub"], lambda account: setattr(account, "default_tzid", "Asia/Tokyo")
    )
    assert found(sandbox, body) == [
        (at("00:00", 11), at("09:30", 11), me),
        (at("11:00", 11), at("13:00", 11), me),
        (at("15:00", 15), at("00:00", 16), me),
    ]


def test_deleted_events_are_not_busy(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    api = Api(sandbox, ann["access_token"])
    monday = api.get(
        "/v1/events", params={"tzid": "Etc/UTC", "from": "2027-01-04", "to": "2027-01-05"}
    ).json()["events"]
    sprint = next(e for e in monday if e["summary"] == "Sprint planning")
    sandbox.state.delete_provider_event(sprint["event_uid"])
    assert found(sandbox, request_body(group(*me)))[:2] == [
        ("09:00", "09:30", me),
        ("09:45", "13:00", me),
    ]
    work = sprint["calendar_id"]
    booked = {"event_id": "b", "summary": "Booked", "start": at("16:00"), "end": at("17:00")}
    api.post(f"/v1/calendars/{work}/events", json=booked)
    assert found(sandbox, request_body(group(*me)))[-2:] == [
        ("14:30", "15:00", me),
        ("17:00", "18:00", me),  # 15:45-16:00 is now too short
    ]
    api.delete(f"/v1/calendars/{work}/events", json={"event_id": "b"})
    assert found(sandbox, request_body(group(*me)))[-1] == ("15:45", "18:00", me)


def calendar_ids(sandbox: SandboxServer, tokens: Tokens) -> dict[str, str]:
    found = Api(sandbox, tokens["access_token"]).get("/v1/calendars").json()["calendars"]
    return {c["calendar_name"]: c["calendar_id"] for c in found}


def test_calendar_ids_choose_whose_events_count(sandbox: SandboxServer, ann: Tokens) -> None:
    me, named = [ann["sub"]], calendar_ids(sandbox, ann)
    # Wednesday evening: "Parents' evening" 18:00-19:30 is in the Family calendar.
    evening = {"query_periods": [period("17:00", "20:00", day=6)], "minutes": 30}

    def wednesday(**member: Any) -> list[Any]:
        return found(sandbox, request_body(group({"sub": ann["sub"], **member}), **evening))

    assert wednesday() == [
        (at("17:00", 6), at("18:00", 6), me),
        (at("19:30", 6), at("20:00", 6), me),
    ]
    assert wednesday(calendar_ids=[named["Work"]]) == [(at("17:00", 6), at("20:00", 6), me)]
    assert wednesday(calendar_ids=[named["Family"]]) == wednesday()
    # No calendars at all: only the query periods limit the member (as Cronofy documents).
    assert found(sandbox, request_body(group({"sub": ann["sub"], "calendar_ids": []}))) == [
        ("09:00", "18:00", me)
    ]


def test_a_members_own_available_periods_limit_them(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    mornings = {"sub": ann["sub"], "available_periods": [period("08:00", "12:00")]}
    assert found(sandbox, request_body(group(mornings))) == [
        ("09:00", "09:30", me),
        ("11:00", "12:00", me),
    ]


def test_available_periods_is_the_older_name_of_query_periods(
    sandbox: SandboxServer, ann: Tokens
) -> None:
    newer = request_body(group(ann["sub"]))
    older = {**_without(newer, "query_periods"), "available_periods": newer["query_periods"]}
    assert found(sandbox, older) == found(sandbox, request_body(group(ann["sub"])))
    both = {**older, "query_periods": older["available_periods"]}
    assert ask(sandbox, both).status_code == 422


def test_times_may_have_a_space_for_the_t_and_any_offset(
    sandbox: SandboxServer, ann: Tokens
) -> None:
    spaced = {"start": "2027-01-04 09:00:00Z", "end": "2027-01-04 18:00:00Z"}
    berlin = {"start": "2027-01-04T10:00:00+01:00", "end": "2027-01-04T19:00:00+01:00"}
    expected = found(sandbox, request_body(group(ann["sub"])))
    assert found(sandbox, request_body(group(ann["sub"]), query_periods=[spaced])) == expected
    assert found(sandbox, request_body(group(ann["sub"]), query_periods=[berlin])) == expected


def test_periods_are_joined_and_answered_in_order(sandbox: SandboxServer, ann: Tokens) -> None:
    me = [ann["sub"]]
    periods = [period("09:00", "10:00", day=5), period("12:00", "18:00"), period("09:00", "12:30")]
    answer = found(sandbox, request_body(group(*me), minutes=60, query_periods=periods))
    # Monday's two periods overlap, so they are one: 11:00-13:00 is not cut at 12:30.
    assert answer == [("11:00", "13:00", me), ("15:45", "18:00", me)]


def test_the_client_secret_or_a_members_token(
    sandbox: SandboxServer, ann: Tokens, bob: Tokens
) -> None:
    body = request_body(group(ann["sub"], bob["sub"]))
    by_secret = ask(sandbox, body, SECRET).json()
    assert ask(sandbox, body, ann["access_token"]).json() == by_secret
    # Any of the client's users' tokens may ask about another user of the client.
    assert ask(sandbox, request_body(group(ann["sub"])), bob["access_token"]).status_code == 200


def test_a_token_without_free_busy_scope_is_403(
    sandbox: SandboxServer, ann: Tokens, connect: Callable[..., Tokens]
) -> None:
    narrow = connect("cat@example.com", scope="read_account list_calendars")
    response = ask(sandbox, request_body(group(ann["sub"])), narrow["access_token"])
    assert response.status_code == 403
    assert 'scope="read_free_busy"' in response.headers["WWW-Authenticate"]
    # ... and such an account's own free/busy is not the client's to read.
    response = ask(sandbox, request_body(group(narrow["sub"])))
    assert response.status_code == 422
    assert narrow["sub"] in response.json()["errors"]["participants"][0]["description"]
    free_busy_only = connect("dan@example.com", scope="read_free_busy")
    assert ask(sandbox, request_body(group(free_busy_only["sub"]))).status_code == 200


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer not-the-secret", "Basic c2FuZGJveA==", SECRET]
)
def test_anything_else_is_401(sandbox: SandboxServer, ann: Tokens, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = requests.post(
        f"{sandbox.api_url}/v1/availability",
        json=request_body(group(ann["sub"])),
        headers=headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content == b""


def test_an_expired_token_is_401(sandbox: SandboxServer, ann: Tokens, monday: Clock) -> None:
    monday.advance(3601)
    response = ask(sandbox, request_body(group(ann["sub"])), ann["access_token"])
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert ask(sandbox, request_body(group(ann["sub"]))).status_code == 200  # the secret works


INVALID: dict[str, tuple[Callable[[dict[str, Any]], Any], str, str]] = {
    "not an object": (lambda b: ["participants"], "body", "errors.invalid"),
    "no participants": (lambda b: _without(b, "participants"), "participants", "errors.required"),
    "empty participants": (lambda b: {**b, "participants": []}, "participants", "errors.required"),
    "a group without members": (
        lambda b: {**b, "participants": [{"members": []}]},
        "participants",
        "errors.invalid",
    ),
    "a member without a sub": (
        lambda b: {**b, "participants": [{"members": [{"calendar_ids": []}]}]},
        "participants",
        "errors.invalid",
    ),
    "required 0": (
        lambda b: {**b, "participants": [{**b["participants"][0], "required": 0}]},
        "participants",
        "errors.invalid",
    ),
    "required more than the members": (
        lambda b: {**b, "participants": [{**b["participants"][0], "required": 2}]},
        "participants",
        "errors.invalid",
    ),
    "required some": (
        lambda b: {**b, "participants": [{**b["participants"][0], "required": "some"}]},
        "participants",
        "errors.invalid",
    ),
    "no duration": (
        lambda b: _without(b, "required_duration"),
        "required_duration",
        "errors.required",
    ),
    "a duration of 0": (
        lambda b: {**b, "required_duration": {"minutes": 0}},
        "required_duration",
        "errors.invalid",
    ),
    "a duration over a day": (
        lambda b: {**b, "required_duration": {"minutes": 1441}},
        "required_duration",
        "errors.invalid",
    ),
    "a duration in hours": (
        lambda b: {**b, "required_duration": {"hours": 1}},
        "required_duration",
        "errors.invalid",
    ),
    "no periods": (lambda b: _without(b, "query_periods"), "query_periods", "errors.required"),
    "no periods, by the older name": (
        lambda b: {**_without(b, "query_periods"), "available_periods": []},
        "available_periods",
        "errors.required",
    ),
    "an end before the start": (
        lambda b: {**b, "query_periods": [period("12:00", "11:00")]},
        "query_periods",
        "errors.invalid",
    ),
    "an end at the start": (
        lambda b: {**b, "query_periods": [period("12:00", "12:00")]},
        "query_periods",
        "errors.invalid",
    ),
    "a period over 35 days": (
        lambda b: {
            **b,
            "query_periods": [{"start": at("09:00"), "end": "2027-02-08T09:00:01Z"}],
        },
        "query_periods",
        "errors.invalid",
    ),
    "51 periods": (
        lambda b: {**b, "query_periods": _periods(51)},
        "query_periods",
        "errors.invalid",
    ),
    "a time without a zone": (
        lambda b: {**b, "query_periods": [{"start": "2027-01-04T09:00:00", "end": at("10:00")}]},
        "query_periods",
        "errors.invalid",
    ),
    "a negative buffer": (
        lambda b: {**b, "buffer": {"before": {"minutes": -5}}},
        "buffer",
        "errors.invalid",
    ),
    "a start interval of 0": (
        lambda b: {**b, "start_interval": {"minutes": 0}},
        "start_interval",
        "errors.invalid",
    ),
    "an unknown response format": (
        lambda b: {**b, "response_format": "blocks"},
        "response_format",
        "errors.invalid",
    ),
    "max_results 0": (lambda b: {**b, "max_results": 0}, "max_results", "errors.invalid"),
    "max_results over 512": (lambda b: {**b, "max_results": 513}, "max_results", "errors.invalid"),
    "an unknown sub": (
        lambda b: {**b, "participants": [group("acc_000000000000000000000000")]},
        "participants",
        "errors.invalid",
    ),
    "a calendar of someone else": (
        lambda b: {
            **b,
            "participants": [group({**b["participants"][0]["members"][0], "calendar_ids": ["x"]})],
        },
        "participants",
        "errors.invalid",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_requests_are_422_in_cronofys_shape(
    sandbox: SandboxServer, ann: Tokens, case: str
) -> None:
    change, field, key = INVALID[case]
    response = ask(sandbox, change(_valid(ann["sub"])))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field][0]["key"] == key
    assert errors[field][0]["description"]


def test_fifty_periods_of_35_days_are_allowed(sandbox: SandboxServer, ann: Tokens) -> None:
    assert ask(sandbox, {**_valid(ann["sub"]), "query_periods": _periods(50)}).status_code == 200
    longest = {"start": at("09:00"), "end": "2027-02-08T09:00:00Z"}
    assert ask(sandbox, {**_valid(ann["sub"]), "query_periods": [longest]}).status_code == 200


def test_a_revoked_member_is_422(sandbox: SandboxServer, ann: Tokens) -> None:
    sandbox.state.revoke_account(ann["sub"])
    response = ask(sandbox, _valid(ann["sub"]))
    assert response.status_code == 422
    assert response.json()["errors"]["participants"][0]["description"] == (
        f"no authorization to read the free/busy of {ann['sub']}"
    )


def test_faults_latency_and_rate_limits_apply(sandbox: SandboxServer, ann: Tokens) -> None:
    state = sandbox.state
    state.add_fault("/v1/availability", 503)
    assert ask(sandbox, _valid(ann["sub"])).status_code == 503
    assert ask(sandbox, _valid(ann["sub"])).status_code == 200
    state.set_settings(latency_ms=200)
    started = time.monotonic()  # the pinned clock leaves monotonic time alone
    assert ask(sandbox, _valid(ann["sub"])).status_code == 200
    assert time.monotonic() - started >= 0.2
    state.set_settings(latency_ms=0)
    state.set_settings(rate_limits=True, rate_limit_per_second=1)  # the clock stands still
    state.clear_log()
    assert ask(sandbox, _valid(ann["sub"])).status_code == 200
    limited = ask(sandbox, _valid(ann["sub"]))
    assert (limited.status_code, limited.json()) == (429, {"error": "too_many_requests"})
    assert [(e["path"], e["status"], e["rate_limited"]) for e in state.requests_log()] == [
        ("/v1/availability", 200, False),
        ("/v1/availability", 429, True),
    ]


# ----- the computation alone, on intervals --------------------------------------------------


def hours(*spans: tuple[float, float]) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """Intervals on Monday from (start hour, end hour) pairs."""
    base = dt.datetime(2027, 1, 4, tzinfo=dt.UTC)
    return tuple((base + dt.timedelta(hours=s), base + dt.timedelta(hours=e)) for s, e in spans)


def test_two_groups_each_with_its_own_requirement() -> None:
    # An interviewer (one of two) and the candidate (required), 09:00-13:00.
    candidate = Member("candidate", hours((9, 10)))
    first, second = Member("first", hours((10, 12))), Member("second", hours((9, 11), (12, 13)))
    query = Query(
        groups=(Group((candidate,), 1), Group((first, second), 1)),
        periods=hours((9, 13)),
        duration=dt.timedelta(hours=1),
    )
    # The candidate is free from 10:00; no interviewer is until 11:00 (second), then 12:00
    # (first, as second's 11:00-12:00 ends).
    assert [(f.start.hour, f.end.hour, f.subs) for f in find(query)] == [
        (11, 12, ("candidate", "second")),
        (12, 13, ("candidate", "first")),
    ]


def test_slots_without_a_start_interval_start_on_multiples_of_their_length() -> None:
    # 45 minutes: 11:15, 12:00, 12:45 ... counted from midnight UTC, not from the period.
    query = Query(
        groups=(Group((Member("ann"),), 1),),
        periods=hours((11, 13)),
        duration=dt.timedelta(minutes=45),
        response_format="slots",
    )
    assert [(f.start.strftime("%H:%M"), f.end.strftime("%H:%M")) for f in find(query)] == [
        ("11:15", "12:00"),
        ("12:00", "12:45"),
    ]


def test_a_member_named_twice_is_listed_once() -> None:
    ann = Member("ann")
    query = Query(
        groups=(Group((ann,), 1), Group((ann,), 1)),
        periods=hours((9, 10)),
        duration=dt.timedelta(minutes=30),
    )
    assert find(query) == [Found(*hours((9, 10))[0], ("ann",))]


# ----- fidelity: Cronofy's own Python SDK -------------------------------------------------


@pytest.fixture
def sdk(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, ann: Tokens
) -> Iterator[pycronofy.Client]:
    """pycronofy as an application uses it, pointed at the sandbox by its base URLs alone."""
    monkeypatch.setattr(pycronofy.settings, "APP_BASE_URL", sandbox.app_url)
    monkeypatch.setattr(pycronofy.settings, "API_BASE_URL", sandbox.api_url)
    yield pycronofy.Client(
        client_id=CLIENT["client_id"],
        client_secret=SECRET,
        access_token=ann["access_token"],
        refresh_token=ann["refresh_token"],
    )


def test_pycronofy_availability(
    sandbox: SandboxServer, sdk: pycronofy.Client, ann: Tokens, bob: Tokens
) -> None:
    start = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
    window = [{"start": start, "end": start + dt.timedelta(hours=9)}]
    periods = sdk.availability(
        participants=[{"members": [ann["sub"], bob["sub"]], "required": "all"}],
        required_duration=30,
        available_periods=window,
    )
    assert (
        periods
        == ask(sandbox, request_body(group(ann["sub"], bob["sub"]))).json()["available_periods"]
    )
    assert [(p["start"], p["end"]) for p in periods] == [
        (at("09:00"), at("09:30")),
        (at("11:00"), at("13:00")),
        (at("14:30"), at("15:00")),
        (at("17:00"), at("18:00")),
    ]
    slots = sdk.availability(
        participants={"members": [ann["sub"]]},
        required_duration=60,
        available_periods=[{"start": start, "end": start + dt.timedelta(hours=9)}],
        start_interval=30,
        buffer={"before": 15, "after": {"minutes": 15}},
        response_format="overlapping_slots",
        max_results=3,
    )
    # 15 minutes each side: free 11:15-12:45 and 16:00-18:00; hours starting on half hours.
    assert [(s["start"], s["end"]) for s in slots] == [
        (at("11:30"), at("12:30")),
        (at("16:00"), at("17:00")),
        (at("16:30"), at("17:30")),
    ]
    assert [s["participants"] for s in slots] == [[{"sub": ann["sub"]}]] * 3
