"""Find a time: the availability request (pure), and the page with Cronofy mocked.

The page asks `POST /v1/availability` once for every chosen account, with the client
secret, then each account's `GET /v1/free_busy` for the busy strip. These tests pin the
exact request and each outcome: slots, none, a connection to reconnect, Cronofy failing.
"""

import html
import json
import re
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from responses import matchers
from sqlalchemy import update

from app.cronofy import errors
from app.events.availability import (
    MAX_DAYS,
    Period,
    availability_request,
    busy_intervals,
    busy_strip,
    query_periods,
    slots_by_day,
)
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection
from tests.cronofy_data import (
    ACCOUNT_ID,
    API_URL,
    CALENDARS,
    CALENDARS_URL,
    PROFILES_URL,
    TOKEN_URL,
)
from tests.helpers import connect, connection_id, sync_copy, the_connection
from tests.jobs import Jobs
from tests.visitor import register_and_connect

AVAILABILITY_URL = f"{API_URL}/v1/availability"
FREE_BUSY_URL = f"{API_URL}/v1/free_busy"
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- The request, a pure function ------------------------------------------------------------


def test_each_day_is_its_working_hours_in_the_users_zone_in_utc():
    periods = query_periods(
        date(2027, 1, 4), date(2027, 1, 5), time(9), time(17), TOKYO, utc("2027-01-01T00:00Z")
    )
    assert periods == [
        Period(date(2027, 1, 4), utc("2027-01-04T00:00Z"), utc("2027-01-04T08:00Z")),
        Period(date(2027, 1, 5), utc("2027-01-05T00:00Z"), utc("2027-01-05T08:00Z")),
    ]


def test_a_clock_change_week_keeps_the_wall_clock_hours():
    # London goes to BST on Sunday 28 March 2027: 09:00 is 09:00Z before, 08:00Z after.
    periods = query_periods(
        date(2027, 3, 27), date(2027, 3, 29), time(9), time(17), LONDON, utc("2027-03-01T00:00Z")
    )
    assert [(p.start, p.end) for p in periods] == [
        (utc("2027-03-27T09:00Z"), utc("2027-03-27T17:00Z")),
        (utc("2027-03-28T08:00Z"), utc("2027-03-28T16:00Z")),
        (utc("2027-03-29T08:00Z"), utc("2027-03-29T16:00Z")),
    ]


def test_a_day_whose_window_the_clocks_skip_is_left_out():
    # 01:30 never happens in London on 28 March 2027.
    periods = query_periods(
        date(2027, 3, 27),
        date(2027, 3, 29),
        time(1, 30),
        time(3),
        LONDON,
        utc("2027-03-01T00:00Z"),
    )
    assert [p.day for p in periods] == [date(2027, 3, 27), date(2027, 3, 29)]


def test_a_repeated_hour_means_its_first_occurrence():
    # 31 October 2027: London's 01:00-02:00 happens twice; 01:30 is first 00:30Z (BST).
    periods = query_periods(
        date(2027, 10, 31),
        date(2027, 10, 31),
        time(1, 30),
        time(3),
        LONDON,
        utc("2027-10-01T00:00Z"),
    )
    assert [(p.start, p.end) for p in periods] == [
        (utc("2027-10-31T00:30Z"), utc("2027-10-31T03:00Z"))
    ]


def test_the_year_end_in_los_angeles():
    periods = query_periods(
        date(2027, 12, 30),
        date(2028, 1, 2),
        time(9),
        time(17),
        LOS_ANGELES,
        utc("2027-12-01T00:00Z"),
    )
    assert [p.day for p in periods] == [
        date(2027, 12, 30),
        date(2027, 12, 31),
        date(2028, 1, 1),
        date(2028, 1, 2),
    ]
    assert periods[2].start == utc("2028-01-01T17:00Z")  # PST, UTC-8
    assert periods[2].end == utc("2028-01-02T01:00Z")  # the next UTC day


