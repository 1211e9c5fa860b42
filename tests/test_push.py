"""Push notifications into the app: the webhook, deltas into the copy, and channel upkeep."""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.cronofy.signatures import HEADER, expected_signature
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, DataSet, Snapshot
from app.sync.channels import token_fingerprint
from app.sync.tasks import CLOCK_MARGIN
from tests.conftest import mocked_cronofy_app
from tests.cronofy_data import (
    CALENDARS,
    CALENDARS_URL,
    CHANNELS_URL,
    EVENTS_URL,
    PROFILES,
    PROFILES_URL,
    REVOKE_URL,
    TOKEN_URL,
    event,
    utc_stamp,
)
from tests.helpers import (
    bearer,
    connect,
    disconnect,
    register,
    serve_sync,
    sync_copy,
    the_connection,
)

SECRET = "test-secret"  # TestingConfig's client secret: what Cronofy signs with
TOKEN = "a-channel-token-only-cronofy-knows"
PUBLIC = "https://calendar.example.com"


def body_for(kind: str, **notification: str) -> bytes:
    document = {
        "notification": {"type": kind, **notification},
        "channel": {"channel_id": "chn_1", "callback_url": f"{PUBLIC}/x", "filters": {}},
    }
    return json.dumps(document, separators=(",", ":")).encode()


def notify(client: FlaskClient, body: bytes, signature: str | None = "sign", token: str = TOKEN):
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature == "sign":
        signature = expected_signature(body, SECRET)
    if signature is not None:
        headers[HEADER] = signature
    return client.post(f"/cronofy/notifications/{token}", data=body, headers=headers)


def days_ahead(uid: str, summary: str, day: int = 1) -> dict:
    """An event `day` days from now, 10:00 to 11:00 UTC, with this uid."""
    start = (datetime.now(UTC) + timedelta(days=day)).replace(hour=10, minute=0, second=0)
    return event(summary, utc_stamp(start), utc_stamp(start + timedelta(hours=1)), event_uid=uid)


