"""Editing an event this app created: the form starts from the event as it is, and saving
sends the whole event again with the same `event_id` (Cronofy has no partial update)."""

from datetime import UTC, datetime, timedelta

import pytest
from responses import matchers

from app.models import ManagedEvent, Snapshot
from tests.cronofy_data import CALENDARS, TOKEN_URL, TZ, WORK_EVENTS_URL, event
from tests.helpers import bearer, flashed, post_form, register, remember_event, rows, sync_copy
from tests.pages import field_errors, parse_forms

START = datetime(2027, 3, 2, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo


def edit_fields(page: str) -> dict[str, str]:
    """What the edit form holds (the page's other forms are the header's)."""
    [form] = [f for f in parse_forms(page) if "summary" in f.fields]
    return form.fields


def remembered(app, **changes) -> int:
    """An event created here, recorded with its end and description."""
    recorded = {
        "summary": "Planning",
        "event_id": "cc-planning",
        "starts_at": START,
        "ends_at": START + timedelta(minutes=45),
        "description": "Quarterly plans",
    }
    recorded.update(changes)
    return remember_event(app, **recorded)


def save(client, event_id: int, **changes: str):
    """Press Save on the edit form with these values (the rest as a person might leave them)."""
    fields = {
        "summary": "Planning again",
        "start_date": "2027-03-02",
        "start_time": "11:00",
        "duration": "45",
    }
    return post_form(client, f"/events/{event_id}/edit", **{**fields, **changes})


def test_the_form_starts_from_what_was_recorded(app, tokyo_user_with_calendars):
    """Outside the copy's window, the record is all there is."""
    event_id = remembered(app)
    page = tokyo_user_with_calendars.get(f"/events/{event_id}/edit")
    assert page.status_code == 200
    fields = edit_fields(page.get_data(as_text=True))
    assert (fields["summary"], fields["description"]) == ("Planning", "Quarterly plans")
    assert (fields["start_date"], fields["start_time"], fields["duration"]) == (
        "2027-03-02",
        "10:30",
        "45",
    )
    assert "Times are in Asia/Tokyo." in page.get_data(as_text=True)


def test_an_event_recorded_before_ends_were_kept_offers_half_an_hour(
    app, tokyo_user_with_calendars
):
    event_id = remembered(app, ends_at=None, description=None)
    fields = edit_fields(
        tokyo_user_with_calendars.get(f"/events/{event_id}/edit").get_data(as_text=True)
    )
    assert (fields["description"], fields["duration"]) == ("", "30")


def test_the_form_starts_from_the_copy_when_it_has_the_event(app, tokyo_user, cronofy):
    """Changed at the provider (moved, retitled, a length not in the list): that is kept."""
    moved = START + timedelta(days=1)
    sync_copy(
        cronofy,
        CALENDARS,
        events=[
            event(
                "Planning (moved)",
                moved.strftime("%Y-%m-%dT%H:%M:%SZ"),
                (moved + timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                event_id="cc-planning",
            )
        ],
    )
    event_id = remembered(app)
    page = tokyo_user.get(f"/events/{event_id}/edit").get_data(as_text=True)
    fields = edit_fields(page)
    assert (fields["summary"], fields["start_date"], fields["start_time"]) == (
        "Planning (moved)",
        "2027-03-03",
        "10:30",
    )
    assert fields["duration"] == "50" and ">50 minutes</option>" in page


def test_saving_upserts_the_whole_event_once_with_the_same_id(
    app, tokyo_user_with_calendars, cronofy
):
    event_id = remembered(app)
    upsert = cronofy.post(
        WORK_EVENTS_URL,
        status=202,
        body="",
        match=[
            *bearer("access-1"),
            matchers.json_params_matcher(
                {
                    "event_id": "cc-planning",
                    "summary": "Planning, with Sam",
                    "description": "",
                    "start": "2027-03-02T02:00:00Z",
                    "end": "2027-03-02T03:30:00Z",
                    "tzid": TZ,
                }
            ),
        ],
    )
    cronofy.calls.reset()
    response = save(
        tokyo_user_with_calendars,
        event_id,
        summary="Planning, with Sam",
        description="",
        duration="90",
    )
    assert (response.status_code, response.headers["Location"]) == (302, "/events/")
    assert upsert.call_count == 1 and len(cronofy.calls) == 1
    assert flashed(tokyo_user_with_calendars) == [("success", "Saved “Planning, with Sam”.")]
    [record] = rows(app, ManagedEvent)
    assert (record.summary, record.starts_at, record.ends_at) == (
        "Planning, with Sam",
        START + timedelta(minutes=30),
        START + timedelta(minutes=120),
    )
    # The copy shows the change at once, before any sync.
    copied = [s.content for s in rows(app, Snapshot) if s.content and "events" in s.content]
    [changed] = [e for c in copied for e in c["events"] if e.get("event_id") == "cc-planning"]
    assert (changed["summary"], changed["start"]) == ("Planning, with Sam", "2027-03-02T02:00:00Z")


def test_cronofys_field_errors_are_shown_by_the_fields_and_nothing_changes(
    app, tokyo_user_with_calendars, cronofy
):
    event_id = remembered(app)
    errors = {"errors": {"summary": [{"key": "errors.too_long", "description": "is too long"}]}}
    cronofy.post(WORK_EVENTS_URL, status=422, json=errors)
    response = save(tokyo_user_with_calendars, event_id)
    assert response.status_code == 422
    assert "is too long" in (field_errors(response.get_data(as_text=True), "summary") or "")
    assert rows(app, ManagedEvent)[0].summary == "Planning"


@pytest.mark.parametrize(("status", "expected"), [(503, 503), (401, 409)])
def test_cronofy_failing_keeps_the_event_as_it_was(
    app, tokyo_user_with_calendars, cronofy, status, expected
):
    event_id = remembered(app)
    cronofy.post(WORK_EVENTS_URL, status=status)
    if status == 401:  # and the refresh is refused: the access ended
        cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    response = save(tokyo_user_with_calendars, event_id)
    assert response.status_code == expected
    assert rows(app, ManagedEvent)[0].summary == "Planning"


def test_someone_elses_event_is_not_found(app, tokyo_user_with_calendars):
    event_id = remembered(app)
    client = app.test_client()
    register(client, "mallory@example.com")
    assert client.get(f"/events/{event_id}/edit").status_code == 404
    response = post_form(client, f"/events/{event_id}/edit", summary="Mine now")
    assert response.status_code == 404
    assert rows(app, ManagedEvent)[0].summary == "Planning"


def test_the_events_you_created_list_links_to_edit(app, tokyo_user_with_calendars):
    event_id = remembered(app)
    page = tokyo_user_with_calendars.get("/events/").get_data(as_text=True)
    assert f'href="/events/{event_id}/edit" aria-label="Edit Planning"' in page