def test_hours_under_way_start_now_and_hours_over_are_skipped():
    now = utc("2027-01-04T03:10:30Z")  # 12:10:30 in Tokyo on the 4th
    periods = query_periods(date(2027, 1, 3), date(2027, 1, 5), time(9), time(17), TOKYO, now)
    assert [(p.day, p.start) for p in periods] == [
        (date(2027, 1, 4), utc("2027-01-04T03:11Z")),  # the next whole minute
        (date(2027, 1, 5), utc("2027-01-05T00:00Z")),
    ]


def test_the_longest_range_stays_within_cronofys_limits():
    periods = query_periods(
        date(2027, 1, 1), date(2027, 2, 4), time(9), time(17), TOKYO, utc("2026-12-01T00:00Z")
    )
    assert len(periods) == MAX_DAYS == 35


def test_the_availability_body():
    periods = [Period(date(2027, 1, 4), utc("2027-01-04T00:00Z"), utc("2027-01-04T08:00Z"))]
    assert availability_request(["acc_1", "acc_2"], 45, 10, periods) == {
        "participants": [{"members": [{"sub": "acc_1"}, {"sub": "acc_2"}], "required": "all"}],
        "required_duration": {"minutes": 45},
        "query_periods": [{"start": "2027-01-04T00:00:00Z", "end": "2027-01-04T08:00:00Z"}],
        "buffer": {"before": {"minutes": 10}, "after": {"minutes": 10}},
        "start_interval": {"minutes": 30},
        "response_format": "slots",
        "max_results": 512,
    }
    # A meeting shorter than half an hour may start at each of its own steps.
    assert availability_request(["acc_1"], 15, 0, periods)["start_interval"] == {"minutes": 15}


def test_slots_are_grouped_by_the_users_day_and_an_empty_day_is_listed():
    periods = query_periods(
        date(2027, 1, 4), date(2027, 1, 5), time(9), time(17), TOKYO, utc("2027-01-01T00:00Z")
    )
    found = [
        {"start": "2027-01-04T01:00:00Z", "end": "2027-01-04T01:30:00Z"},
        {"start": "2027-01-04T00:30:00Z", "end": "2027-01-04T01:00:00Z"},
        {"start": "not a time", "end": "2027-01-04T01:00:00Z"},
    ]
    days = slots_by_day(found, periods, TOKYO)
    assert [d.day for d in days] == [date(2027, 1, 4), date(2027, 1, 5)]
    assert [f"{s.start:%H:%M}" for s in days[0].slots] == ["09:30", "10:00"]
    assert days[1].slots == () and days[1].busy is None


def test_a_slot_in_the_repeated_hour_is_shown_but_not_bookable():
    # 31 October 2027 in London: 01:00-02:00 happens twice, at 00:00Z (BST) then 01:00Z (GMT).
    periods = query_periods(
        date(2027, 10, 31), date(2027, 10, 31), time(0), time(3), LONDON, utc("2027-10-01T00:00Z")
    )
    found = [  # out of order: listed by the instant, not the wall clock
        {"start": "2027-10-31T01:00:00Z", "end": "2027-10-31T01:30:00Z"},
        {"start": "2027-10-31T00:00:00Z", "end": "2027-10-31T00:30:00Z"},
    ]
    [day] = slots_by_day(found, periods, LONDON)
    assert [(f"{s.start:%H:%M}", s.bookable) for s in day.slots] == [
        ("01:00", True),
        ("01:00", False),
    ]


def test_busy_time_counts_busy_and_tentative_and_is_merged_on_the_strip():
    blocks = [
        {
            "start": "2027-01-04T01:00:00Z",
            "end": "2027-01-04T02:00:00Z",
            "free_busy_status": "busy",
        },
        {
            "start": "2027-01-04T01:30:00Z",
            "end": "2027-01-04T02:30:00Z",
            "free_busy_status": "tentative",
        },
        {
            "start": "2027-01-04T04:00:00Z",
            "end": "2027-01-04T05:00:00Z",
            "free_busy_status": "free",
        },
        {
            "start": "2027-01-03T23:00:00Z",
            "end": "2027-01-04T00:30:00Z",
            "free_busy_status": "busy",
        },
    ]
    period = Period(date(2027, 1, 4), utc("2027-01-04T00:00Z"), utc("2027-01-04T08:00Z"))
    strip = busy_strip(busy_intervals(blocks, TOKYO), period, TOKYO)
    assert [(f"{b.start:%H:%M}", f"{b.end:%H:%M}", b.left, b.width) for b in strip] == [
        ("09:00", "09:30", 0.0, 6.25),  # clipped to the working hours
        ("10:00", "11:30", 12.5, 18.75),  # busy and tentative, overlapping: one block
    ]
    days = slots_by_day([], [period], TOKYO, busy_intervals(blocks, TOKYO))
    assert days[0].busy_text == "Busy 09:00–09:30, 10:00–11:30"
    assert slots_by_day([], [period], TOKYO, [])[0].busy_text.startswith("Free all")