def copied_events(app: Flask) -> list[dict]:
    with app.app_context():
        row = db.session.scalars(select(Snapshot).filter_by(data_set=DataSet.EVENTS)).one()
        return row.content["events"]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app with a public URL, so Cronofy can push to it."""
    with mocked_cronofy_app(database_url, CRONOFY_NOTIFICATION_URL=PUBLIC) as app:
        yield app


@pytest.fixture
def pushed(app, user_client, cronofy, jobs, clock) -> FlaskClient:
    """A connection with its first sync done and a channel that carries TOKEN."""
    connect(user_client, cronofy)
    cronofy.post(CHANNELS_URL, json={"channel": {"channel_id": "chn_1", "callback_url": "x"}})
    sync_copy(cronofy, CALENDARS, PROFILES, [days_ahead("evt_stand_up", "Stand-up")])
    with app.app_context():
        db.session.execute(
            update(CronofyConnection).values(channel_token_hash=token_fingerprint(TOKEN))
        )
        db.session.commit()
    clock.advance(60)  # changes come after the full read
    return user_client


# ----- the webhook ---------------------------------------------------------------------------


def test_a_verification_marks_the_channel(app, pushed):
    response = notify(pushed, body_for("verification"))
    assert (response.status_code, response.data) == (200, b"")
    assert the_connection(app).channel_verified_at is not None


def test_a_change_is_read_as_a_delta_into_the_copy(app, pushed, cronofy, jobs, clock):
    """Read from where the copy is complete: when its last read began, less a margin for
    clocks (so a notification lost before this one leaves no gap)."""
    read_at = the_connection(app).changes_read_at
    assert read_at is not None
    since = utc_stamp(clock.now())
    assert notify(pushed, body_for("change", changes_since=since)).status_code == 200
    assert jobs.pending() == ["sync_connection"]
    assert len(cronofy.calls) == 0  # nothing read inside the request
    cronofy.get(
        EVENTS_URL,
        json={
            "pages": {"current": 1, "total": 1},
            "events": [
                days_ahead("evt_dentist", "Dentist", day=2),
                {**days_ahead("evt_stand_up", "Stand-up"), "deleted": True},
            ],
        },
    )
    jobs.run()
    [call] = cronofy.calls
    assert parse_qs(urlsplit(call.request.url).query) == {
        "tzid": ["Etc/UTC"],
        "last_modified": [utc_stamp(read_at - CLOCK_MARGIN)],
        "include_deleted": ["true"],
        "include_managed": ["true"],
    }
    assert [e["event_uid"] for e in copied_events(app)] == ["evt_dentist"]
    page = pushed.get("/dashboard").get_data(as_text=True)
    assert "Dentist" in page and "Stand-up" not in page
    assert len(cronofy.calls) == 1  # the page asked nobody
    row = the_connection(app)
    assert row.changes_since is None
    assert row.changes_read_at is not None and row.changes_read_at > read_at


def test_changes_are_read_from_an_earlier_changes_since(app, pushed, cronofy, jobs, clock):
    """Cronofy may say to read from before the last read: then from there, as it says."""
    earlier = utc_stamp(clock.now() - timedelta(hours=1))
    notify(pushed, body_for("change", changes_since=earlier))
    cronofy.get(EVENTS_URL, json={"pages": {}, "events": [days_ahead("evt_new", "New")]})
    jobs.run()
    [call] = cronofy.calls
    assert parse_qs(urlsplit(call.request.url).query)["last_modified"] == [earlier]
    assert [e["event_uid"] for e in copied_events(app)] == ["evt_stand_up", "evt_new"]


def test_a_change_after_a_long_silence_reads_everything(app, pushed, cronofy, jobs, clock):
    """Changes since a read older than the daily full read could be many: read it all."""
    clock.advance(2 * 86_400)
    notify(pushed, body_for("change", changes_since=utc_stamp(clock.now())))
    sync_copy(cronofy, CALENDARS, PROFILES, [days_ahead("evt_new", "From the full read", day=1)])
    assert [e["event_uid"] for e in copied_events(app)] == ["evt_new"]


def test_a_copy_whose_events_never_loaded_reads_everything(app, user_client, cronofy, jobs, clock):
    connect(user_client, cronofy)
    cronofy.post(CHANNELS_URL, json={"channel": {"channel_id": "chn_1", "callback_url": "x"}})
    serve_sync(cronofy, answers={"events": {"status": 503}})
    jobs.run()
    with app.app_context():
        db.session.execute(
            update(CronofyConnection).values(channel_token_hash=token_fingerprint(TOKEN))
        )
        db.session.commit()
    assert the_connection(app).changes_read_at is None
    notify(user_client, body_for("change", changes_since=utc_stamp(clock.now())))
    sync_copy(cronofy, CALENDARS, PROFILES, [days_ahead("evt_new", "From the full read")])
    assert [e["event_uid"] for e in copied_events(app)] == ["evt_new"]


def test_the_same_delta_twice_changes_nothing(app, pushed, cronofy, jobs, clock):
    since = utc_stamp(clock.now())
    changed = {"pages": {}, "events": [days_ahead("evt_dentist", "Dentist", day=2)]}
    for _ in range(2):
        notify(pushed, body_for("change", changes_since=since))
        cronofy.get(EVENTS_URL, json=changed)
        jobs.run()
        once = copied_events(app)
    assert once == copied_events(app)
    assert [e["event_uid"] for e in once].count("evt_dentist") == 1


def test_a_change_told_while_the_changes_are_read_is_read_too(app, pushed, cronofy, jobs, clock):
    """A later change, told while the read for an earlier one runs, may not be in that read:
    the sync keeps the mark and reads once more, a moment later."""
    notify(pushed, body_for("change", changes_since=utc_stamp(clock.now())))

    def read_while_told(request):
        later = utc_stamp(clock.now() + timedelta(seconds=5))
        assert notify(pushed, body_for("change", changes_since=later)).status_code == 200
        return 200, {}, json.dumps({"pages": {}, "events": [days_ahead("evt_first", "First")]})

    cronofy.add_callback("GET", EVENTS_URL, callback=read_while_told)
    jobs.run()
    assert the_connection(app).changes_since is not None  # still to be read
    assert jobs.pending() == [] and jobs.scheduled() == ["sync_connection"]
    cronofy.get(EVENTS_URL, json={"pages": {}, "events": [days_ahead("evt_second", "Second")]})
    jobs.run_later_ones()
    assert [call.request.url.split("?")[0] for call in cronofy.calls] == [EVENTS_URL] * 2
    uids = [e["event_uid"] for e in copied_events(app)]
    assert {"evt_first", "evt_second"} <= set(uids)
    assert the_connection(app).changes_since is None


def test_a_failed_delta_falls_back_to_a_full_read(app, pushed, cronofy, jobs, clock):
    notify(pushed, body_for("change", changes_since=utc_stamp(clock.now())))
    cronofy.get(EVENTS_URL, status=503)
    sync_copy(cronofy, CALENDARS, PROFILES, [days_ahead("evt_after", "After the outage")])
    assert [e["event_uid"] for e in copied_events(app)] == ["evt_after"]


@pytest.mark.parametrize("kind", ["profile_disconnected", "profile_initial_sync_completed"])
def test_profile_notifications_read_everything(app, pushed, cronofy, jobs, kind):
    assert notify(pushed, body_for(kind)).status_code == 200
    sync_copy(cronofy, CALENDARS, PROFILES)
    assert the_connection(app).sync_wanted_at is None


@pytest.mark.parametrize(
    "body",
    [
        body_for("gdpr_requested"),
        body_for("conferencing_profile_disconnected"),
        b"not json at all",
        b'["a list"]',
        b'{"notification": "not an object"}',
        body_for("change", changes_since="yesterday-ish"),
    ],
)
def test_unknown_or_odd_notifications_are_acknowledged(app, pushed, jobs, body):
    response = notify(pushed, body)
    assert response.status_code == 200
    # An odd change reads everything; the rest wait for nothing.
    assert jobs.pending() in ([], ["sync_connection"])


def test_replayed_and_out_of_order_changes_keep_the_earliest(app, pushed, jobs, clock):
    later = utc_stamp(clock.now())
    earlier = utc_stamp(clock.now() - timedelta(seconds=30))
    for since in (later, later, earlier, later):
        assert notify(pushed, body_for("change", changes_since=since)).status_code == 200
    assert the_connection(app).changes_since == (clock.now() - timedelta(seconds=30)).replace(
        microsecond=0
    )
    assert jobs.pending() == ["sync_connection"]  # one job for all of them


@pytest.mark.parametrize(
    "signature",
    [None, "", ",", expected_signature(b"another body", SECRET), expected_signature(b"", "x")],
)
def test_a_missing_or_wrong_signature_is_refused_and_does_nothing(app, pushed, jobs, signature):
    body = body_for("change", changes_since="2030-01-01T00:00:00Z")
    assert notify(pushed, body, signature=signature).status_code == 401
    assert jobs.pending() == []
    assert the_connection(app).changes_since is None


def test_a_previous_secret_still_verifies_while_rotating(app, pushed):
    app.config["CRONOFY_CLIENT_SECRET"] = "the-new-secret"
    body = body_for("verification")
    old = expected_signature(body, SECRET)
    assert notify(pushed, body, signature=old).status_code == 401
    app.config["CRONOFY_PREVIOUS_CLIENT_SECRET"] = SECRET
    assert notify(pushed, body, signature=old).status_code == 200
    both = f"{expected_signature(body, 'someone-else')},{old}"
    assert notify(pushed, body, signature=both).status_code == 200


def test_an_unknown_token_is_not_found(app, pushed):
    assert notify(pushed, body_for("verification"), token="not-ours").status_code == 404
    assert notify(pushed, body_for("verification"), token="x" * 500).status_code == 404


def test_an_oversized_body_is_refused(app, pushed):
    body = b'{"notification":{"type":"change"},"padding":"' + b"x" * 70_000 + b'"}'
    assert notify(pushed, body).status_code == 413


def test_a_thousand_valid_changes_are_answered_and_make_one_job(app, pushed, jobs, clock):
    body = body_for("change", changes_since=utc_stamp(clock.now()))
    statuses = {notify(pushed, body).status_code for _ in range(1000)}
    assert statuses == {200}
    assert jobs.pending() == ["sync_connection"]


def test_a_thousand_bad_signatures_make_one_log_line(app, pushed, jobs, caplog):
    body = body_for("change", changes_since="2030-01-01T00:00:00Z")
    caplog.clear()
    statuses = {notify(pushed, body, signature="forged").status_code for _ in range(1000)}
    assert statuses == {401}
    assert jobs.pending() == []
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) <= 2  # the first, and perhaps a summary of the burst before it
    assert all(r.levelno == logging.WARNING for r in refused)


# ----- channels ------------------------------------------------------------------------------


def test_connecting_makes_a_channel_whose_url_carries_a_token(app, user_client, cronofy, jobs):
    connect(user_client, cronofy)
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    cronofy.get(PROFILES_URL, json=PROFILES)
    cronofy.get(EVENTS_URL, json={"pages": {}, "events": []})
    cronofy.post(
        CHANNELS_URL,
        json={"channel": {"channel_id": "chn_new", "callback_url": "whatever"}},
        match=bearer("access-1"),
    )
    jobs.run()
    [create] = [c for c in cronofy.calls if c.request.url == CHANNELS_URL]
    url = json.loads(create.request.body)["callback_url"]
    assert url.startswith(f"{PUBLIC}/cronofy/notifications/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 40
    row = the_connection(app)
    assert (row.channel_id, row.channel_token_hash) == ("chn_new", token_fingerprint(token))
    # The URL Cronofy was given now reaches this connection; only a fingerprint is stored.
    assert notify(user_client, body_for("verification"), token=token).status_code == 200


def test_disconnecting_closes_the_channel_before_revoking(app, pushed, cronofy):
    cronofy.delete(f"{CHANNELS_URL}/chn_1", status=202)
    cronofy.post(REVOKE_URL, status=200)
    cronofy.calls.reset()
    disconnect(pushed, the_connection(app).id)
    assert [(c.request.method, c.request.url) for c in cronofy.calls] == [
        ("DELETE", f"{CHANNELS_URL}/chn_1"),
        ("POST", REVOKE_URL),
    ]


def test_a_channel_cronofy_closed_is_made_again(app, pushed, cronofy, jobs):
    from app.sync import tasks

    cronofy.get(CHANNELS_URL, json={"channels": []})
    cronofy.post(CHANNELS_URL, json={"channel": {"channel_id": "chn_2", "callback_url": "x"}})
    with app.app_context():
        tasks.check_channels.call_local()
    jobs.run()
    row = the_connection(app)
    assert row.channel_id == "chn_2" and row.channel_token_hash != token_fingerprint(TOKEN)


def test_access_revoked_at_cronofy_is_noticed_by_the_hourly_check(app, pushed, cronofy, jobs):
    """A pushed copy is never too old for a page to refresh it, and Cronofy sends nothing
    when a person revokes access: the channel check is what finds out, within the hour."""
    from app.sync import tasks

    cronofy.get(CHANNELS_URL, status=401)
    cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with app.app_context():
        tasks.check_channels.call_local()
    jobs.run()
    assert the_connection(app).status is ConnectionStatus.NEEDS_RECONNECT
    with app.app_context():  # what was copied through it is gone, as the page says
        assert [s.data for s in db.session.scalars(select(Snapshot))] == [None, None, None]
    page = pushed.get("/dashboard").get_data(as_text=True)
    assert "Needs reconnecting" in page and "Stand-up" not in page
    assert "its copied calendar data was removed" in page


def test_an_open_channel_at_this_url_is_left_alone(app, pushed, cronofy, jobs):
    from app.sync import tasks

    here = f"{PUBLIC}/cronofy/notifications/{TOKEN}"
    cronofy.get(CHANNELS_URL, json={"channels": [{"channel_id": "chn_1", "callback_url": here}]})
    cronofy.calls.reset()
    with app.app_context():
        tasks.check_channels.call_local()
    jobs.run()
    assert [c.request.method for c in cronofy.calls] == ["GET"]
    assert the_connection(app).channel_id == "chn_1"


def test_a_channel_at_an_old_url_is_moved(app, pushed, cronofy, jobs):
    """The notification URL changed (a new domain, a restarted tunnel): close, then remake."""
    from app.sync import tasks

    old = f"https://old-tunnel.example/cronofy/notifications/{TOKEN}"
    cronofy.get(CHANNELS_URL, json={"channels": [{"channel_id": "chn_1", "callback_url": old}]})
    cronofy.delete(f"{CHANNELS_URL}/chn_1", status=202)
    made = cronofy.post(
        CHANNELS_URL, json={"channel": {"channel_id": "chn_2", "callback_url": "x"}}
    )
    cronofy.calls.reset()
    with app.app_context():
        tasks.check_channels.call_local()
    jobs.run()
    assert [c.request.method for c in cronofy.calls] == ["GET", "DELETE", "POST"]
    callback = json.loads(made.calls[-1].request.body)["callback_url"]
    assert callback.startswith(f"{PUBLIC}/cronofy/notifications/")
    row = the_connection(app)
    assert row.channel_id == "chn_2" and row.channel_verified_at is None
    assert row.channel_token_hash == token_fingerprint(callback.rsplit("/", 1)[1])


@pytest.mark.parametrize(
    "settings",
    [
        {"CRONOFY_NOTIFICATION_URL": None},  # nowhere to send them
        {"CRONOFY_NOTIFICATION_URL": "http://127.0.0.1:5000"},  # real Cronofy cannot reach it
        {"CRONOFY_NOTIFICATION_URL": "http://localhost:5000"},
        {"CRONOFY_NOTIFICATION_URL": "http://10.0.0.7"},
    ],
)
def test_without_a_reachable_url_no_channel_is_made(database_url, cronofy, settings):
    with mocked_cronofy_app(database_url, **settings) as app:
        client = app.test_client()
        register(client)
        connect(client, cronofy)
        sync_copy(cronofy, CALENDARS, PROFILES)  # would fail on an unexpected channel call
        assert the_connection(app).channel_id is None
