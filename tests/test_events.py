"""Creating an event in a connected calendar, and deleting the events this app created."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import update

from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, ManagedEvent
from tests.cronofy_data import REVOKE_URL, TOKEN_URL, TZ, WORK_EVENTS_URL
from tests.helpers import (
    connect,
    connection_id,
    csrf_token,
    disconnect,
    flashed,
    forget_flashes,
    post_form,
    register,
    remember_event,
    rows,
    the_connection,
)
from tests.pages import agenda_summaries, field_errors


def managed_events(app) -> list[ManagedEvent]:
    return rows(app, ManagedEvent)


def new_event(client, app, cronofy, **changes):
    """Submit the new-event form (its calendars come from the local copy)."""
    data = {
        "calendar": f"{connection_id(app)}:cal_work",
        "summary": "Planning",
        "description": "Quarterly plans",
        "start_date": "2026-12-01",
        "start_time": "09:30",
        "duration": "45",
        # A fixed date, so whether it is past depends on the day: asked once (tested below).
        "past_confirmed": "yes",
        "csrf_token": csrf_token(client),
    }
    data.update(changes)
    return client.post("/events/new", data=data)


def upserts(cronofy) -> list:
    return [c for c in cronofy.calls if c.request.method == "POST"]


def test_the_form_offers_writable_calendars_only(app, tokyo_user_with_calendars, cronofy):
    page = tokyo_user_with_calendars.get("/events/new").get_data(as_text=True)
    assert f'value="{connection_id(app)}:cal_work"' in page
    assert "cal_holidays" not in page  # read-only
    assert '<optgroup label="ada@example.com">' in page
    assert "Times are in Asia/Tokyo." in page


def test_the_form_reads_its_calendars_without_building_the_agenda(
    app, tokyo_user_with_calendars, cronofy, monkeypatch
):
    def no_agenda(*args, **kwargs):
        raise AssertionError("the agenda was built")

    monkeypatch.setattr("app.dashboard.overview.agenda_events", no_agenda)
    page = tokyo_user_with_calendars.get("/events/new").get_data(as_text=True)
    assert f'value="{connection_id(app)}:cal_work"' in page
    cronofy.post(WORK_EVENTS_URL, status=202, body="")
    assert new_event(tokyo_user_with_calendars, app, cronofy).status_code == 302
    assert "Work · ada@" in tokyo_user_with_calendars.get("/events/").get_data(as_text=True)
    assert (
        tokyo_user_with_calendars.get("/dashboard").status_code == 500
    )  # the dashboard does build it


def test_creating_an_event_upserts_it_and_remembers_it(app, tokyo_user_with_calendars, cronofy):
    cronofy.post(WORK_EVENTS_URL, status=202, body="")
    response = new_event(tokyo_user_with_calendars, app, cronofy)
    assert response.status_code == 302
    assert response.location == "/dashboard"

    [call] = upserts(cronofy)
    assert call.request.headers["Authorization"] == "Bearer access-1"
    body = json.loads(call.request.body)
    assert re.fullmatch(r"cc-[0-9a-f]{32}", body.pop("event_id"))
    # 09:30 in Tokyo is 00:30 UTC; 45 minutes later is 01:15.
    assert body == {
        "summary": "Planning",
        "description": "Quarterly plans",
        "start": "2026-12-01T00:30:00Z",
        "end": "2026-12-01T01:15:00Z",
        "tzid": TZ,
    }
    [event] = managed_events(app)
    assert (event.calendar_id, event.summary) == ("cal_work", "Planning")
    assert event.event_id == json.loads(call.request.body)["event_id"]
    assert event.starts_at == datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert ("success", "Created “Planning”.") in flashed(tokyo_user_with_calendars)


def test_cronofys_field_errors_are_shown_next_to_the_fields(
    app, tokyo_user_with_calendars, cronofy
):
    cronofy.post(
        WORK_EVENTS_URL,
        status=422,
        json={
            "errors": {
                "summary": [{"key": "errors.invalid", "description": "contains forbidden text"}],
                "end": [{"key": "errors.invalid", "description": "must be after start"}],
                "location": [{"key": "errors.invalid", "description": "unknown place"}],
            }
        },
    )
    response = new_event(tokyo_user_with_calendars, app, cronofy)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Cronofy: contains forbidden text" in field_errors(page, "summary")
    assert "Cronofy: must be after start" in field_errors(page, "duration")
    assert "Cronofy: unknown place" in page  # a field the form lacks: shown above it
    assert 'value="Planning"' in page  # what the user typed is kept
    assert managed_events(app) == []


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        ({"status": 503}, "Cronofy is not answering right now."),
        ({"body": requests.ReadTimeout("slow")}, "Cronofy is not answering right now."),
        ({"status": 403}, "This connection was not granted the permission this needs."),
        ({"status": 404}, "Cronofy could not find that calendar or item."),
    ],
)
def test_a_failed_upsert_keeps_nothing_and_says_why(
    app, tokyo_user_with_calendars, cronofy, mock, message
):
    cronofy.post(WORK_EVENTS_URL, **mock)
    response = new_event(tokyo_user_with_calendars, app, cronofy)
    assert response.status_code == 503
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert managed_events(app) == []


def test_access_found_ended_while_creating_offers_the_way_back(
    app, tokyo_user_with_calendars, cronofy
):
    """Revoked at Cronofy: the upsert's 401, then a refused refresh. Nothing is kept, and the
    page offers Reconnect instead of a form whose calendars cannot take the event."""
    cronofy.post(WORK_EVENTS_URL, status=401)
    cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    response = new_event(tokyo_user_with_calendars, app, cronofy)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "None of your connected calendars accepts new events." in page
    assert ">Reconnect ada@example.com</button>" in page
    assert managed_events(app) == []
    assert the_connection(app).status is ConnectionStatus.NEEDS_RECONNECT


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"summary": ""}, "summary", "This field is required."),
        ({"summary": "x" * 1025}, "summary", "Field cannot be longer than 1024 characters."),
        ({"description": "x" * 4097}, "description", "cannot be longer than 4096"),
        ({"start_date": "31/12/2026"}, "start_date", "Not a valid date value."),
        ({"start_time": "25:00"}, "start_time", "Not a valid time value."),
        ({"duration": "7"}, "duration", "Not a valid choice."),
        ({"calendar": "999:cal_work"}, "calendar", "Not a valid choice."),
        ({"calendar": "1:cal_holidays"}, "calendar", "Not a valid choice."),
    ],
)
def test_invalid_input_is_refused_before_calling_cronofy(
    app, tokyo_user_with_calendars, cronofy, changes, field, message
):
    response = new_event(tokyo_user_with_calendars, app, cronofy, **changes)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), field)
    assert errors and message in errors
    assert upserts(cronofy) == []


def test_the_new_event_form_needs_csrf(app, tokyo_user_with_calendars, cronofy):
    response = tokyo_user_with_calendars.post("/events/new", data={"summary": "Planning"})
    assert response.status_code == 400
    assert upserts(cronofy) == []


def test_without_connections_the_form_says_to_connect_first(user_client):
    page = user_client.get("/events/new").get_data(as_text=True)
    assert "Connect a calendar first" in page


def test_a_connection_that_needs_reconnecting_is_offered_a_reconnect(
    app, tokyo_user_with_calendars
):
    """Its calendars are gone from the form; the page says why and how to get them back."""
    with app.app_context():
        db.session.execute(
            update(CronofyConnection).values(status=ConnectionStatus.NEEDS_RECONNECT)
        )
        db.session.commit()
    page = tokyo_user_with_calendars.get("/events/new").get_data(as_text=True)
    assert "None of your connected calendars accepts new events." in page
    assert "ada@example.com: Cronofy no longer gives this app access" in page
    assert page.count('action="/auth/cronofy/connect"') == 2
    assert ">Reconnect ada@example.com</button>" in page
    assert ">Connect another calendar</button>" in page


def delete(client, event_id: int):
    return post_form(client, f"/events/{event_id}/delete")


def test_deleting_an_event_deletes_it_at_cronofy_and_here(app, tokyo_user_with_calendars, cronofy):
    event_id = remember_event(app)
    cronofy.delete(WORK_EVENTS_URL, status=202, body="")
    response = delete(tokyo_user_with_calendars, event_id)
    assert response.status_code == 302
    assert response.location == "/dashboard"
    [call] = [c for c in cronofy.calls if c.request.method == "DELETE"]
    assert json.loads(call.request.body) == {"event_id": "cc-0123"}
    assert call.request.headers["Authorization"] == "Bearer access-1"
    assert managed_events(app) == []
    assert ("success", "Deleted “Planning”.") in flashed(tokyo_user_with_calendars)


def test_deleting_asks_first_naming_the_event(app, tokyo_user_with_calendars, cronofy):
    """A GET is the question (for browsers without JavaScript), never the act."""
    event_id = remember_event(app)
    page = tokyo_user_with_calendars.get(f"/events/{event_id}/delete")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>Delete “Planning”?</h1>" in text
    assert "cannot be undone." in text
    assert f'<form method="post" action="/events/{event_id}/delete"' in text
    assert [c for c in cronofy.calls if c.request.method == "DELETE"] == []
    assert len(managed_events(app)) == 1


def test_a_title_with_markup_is_only_text_in_the_question(app, tokyo_user_with_calendars, cronofy):
    event_id = remember_event(app)
    with app.app_context():
        db.session.get(ManagedEvent, event_id).summary = '<img src=x onerror="alert(1)">'
        db.session.commit()
    text = tokyo_user_with_calendars.get(f"/events/{event_id}/delete").get_data(as_text=True)
    assert "<img src=x" not in text and "&lt;img src=x" in text


def test_deleting_an_unknown_event_is_a_404(app, tokyo_user_with_calendars, cronofy):
    assert tokyo_user_with_calendars.get("/events/424242/delete").status_code == 404
    assert delete(tokyo_user_with_calendars, 424242).status_code == 404
    assert [c for c in cronofy.calls if c.request.method == "DELETE"] == []


def test_another_users_event_cannot_be_deleted(app, tokyo_user_with_calendars, cronofy):
    event_id = remember_event(app)
    intruder = app.test_client()
    register(intruder, email="intruder@example.com")
    assert intruder.get(f"/events/{event_id}/delete").status_code == 404
    assert delete(intruder, event_id).status_code == 404
    assert len(managed_events(app)) == 1


def test_an_event_already_gone_at_cronofy_is_forgotten_here(
    app, tokyo_user_with_calendars, cronofy
):
    event_id = remember_event(app)
    cronofy.delete(WORK_EVENTS_URL, status=404, json={"error": "not_found"})
    delete(tokyo_user_with_calendars, event_id)
    assert managed_events(app) == []
    assert ("success", "“Planning” was already gone from its calendar.") in flashed(
        tokyo_user_with_calendars
    )


@pytest.mark.parametrize("mock", [{"status": 503}, {"body": requests.ConnectionError("down")}])
def test_a_failed_delete_keeps_the_record(app, tokyo_user_with_calendars, cronofy, mock):
    event_id = remember_event(app)
    cronofy.delete(WORK_EVENTS_URL, **mock)
    delete(tokyo_user_with_calendars, event_id)
    assert len(managed_events(app)) == 1
    [(category, message)] = flashed(tokyo_user_with_calendars)
    assert category == "error"
    assert message.startswith("“Planning” was not deleted. Cronofy is not answering")


def test_delete_needs_post_and_csrf(app, tokyo_user_with_calendars):
    event_id = remember_event(app)
    assert tokyo_user_with_calendars.post(f"/events/{event_id}/delete").status_code == 400
    assert len(managed_events(app)) == 1


def test_delete_without_the_scope_is_refused_with_a_way_forward(app, user_client, cronofy):
    connect(user_client, cronofy, scope="read_account list_calendars create_event")
    event_id = remember_event(app)
    cronofy.calls.reset()
    forget_flashes(user_client)
    delete(user_client, event_id)
    assert [call.request.url for call in cronofy.calls] == []
    assert len(managed_events(app)) == 1
    [(category, message)] = flashed(user_client)
    assert category == "error"
    assert "not allowed to delete events" in message


def test_disconnecting_forgets_that_connections_events(app, tokyo_user_with_calendars, cronofy):
    remember_event(app)
    cronofy.post(REVOKE_URL, body="")
    disconnect(tokyo_user_with_calendars, connection_id(app))
    assert managed_events(app) == []


def test_a_created_event_shows_at_once_from_the_copy_and_a_deleted_one_goes(
    app, tokyo_user_with_calendars, cronofy, clock
):
    tomorrow = (datetime.now(ZoneInfo(TZ)) + timedelta(days=1)).date().isoformat()
    cronofy.post(WORK_EVENTS_URL, status=202, body="")
    new_event(tokyo_user_with_calendars, app, cronofy, start_date=tomorrow, summary="Planned here")
    page = tokyo_user_with_calendars.get("/dashboard").get_data(as_text=True)
    assert agenda_summaries(page).count("Planned here") == 1
    assert "Created here" in page
    assert [c.request.method for c in cronofy.calls] == ["POST"]  # the upsert, nothing else

    cronofy.delete(WORK_EVENTS_URL, status=202, body="")
    [event] = managed_events(app)
    delete(tokyo_user_with_calendars, event.id)
    page = tokyo_user_with_calendars.get("/dashboard").get_data(as_text=True)
    assert "Deleted “Planned here”." in page
    assert "Planned here" not in agenda_summaries(page)
    assert [c.request.method for c in cronofy.calls] == ["POST", "DELETE"]


def test_events_created_here_are_listed_whatever_their_date(
    app, tokyo_user_with_calendars, cronofy, clock
):
    """The agenda shows seven days; this list shows every event created here, to delete."""
    for n, (summary, days) in enumerate([("Next spring", 120), ("Last month", -30)]):
        remember_event(app, summary, f"cc-{n}", clock.now() + timedelta(days=days))
    intruder = app.test_client()
    register(intruder, email="intruder@example.com")
    assert "Next spring" not in intruder.get("/events/").get_data(as_text=True)

    page = tokyo_user_with_calendars.get("/events/").get_data(as_text=True)
    assert page.index("Last month") < page.index("Next spring")  # oldest first
    assert page.count('data-confirm-question="Delete') == 2
    assert "Past</span>" in page.split("Last month")[0].rsplit("<li>", 1)[-1]
    assert "Work · ada@<wbr>example.<wbr>com" in page
    assert len(cronofy.calls) == 0  # from the local copy and records only
    assert 'href="/events/"' in tokyo_user_with_calendars.get("/dashboard").get_data(as_text=True)


def test_a_start_in_the_past_is_asked_about_once(app, tokyo_user_with_calendars, cronofy, clock):
    """Most likely a slip: the form says so, keeps what was typed, and creates it only when
    the person presses on."""
    yesterday = (clock.now().astimezone(ZoneInfo(TZ)) - timedelta(days=1)).date().isoformat()
    page = new_event(
        tokyo_user_with_calendars, app, cronofy, start_date=yesterday, past_confirmed=""
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "is in the past." in text
    assert ">Create it anyway</button>" in text
    assert 'name="past_confirmed" type="hidden" value="yes"' in text
    assert upserts(cronofy) == [] and managed_events(app) == []

    cronofy.post(WORK_EVENTS_URL, status=202, body="")
    created = new_event(
        tokyo_user_with_calendars, app, cronofy, start_date=yesterday, past_confirmed="yes"
    )
    assert created.status_code == 302
    assert len(upserts(cronofy)) == 1 and len(managed_events(app)) == 1


def test_a_start_in_the_future_is_not_asked_about(app, tokyo_user_with_calendars, cronofy, clock):
    tomorrow = (clock.now().astimezone(ZoneInfo(TZ)) + timedelta(days=1)).date().isoformat()
    cronofy.post(WORK_EVENTS_URL, status=202, body="")
    response = new_event(
        tokyo_user_with_calendars, app, cronofy, start_date=tomorrow, past_confirmed=""
    )
    assert response.status_code == 302