def test_an_all_day_busy_block_fills_the_users_day():
    blocks = [{"start": "2027-01-04", "end": "2027-01-05", "free_busy_status": "busy"}]
    assert busy_intervals(blocks, TOKYO) == [(utc("2027-01-03T15:00Z"), utc("2027-01-04T15:00Z"))]


# -- The page, with Cronofy mocked -------------------------------------------------------------

NOW = "2027-01-03T12:00:00Z"  # Sunday 21:00 in Tokyo
SEARCH = {
    "duration": "30",
    "first_day": "2027-01-04",
    "last_day": "2027-01-05",
    "day_start": "09:00",
    "day_end": "17:00",
    "buffer": "10",
}
PERIODS = [
    {"start": "2027-01-04T00:00:00Z", "end": "2027-01-04T08:00:00Z"},
    {"start": "2027-01-05T00:00:00Z", "end": "2027-01-05T08:00:00Z"},
]
SLOTS = {
    "available_slots": [
        {
            "start": "2027-01-04T00:00:00Z",
            "end": "2027-01-04T00:30:00Z",
            "participants": [{"sub": ACCOUNT_ID}],
        },
        {
            "start": "2027-01-04T02:00:00Z",
            "end": "2027-01-04T02:30:00Z",
            "participants": [{"sub": ACCOUNT_ID}],
        },
    ]
}
FREE_BUSY = {
    "pages": {"current": 1, "total": 1},
    "free_busy": [
        {
            "calendar_id": "cal_work",
            "start": "2027-01-04T00:30:00Z",
            "end": "2027-01-04T02:00:00Z",
            "free_busy_status": "busy",
        },
    ],
}

pytestmark = pytest.mark.steady_clock  # each test pins its own instant


@pytest.fixture
def sunday(clock):
    """Sunday evening in Tokyo, before the user registers (a session spans no time jump)."""
    clock.move_to(NOW)
    return clock


@pytest.fixture
def connected(sunday, tokyo_user_with_calendars):
    """A user in Tokyo with one full-scope connection, on a Sunday evening."""
    return tokyo_user_with_calendars


def search(client, app, **changes):
    query = {
        **SEARCH,
        "members": str(connection_id(app)),
        "calendar": f"{connection_id(app)}:cal_work",
    }
    query.update(changes)
    return client.get("/events/find", query_string=query)


def expect_availability(cronofy, **answer):
    cronofy.post(
        AVAILABILITY_URL,
        match=[
            matchers.header_matcher({"Authorization": "Bearer test-secret"}),
            matchers.json_params_matcher(
                {
                    "participants": [{"members": [{"sub": ACCOUNT_ID}], "required": "all"}],
                    "required_duration": {"minutes": 30},
                    "query_periods": PERIODS,
                    "buffer": {"before": {"minutes": 10}, "after": {"minutes": 10}},
                    "start_interval": {"minutes": 30},
                    "response_format": "slots",
                    "max_results": 512,
                }
            ),
        ],
        **(answer or {"json": SLOTS}),
    )


def expect_free_busy(cronofy, **answer):
    cronofy.get(
        FREE_BUSY_URL,
        match=[
            matchers.header_matcher({"Authorization": "Bearer access-1"}),
            matchers.query_param_matcher(
                {"tzid": "Asia/Tokyo", "from": "2027-01-04", "to": "2027-01-06"}
            ),
        ],
        **(answer or {"json": FREE_BUSY}),
    )


