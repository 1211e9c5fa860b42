"""The agenda: the next 7 days of events, paging, time zones, profile health and scopes."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.cronofy_data import (
    API_URL,
    CALENDARS,
    CALENDARS_URL,
    EVENTS_URL,
    PROFILES,
    PROFILES_URL,
    TZ,
    created_here_and_elsewhere,
    cronofy_time,
    event,
)
from tests.helpers import bearer, connect, csrf_token, remember_event, serve_sync, synced_view
from tests.jobs import Jobs
from tests.pages import day_sections, event_item, field_errors

# Every test here reads "today": the clock stands still while each runs (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


def today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


def dashboard(client) -> str:
    """The dashboard's HTML once the waiting sync ran with the mocks given."""
    return synced_view(client).get_data(as_text=True)


def test_the_next_seven_days_in_the_accounts_time_zone(tokyo_user, cronofy):
    """The copy is read in UTC; the page shows the model's days in Tokyo's time, each kind
    of event in its own form (which event lands on which day: test_dashboard_model.py)."""
    day = today()
    serve_sync(
        cronofy,
        token="access-1",
        events=[
            event("Stand-up", cronofy_time(day, 9), cronofy_time(day, 9, 15)),
            event(
                "Company offsite",
                (day + timedelta(days=2)).isoformat(),
                (day + timedelta(days=5)).isoformat(),
                calendar_id="cal_holidays",
            ),
            event(
                "Holiday",
                (day + timedelta(days=6)).isoformat(),
                (day + timedelta(days=7)).isoformat(),
                calendar_id="cal_holidays",
            ),
            event(
                "Late call",
                cronofy_time(day + timedelta(days=3), 23, 30),
                cronofy_time(day + timedelta(days=4), 0, 30),
            ),
        ],
    )
    page = dashboard(tokyo_user)
    # The copy holds every event from yesterday to 60 days ahead, read in UTC: enough for
    # the next seven days in any time zone. The page picks the user's days from it.
    events_call = next(c for c in cronofy.calls if c.request.url.startswith(EVENTS_URL))
    utc_today = datetime.now(UTC).date()
    assert parse_qs(urlsplit(events_call.request.url).query) == {
        "tzid": ["Etc/UTC"],
        "from": [(utc_today - timedelta(days=1)).isoformat()],
        "to": [(utc_today + timedelta(days=61)).isoformat()],
        "include_managed": ["true"],
    }
    assert "Times in Asia/Tokyo." in page
    days = day_sections(page)
    assert list(days)[:3] == ["Today", "Tomorrow", f"{day + timedelta(days=2):%A %-d %B}"]
    # Each kind of event in its own words: timed, all day, over several days, past midnight.
    assert "09:00 – 09:15" in event_item(page, "Stand-up")
    assert "All day" in event_item(page, "Holiday")
    offsite = f"{day + timedelta(days=2):%-d %b} – {day + timedelta(days=4):%-d %b}"
    assert offsite in event_item(page, "Company offsite")
    assert "Team holidays" in event_item(page, "Company offsite")  # each names its calendar
    assert f"23:30 – {day + timedelta(days=4):%a} 00:30" in event_item(page, "Late call")
    assert "Nothing planned." in list(days.values())[5]


def test_all_pages_of_events_are_followed(tokyo_user, cronofy):
    day = today()
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, json=PROFILES)
    pages = [f"{API_URL}/v1/events/pages/p2", f"{API_URL}/v1/events/pages/p3"]
    cronofy.get(
        EVENTS_URL,
        json={
            "pages": {"current": 1, "total": 3, "next_page": pages[0]},
            "events": [event("First page", cronofy_time(day, 10), cronofy_time(day, 11))],
        },
    )
    cronofy.get(
        pages[0],
        json={
            "pages": {"current": 2, "total": 3, "next_page": pages[1]},
            "events": [event("Second page", cronofy_time(day, 12), cronofy_time(day, 13))],
        },
        match=bearer(),
    )
    cronofy.get(
        pages[1],
        json={
            "pages": {"current": 3, "total": 3},
            "events": [event("Third page", cronofy_time(day, 14), cronofy_time(day, 15))],
        },
        match=bearer(),
    )
    page = dashboard(tokyo_user)
    today_html = day_sections(page)["Today"]
    positions = [today_html.index(name) for name in ("First page", "Second page", "Third page")]
    assert positions == sorted(positions)
    assert [c.request.url for c in cronofy.calls].count(pages[0]) == 1


