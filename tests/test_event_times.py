"""Wall-clock times on the new-event form: the suggested start and what a date and time mean."""

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.events.times import instant, next_full_hour
from tests.clock import parse_instant
from tests.cronofy_data import CALENDARS, WORK_EVENTS_URL
from tests.helpers import connect, connection_id, post_form, sync_copy

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
# Zones whose rules are unusual: half-hour offsets, half-hour clock changes, the date line.
ZONES = [
    "Etc/UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "America/St_Johns",
]


@pytest.mark.parametrize(
    ("now", "zone", "suggested"),
    [
        ("2027-01-04T10:17:00Z", "Europe/London", (date(2027, 1, 4), time(11))),
        ("2027-06-15T14:59:59Z", "Asia/Tokyo", (date(2027, 6, 16), time(0))),  # Tokyo 23:59:59
        ("2027-12-31T23:50:00Z", "Etc/UTC", (date(2028, 1, 1), time(0))),
        ("2027-06-15T04:47:00Z", "Asia/Kolkata", (date(2027, 6, 15), time(11))),  # 10:17 +05:30
        # London 00:30 GMT: 01:00 is skipped, so the next full hour is 02:00 BST.
        ("2027-03-28T00:30:00Z", "Europe/London", (date(2027, 3, 28), time(2))),
        # London 01:30 BST: "01:00" would mean 01:00 BST, which has passed; 02:00 GMT has not.
        ("2027-10-31T00:30:00Z", "Europe/London", (date(2027, 10, 31), time(2))),
        ("2027-03-14T06:30:00Z", "America/New_York", (date(2027, 3, 14), time(3))),
        ("2027-11-07T05:30:00Z", "America/New_York", (date(2027, 11, 7), time(2))),
    ],
)
def test_the_suggested_start_is_the_next_full_hour_that_exists(now, zone, suggested):
    assert next_full_hour(parse_instant(now), ZoneInfo(zone)) == suggested


@given(
    now=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_the_suggestion_read_back_is_the_first_full_hour_after_now(now, zone):
    tz = ZoneInfo(zone)
    day, clock = next_full_hour(now, tz)
    start = instant(day, clock, tz)
    assert clock.minute == clock.second == 0
    assert start is not None and now < start <= now + timedelta(hours=2)
    # No earlier whole hour would do: every one between now and the suggestion, as the form
    # reads it, is in the past (a repeated hour means its first occurrence). Offsets are
    # whole quarter hours, so checking each quarter hour in UTC finds every whole local hour.
    moment = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    while (moment := moment + timedelta(minutes=15)) < start:
        wall = moment.astimezone(tz)
        if wall.minute == 0:
            assert instant(wall.date(), wall.time(), tz) <= now


def test_a_date_and_time_name_one_instant_even_when_the_clocks_change():
    # A time the clocks skip names no instant at all.
    assert instant(date(2027, 3, 28), time(1, 30), LONDON) is None
    assert instant(date(2027, 3, 14), time(2, 30), NEW_YORK) is None
    # A time that happens twice means its first occurrence.
    assert instant(date(2027, 10, 31), time(1, 30), LONDON) == parse_instant("2027-10-31T00:30Z")
    assert instant(date(2027, 11, 7), time(1, 30), NEW_YORK) == parse_instant("2027-11-07T05:30Z")
    assert instant(date(2027, 3, 28), time(2), LONDON) == parse_instant("2027-03-28T01:00Z")


@pytest.fixture
def in_london(app, user_client, cronofy):
    """A user whose calendar account is in Europe/London."""
    connect(user_client, cronofy, default_tzid="Europe/London")
    sync_copy(cronofy, CALENDARS)
    return user_client


def test_the_form_suggests_the_next_full_hour(in_london, cronofy, clock):
    page = in_london.get("/events/new").get_data(as_text=True)
    day, clock_time = next_full_hour(clock.now(), LONDON)
    assert f'value="{day.isoformat()}"' in page
    assert f'value="{clock_time:%H:%M}"' in page


def submit(client, app, cronofy, start_date: str, start_time: str, duration: str):
    return post_form(
        client,
        "/events/new",
        calendar=f"{connection_id(app)}:cal_work",
        summary="Release",
        start_date=start_date,
        start_time=start_time,
        duration=duration,
    )


def test_an_event_across_the_clock_change_lasts_as_long_as_chosen(app, in_london, cronofy):
    cronofy.post(WORK_EVENTS_URL, status=202, body="")
    # 00:30 BST, then the clocks go back at 02:00 BST: two hours later is 01:30 GMT.
    response = submit(in_london, app, cronofy, "2027-10-31", "00:30", "120")
    assert response.status_code == 302
    [call] = [c for c in cronofy.calls if c.request.method == "POST"]
    body = json.loads(call.request.body)
    assert (body["start"], body["end"]) == ("2027-10-30T23:30:00Z", "2027-10-31T01:30:00Z")


def test_a_time_the_clocks_skip_is_refused_before_calling_cronofy(app, in_london, cronofy):
    response = submit(in_london, app, cronofy, "2027-03-28", "01:30", "60")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    said = "01:30 does not exist on 28 March in Europe/London: the clocks go forward then."
    assert page.count(said) == 1  # said once, next to the field
    assert len(cronofy.calls) == 0  # refused before Cronofy was asked