def test_without_connections_the_page_offers_connect(user_client, cronofy):
    page = user_client.get("/events/find").get_data(as_text=True)
    assert "Connect a calendar first" in page
    assert "Find free times" not in page


def test_the_form_offers_the_accounts_and_suggests_the_next_week(app, connected, cronofy):
    response = connected.get("/events/find")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'<input checked[^>]*type="checkbox" value="{connection_id(app)}"', page)
    assert 'value="2027-01-03"' in page and 'value="2027-01-09"' in page  # Tokyo's today, +6
    assert f'<option selected value="{connection_id(app)}:cal_work">' in page
    assert "Up to 35 days" in page
    assert not cronofy.calls  # the form alone asks Cronofy nothing


def test_the_dashboard_and_the_header_link_to_it(connected):
    page = connected.get("/dashboard").get_data(as_text=True)
    assert page.count('href="/events/find"') == 2


def test_a_search_sends_one_exact_request_and_shows_the_slots_by_day(app, connected, cronofy):
    expect_availability(cronofy)
    expect_free_busy(cronofy)
    response = search(connected, app)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Monday 4 January 2027" in page and "Tuesday 5 January 2027" in page
    assert "09:00–09:30" in page and "11:00–11:30" in page
    assert "No free slot this day." in page  # Tuesday
    links = [
        parse_qs(urlsplit(html.unescape(href)).query)
        for href in re.findall(r'href="(/events/new\?[^"]+)"', page)
    ]
    assert {
        "calendar": [f"{connection_id(app)}:cal_work"],
        "start_date": ["2027-01-04"],
        "start_time": ["11:00"],
        "duration": ["30"],
    } in links
    assert 'aria-label="Busy 09:30–11:00"' in page  # the strip, with no event details
    assert 'aria-label="Free all through the working hours"' in page  # Tuesday


def test_every_call_takes_its_unit_of_the_shared_budget(app, connected, cronofy, monkeypatch):
    budget = app.extensions["cronofy_client"].budget
    taken = []
    monkeypatch.setattr(budget, "take", lambda: taken.append(1))
    expect_availability(cronofy)
    expect_free_busy(cronofy)
    search(connected, app)
    assert len(taken) == len(cronofy.calls) == 2  # availability, then one free/busy read


def test_no_budget_left_asks_cronofy_nothing_and_says_so(app, connected, cronofy, monkeypatch):
    def spent():
        raise errors.CronofyRateLimited("budget", retry_after=30)

    monkeypatch.setattr(app.extensions["cronofy_client"].budget, "take", spent)
    response = search(connected, app)
    assert response.status_code == 503
    assert "Cronofy is busy with too many requests." in response.get_data(as_text=True)
    assert not cronofy.calls


def test_two_accounts_are_asked_about_in_one_request(app, connected, cronofy):
    other = "acc_second"
    connect(
        connected,
        cronofy,
        default_tzid="Asia/Tokyo",
        sub=other,
        account_id=other,
        access_token="access-2",
        refresh_token="refresh-2",
        linking_profile={
            "provider_name": "apple",
            "profile_id": "pro_2",
            "profile_name": "bo@example.com",
        },
    )
    sync_copy(cronofy, CALENDARS)
    with app.app_context():
        ids = [
            c.id
            for c in db.session.scalars(
                db.select(CronofyConnection).order_by(CronofyConnection.id)
            )
        ]
    assert len(ids) == 2
    page = connected.get("/events/find").get_data(as_text=True)
    assert page.count('type="checkbox"') == 2 and "bo@example.com" in page
    cronofy.post(
        AVAILABILITY_URL,
        match=[matchers.header_matcher({"Authorization": "Bearer test-secret"})],
        json=SLOTS,
    )
    cronofy.get(
        FREE_BUSY_URL,
        match=[matchers.header_matcher({"Authorization": "Bearer access-1"})],
        json=FREE_BUSY,
    )
    cronofy.get(
        FREE_BUSY_URL,
        match=[matchers.header_matcher({"Authorization": "Bearer access-2"})],
        json={
            "pages": {"current": 1, "total": 1},
            "free_busy": [
                {
                    "start": "2027-01-04T05:00:00Z",
                    "end": "2027-01-04T06:00:00Z",
                    "free_busy_status": "busy",
                }
            ],
        },
    )
    response = connected.get(
        "/events/find",
        query_string={
            **SEARCH,
            "members": [str(i) for i in ids],
            "calendar": f"{ids[0]}:cal_work",
        },
    )
    assert response.status_code == 200
    [request] = [c.request for c in cronofy.calls if c.request.url == AVAILABILITY_URL]
    body = json.loads(request.body)
    assert body["participants"] == [
        {"members": [{"sub": ACCOUNT_ID}, {"sub": other}], "required": "all"}
    ]
    # Both accounts' busy time on one strip, still without a title.
    assert 'aria-label="Busy 09:30–11:00, 14:00–15:00"' in response.get_data(as_text=True)