def test_paging_stops_at_a_bound(tokyo_user, cronofy, caplog):
    day = today()
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, json=PROFILES)
    looping = f"{API_URL}/v1/events/pages/again"
    page_json = {
        "pages": {"current": 1, "total": 99, "next_page": looping},
        "events": [event("Endless", cronofy_time(day, 10), cronofy_time(day, 11))],
    }
    cronofy.get(EVENTS_URL, json=page_json)
    cronofy.get(looping, json=page_json)
    Jobs().run()
    response = tokyo_user.get("/dashboard")
    assert response.status_code == 200
    assert [c.request.url for c in cronofy.calls].count(looping) == 49  # 50 pages in all
    assert "stopped after 50 pages" in caplog.text


def test_a_next_page_off_the_api_host_is_not_followed(tokyo_user, cronofy):
    """The bearer token must never be sent anywhere but Cronofy's API host."""
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, json=PROFILES)
    cronofy.get(
        EVENTS_URL,
        json={"pages": {"next_page": "https://evil.example/steal"}, "events": []},
    )
    page = dashboard(tokyo_user)
    assert "Cronofy sent an answer this app could not read." in page
    assert all("evil.example" not in c.request.url for c in cronofy.calls)


def test_the_users_time_zone_overrides_the_accounts(app, tokyo_user, cronofy):
    response = tokyo_user.post(
        "/settings/time-zone",
        data={"time_zone": " America/New_York ", "csrf_token": csrf_token(tokyo_user)},
    )
    assert response.location == "/dashboard"
    with app.app_context():
        assert db.session.scalars(select(User.time_zone)).one() == "America/New_York"
    serve_sync(cronofy, token="access-1")
    page = dashboard(tokyo_user)
    assert "Times in America/New_York." in page
    events_call = next(c for c in cronofy.calls if c.request.url.startswith(EVENTS_URL))
    assert "tzid=Etc%2FUTC" in events_call.request.url  # the copy is the same in any zone


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("europe/london", "Europe/London"),
        ("EUROPE/LONDON", "Europe/London"),
        ("america/new york", "America/New_York"),
        ("  Asia/Tokyo ", "Asia/Tokyo"),
    ],
)
def test_a_time_zone_is_accepted_in_any_letter_case(app, tokyo_user, typed, saved):
    response = tokyo_user.post(
        "/settings/time-zone", data={"time_zone": typed, "csrf_token": csrf_token(tokyo_user)}
    )
    assert response.location == "/dashboard"
    with app.app_context():
        assert db.session.scalars(select(User.time_zone)).one() == saved


def test_the_dashboard_offers_the_browsers_zone_until_one_is_chosen(app, tokyo_user):
    """The offer is in the page (the script shows it when the browser's zone differs)."""
    page = dashboard(tokyo_user)
    assert 'class="notice zone-offer"' in page and 'data-shown-zone="Asia/Tokyo"' in page
    chosen = {"time_zone": "Asia/Tokyo", "csrf_token": csrf_token(tokyo_user)}
    tokyo_user.post("/settings/time-zone", data=chosen)
    assert "zone-offer" not in dashboard(tokyo_user)


@pytest.mark.parametrize("value", ["Mars/Olympus", "../../etc/passwd", "x" * 70])
def test_an_unknown_time_zone_is_refused(app, tokyo_user, value):
    response = tokyo_user.post(
        "/settings/time-zone", data={"time_zone": value, "csrf_token": csrf_token(tokyo_user)}
    )
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "time_zone")
    assert errors
    assert "e.g. Europe/London" in errors or "64 characters" in errors
    with app.app_context():
        assert db.session.scalars(select(User.time_zone)).one() is None


def test_the_settings_page_offers_every_time_zone_and_calls_nobody(tokyo_user, cronofy):
    page = tokyo_user.get("/settings").get_data(as_text=True)
    assert '<option value="Europe/London">' in page
    assert "Now: Asia/Tokyo." in page
    assert len(cronofy.calls) == 0