def test_reaching_cronofys_limit_of_slots_says_so(app, connected, cronofy):
    slot = {"start": "2027-01-04T00:00:00Z", "end": "2027-01-04T00:30:00Z"}
    expect_availability(cronofy, json={"available_slots": [slot] * 512})
    expect_free_busy(cronofy)
    page = search(connected, app).get_data(as_text=True)
    assert "Choose fewer days to see them all." in page


def test_no_free_slot_says_every_slot_is_taken(app, connected, cronofy):
    expect_availability(cronofy, json={"available_slots": []})
    expect_free_busy(cronofy)
    page = search(connected, app).get_data(as_text=True)
    assert "No free time: every slot in those working hours is taken." in page


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 503}, "Cronofy is not answering right now."),
        ({"body": requests.Timeout()}, "Cronofy is not answering right now."),
        ({"status": 429}, "Cronofy is busy with too many requests."),
        (
            {
                "status": 422,
                "json": {
                    "errors": {
                        "participants": [{"key": "errors.invalid", "description": "unknown sub"}]
                    }
                },
            },
            "Cronofy no longer accepts one of the chosen calendar accounts.",
        ),
        (
            {
                "status": 422,
                "json": {
                    "errors": {
                        "query_periods": [{"key": "errors.invalid", "description": "too long"}]
                    }
                },
            },
            "Cronofy did not accept this search. too long",
        ),
        ({"status": 401}, "Cronofy did not accept the request for free times from this app."),
        ({"body": "not json"}, "Cronofy sent an answer this app could not read."),
    ],
)
def test_cronofy_failing_ends_on_the_page_with_the_form_kept(
    app, connected, cronofy, answer, message
):
    expect_availability(cronofy, **answer)
    response = search(connected, app)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert message in page
    # The choices stay as they were.
    assert 'value="2027-01-05"' in page and '<option selected value="10">' in page
    assert "/v1/free_busy" not in [urlsplit(c.request.url).path for c in cronofy.calls]


def test_a_member_cronofy_refuses_is_found_out_by_a_sync(app, connected, cronofy):
    """Revoked at Cronofy, unknown to the copy: the refused search asks for a sync, which
    finds the access ended and marks the connection for reconnecting."""
    refused = {"participants": [{"key": "errors.invalid", "description": "unknown sub"}]}
    expect_availability(cronofy, status=422, json={"errors": refused})
    search(connected, app)
    cronofy.get(CALENDARS_URL, status=401)
    cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    Jobs().run()
    assert the_connection(app).status is ConnectionStatus.NEEDS_RECONNECT
    assert "Needs reconnecting" in connected.get("/dashboard").get_data(as_text=True)


def test_free_busy_failing_leaves_the_slots_with_a_note(app, connected, cronofy):
    expect_availability(cronofy)
    expect_free_busy(cronofy, status=500)
    response = search(connected, app)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "09:00–09:30" in page
    assert "Busy times could not be read for ada@example.com" in page
    assert 'role="img"' not in page  # no strip rather than a wrong one


def test_free_busy_pages_are_followed(app, connected, cronofy):
    expect_availability(cronofy)
    next_page = f"{API_URL}/v1/free_busy/pages/p2"
    expect_free_busy(
        cronofy, json={**FREE_BUSY, "pages": {"current": 1, "total": 2, "next_page": next_page}}
    )
    cronofy.get(
        next_page,
        json={
            "pages": {"current": 2, "total": 2},
            "free_busy": [
                {
                    "start": "2027-01-05T01:00:00Z",
                    "end": "2027-01-05T01:30:00Z",
                    "free_busy_status": "tentative",
                }
            ],
        },
    )
    page = search(connected, app).get_data(as_text=True)
    assert 'aria-label="Busy 10:00–10:30"' in page


def test_wrong_choices_are_said_next_to_their_fields_and_cronofy_is_not_asked(
    app, connected, cronofy
):
    response = search(connected, app, last_day="2027-01-01")
    assert response.status_code == 422
    assert "Choose a last day on or after the first." in response.get_data(as_text=True)
    response = search(connected, app, last_day="2027-02-08")  # 36 days
    assert "Choose at most 35 days" in response.get_data(as_text=True)
    response = search(connected, app, day_end="08:00")
    assert "Choose an end after the start" in response.get_data(as_text=True)
    response = search(connected, app, members="999")  # not one of theirs
    assert response.status_code == 422
    response = search(connected, app, duration="7", first_day="soon")
    assert response.status_code == 422
    assert not cronofy.calls


@pytest.mark.parametrize(
    "changes",
    [
        {"members": "abc", "duration": "x", "buffer": "y"},
        {"calendar": "zzz", "first_day": "9999-12-31", "last_day": "9999-12-31"},
        {"day_start": "25:00", "day_end": ""},
        {"first_day": "x" * 5000},
    ],
)
def test_hostile_queries_are_a_422_never_a_500(app, connected, cronofy, changes):
    response = search(connected, app, **changes)
    assert response.status_code == 422
    assert not cronofy.calls


def test_a_query_without_the_forms_fields_is_a_422(connected, cronofy):
    assert connected.get("/events/find?utm=x").status_code == 422


def test_hours_that_are_over_on_every_day_say_so(app, connected, cronofy):
    response = search(connected, app, first_day="2027-01-03", last_day="2027-01-03")
    assert "Those working hours are over on every day you chose." in response.get_data(
        as_text=True
    )
    assert not cronofy.calls


def test_a_connection_that_needs_reconnecting_is_not_offered(app, connected, cronofy):
    with app.app_context():
        db.session.execute(
            update(CronofyConnection).values(status=ConnectionStatus.NEEDS_RECONNECT)
        )
        db.session.commit()
    page = connected.get("/events/find").get_data(as_text=True)
    assert "ada@example.com is not offered: it needs reconnecting." in page
    assert "Reconnect ada@example.com" in page
    assert "Find free times" not in page


def test_a_connection_without_free_busy_is_not_offered(app, sunday, user_client, cronofy):
    connect(user_client, cronofy, scope="read_account list_calendars create_event")
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, json={"profiles": []})
    Jobs().run()
    page = user_client.get("/events/find").get_data(as_text=True)
    assert "it was not allowed to read when you are busy" in page
    assert 'name="scope" value="read_free_busy"' in page


def test_without_a_writable_calendar_the_times_are_shown_unlinked(
    app, sunday, user_client, cronofy
):
    connect(
        user_client,
        cronofy,
        default_tzid="Asia/Tokyo",
        scope="read_account list_calendars read_events",
    )
    sync_copy(cronofy, CALENDARS)
    expect_availability(cronofy)
    expect_free_busy(cronofy)
    page = search(user_client, app, calendar="").get_data(as_text=True)
    assert "09:00–09:30" in page
    assert "None of your calendars accepts new events" in page
    assert "/events/new?" not in page


# -- The new-event form, filled in from a slot -------------------------------------------


def test_a_slot_link_fills_in_the_new_event_form(app, connected):
    page = connected.get(
        "/events/new",
        query_string={
            "calendar": f"{connection_id(app)}:cal_work",
            "start_date": "2027-01-04",
            "start_time": "11:00",
            "duration": "60",
        },
    ).get_data(as_text=True)
    assert 'value="2027-01-04"' in page and 'value="11:00"' in page
    assert '<option selected value="60">' in page