def test_clearing_the_time_zone_goes_back_to_the_accounts(app, tokyo_user):
    for value in ("Europe/Paris", ""):
        tokyo_user.post(
            "/settings/time-zone", data={"time_zone": value, "csrf_token": csrf_token(tokyo_user)}
        )
    with app.app_context():
        assert db.session.scalars(select(User.time_zone)).one() is None


def test_events_created_here_are_marked_and_deletable(app, tokyo_user, cronofy):
    day = today()
    local_id = remember_event(app, summary="Made here", event_id="cc-mine")
    serve_sync(
        cronofy,
        token="access-1",
        events=created_here_and_elsewhere(day),
    )
    today_html = day_sections(dashboard(tokyo_user))["Today"]
    assert today_html.count("Created here") == 2
    assert f'href="/events/{local_id}/delete"' in today_html
    assert f'data-confirm-action="/events/{local_id}/delete"' in today_html
    assert f'href="/events/{local_id}/edit"' in today_html
    # Edit and Delete, for only the one this user's records know.
    assert today_html.count(' href="/events/') == 2


def test_a_disconnected_profile_is_flagged_with_the_relink_link(tokyo_user, cronofy):
    relink = "https://app.cronofy.com/oauth/profiles/pro_1/relink?token=abc"
    serve_sync(
        cronofy,
        token="access-1",
        profiles={
            "profiles": [
                {
                    **PROFILES["profiles"][0],
                    "profile_connected": False,
                    "profile_relink_url": relink,
                }
            ]
        },
    )
    page = dashboard(tokyo_user)
    assert "Disconnected" in page
    assert f'href="{relink}"' in page.replace("&amp;", "&")
    assert "Google no longer lets Cronofy reach this account." in page
    assert ">Reconnect</button>" not in page  # relinking is the way back


def test_a_profile_without_calendars_still_shows_its_health(tokyo_user, cronofy):
    """Its notice, without a relink link, offers Reconnect; the badge says the worst."""
    extra = {
        "provider_name": "apple",
        "profile_id": "pro_2",
        "profile_name": "ada@icloud.com",
        "profile_connected": False,
    }
    serve_sync(cronofy, token="access-1", profiles={"profiles": [*PROFILES["profiles"], extra]})
    page = dashboard(tokyo_user)
    assert "ada@icloud.com" in page
    assert "Apple no longer lets Cronofy reach this account." in page
    assert page.count(">Reconnect</button>") == 1  # without a relink link: the way back
    # The account's badge says the worst of its parts, not "Connected" beside "Disconnected".
    assert '<span class="badge badge-warning">1 of 2 accounts disconnected</span>' in page
    assert '<span class="badge badge-ok">Connected</span>' not in page


def test_features_without_their_scope_are_not_called_and_offer_a_reconnect(
    app, user_client, cronofy
):
    connect(user_client, cronofy, scope="read_account list_calendars")
    cronofy.calls.reset()
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, json=PROFILES)
    page = dashboard(user_client)
    assert "This connection was not allowed to see its events." in page
    assert 'name="scope" value="read_events"' in page
    assert all(not c.request.url.startswith(EVENTS_URL) for c in cronofy.calls)

    new_event = user_client.get("/events/new").get_data(as_text=True)
    assert "None of your connected calendars accepts new events." in new_event
    assert "was not allowed to create events." in new_event
    assert 'name="scope" value="create_event"' in new_event


def test_simplified_scopes_count_as_the_scopes_they_cover(user_client, cronofy):
    connect(user_client, cronofy, scope="read_only")
    cronofy.calls.reset()
    serve_sync(cronofy, token="access-1")
    page = dashboard(user_client)
    assert "not allowed to see its events" not in page
    assert "Nothing planned." in page


def test_a_failing_part_leaves_the_others_working(tokyo_user, cronofy):
    day = today()
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, status=503)
    cronofy.get(
        EVENTS_URL,
        json={"events": [event("Still here", cronofy_time(day, 10), cronofy_time(day, 11))]},
    )
    page = dashboard(tokyo_user)
    assert "Still here" in page
    assert "Work" in page
    assert "Its account health could not be loaded yet. Cronofy is not answering." in page