@pytest.mark.parametrize(
    "query",
    [
        {
            "calendar": "999:cal_x",
            "start_date": "2027-13-01",
            "start_time": "25:00",
            "duration": "7",
        },
        {"start_date": "x" * 5000, "start_time": "11:00:00+09:00", "duration": ""},
        {"calendar": "", "duration": "60minutes"},
    ],
)
def test_bad_prefill_values_are_ignored(app, connected, query):
    response = connected.get("/events/new", query_string=query)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="2027-01-03"' in page or 'value="2027-01-04"' in page  # the suggestion
    assert '<option selected value="30">' in page


# -- Against the sandbox, over real HTTP -------------------------------------------------------

# Monday 4 January 2027, 08:00 UTC. A demo account (in Etc/UTC) has, every weekday, a stand-up
# at 09:30, two meetings chosen at random among 10:00, 11:00, 15:00 and 16:00 (up to an hour
# long) and Focus time from 13:00 to 14:30: between 12:00 and 15:00 only Focus time is fixed,
# so the free half hours there are known in advance.
MONDAY = "2027-01-04T08:00:00Z"


@pytest.fixture
def monday(clock):
    clock.move_to(MONDAY)
    return clock


def free_times(page: str) -> list[str]:
    """Each day's heading and its slots, in order, as the page lists them."""
    results = page.split('id="results-heading"', 1)[1]
    found = re.findall(r"<h3>([^<]+)</h3>|>(\d\d:\d\d–\d\d:\d\d)</a>", results)
    return [day or slot for day, slot in found]


def test_find_a_time_book_it_and_see_it_against_the_sandbox(monday, live_app, sandbox):
    visitor = register_and_connect(live_app.url, "grace@example.com")
    visitor.reload_until("Focus time")  # the first sync landed: the copy has the calendars
    visitor.follow("Find a time")
    visitor.press(
        "Find free times",
        first_day="2027-01-05",
        last_day="2027-01-06",
        day_start="12:00",
        day_end="15:00",
        duration="30",
    )
    assert visitor.page.status_code == 200
    assert free_times(visitor.text) == [
        "Tuesday 5 January 2027",
        *["12:00–12:30", "12:30–13:00", "14:30–15:00"],
        "Wednesday 6 January 2027",
        *["12:00–12:30", "12:30–13:00", "14:30–15:00"],
    ]
    assert 'aria-label="Busy 13:00–14:30"' in visitor.text
    assert "Focus time" not in visitor.text  # the strip has times, never titles
    [availability] = [e for e in sandbox.state.requests_log() if e["path"] == "/v1/availability"]
    assert availability["status"] == 200

    visitor.follow("12:00–12:30")  # Tuesday's first
    assert "/events/new?" in visitor.page.url
    visitor.press("Create event", summary="Planning with Ada")
    assert visitor.page.url == f"{live_app.url}/dashboard"
    assert "Created “Planning with Ada”." in visitor.text
    assert "Planning with Ada" in visitor.text.split("Created “Planning with Ada”.", 1)[1]
    [event] = [
        e
        for a in sandbox.state.accounts()
        if a["email"] == "grace@example.com"
        for e in a["events"]
        if e["summary"] == "Planning with Ada"
    ]
    assert (event["start"], event["end"]) == ("2027-01-05T12:00:00Z", "2027-01-05T12:30:00Z")

    # Booked, it is busy time: the same search no longer offers it.
    visitor.get(visitor.page.url.replace("/dashboard", "/events/find"))
    visitor.press(
        "Find free times",
        first_day="2027-01-05",
        last_day="2027-01-05",
        day_start="12:00",
        day_end="15:00",
        duration="30",
    )
    assert free_times(visitor.text) == [
        "Tuesday 5 January 2027",
        *["12:30–13:00", "14:30–15:00"],
    ]
    assert 'aria-label="Busy 12:00–12:30, 13:00–14:30"' in visitor.text
