"""The local copy and the background work that keeps it: nudges, leases, the sweep, outages.

Tasks wait in the app's in-memory queue until a test runs them (`jobs`), as a worker would.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection, DataSet, Snapshot
from app.sync import tasks
from app.sync.queue import huey
from tests.cronofy_data import (
    CALENDARS,
    CALENDARS_URL,
    EVENTS_URL,
    PROFILES,
    PROFILES_URL,
    REVOKE_URL,
    TOKEN_URL,
)
from tests.helpers import connect, connection_id, disconnect, rows, serve_sync, the_connection

READS = (CALENDARS_URL, PROFILES_URL, EVENTS_URL)


def reads(cronofy) -> list[str]:
    return [c.request.url.split("?")[0] for c in cronofy.calls if c.request.method == "GET"]


def snapshots(app) -> dict[DataSet, Snapshot]:
    return {row.data_set: row for row in rows(app, Snapshot)}


def nudge(app, times: int = 1) -> None:
    """Ask for a sync of the one connection, `times` times, as pages and notices do."""
    only = connection_id(app)
    with app.app_context():
        for _ in range(times):
            tasks.request_sync([only])


def test_connecting_asks_for_a_first_sync_and_the_page_says_so(app, user_client, cronofy, jobs):
    connect(user_client, cronofy)
    assert jobs.pending() == ["sync_connection"]
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Syncing your calendars… This page updates by" in page
    assert " data-syncing" in page
    assert "Nothing planned." not in page  # an unknown day is never shown as free
    assert "Loading events…" in page
    assert jobs.pending() == ["sync_connection"]  # the page did not ask again
    version = user_client.get("/dashboard/copy-version").get_json()
    assert version["syncing"] is True

    serve_sync(cronofy)
    assert jobs.run() == 1
    after = user_client.get("/dashboard/copy-version").get_json()
    assert (after["syncing"], after["version"] != version["version"]) == (False, True)
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Syncing your calendars" not in page and " data-syncing" not in page
    assert "Work" in page and "Nothing planned." in page


def test_a_hundred_nudges_make_one_sync(app, synced_user, cronofy, jobs):
    nudge(app, 100)
    assert jobs.pending() == ["sync_connection"]  # one message: the mark says the rest
    serve_sync(cronofy)
    jobs.run()
    assert sorted(reads(cronofy)) == sorted(READS)  # one sync: one read of each


def test_nudges_during_a_sync_make_exactly_one_more(app, synced_user, cronofy, jobs):
    nudge(app)

    def calendars_while_nudged(request):
        nudge(app, 50)  # people keep asking while the sync is running
        return 200, {}, '{"calendars": []}'

    cronofy.add_callback("GET", CALENDARS_URL, callback=calendars_while_nudged)
    serve_sync(cronofy)
    cronofy.get(PROFILES_URL, json=PROFILES)
    cronofy.get(EVENTS_URL, json={"events": []})
    jobs.run()
    assert sorted(reads(cronofy)) == sorted(READS)
    assert jobs.scheduled() == ["sync_connection"]  # a moment later, whatever the nudges
    jobs.run_later_ones()
    assert sorted(reads(cronofy)) == sorted(READS * 2)
    assert the_connection(app).sync_wanted_at is None
    assert jobs.scheduled() == []


def test_a_sync_running_elsewhere_is_not_doubled(app, synced_user, cronofy, jobs, clock):
    with app.app_context():
        db.session.execute(
            update(CronofyConnection).values(sync_lease_until=clock.now() + timedelta(minutes=1))
        )
        db.session.commit()
    nudge(app)
    jobs.run()
    assert reads(cronofy) == []  # the other sync holds the lease and will see the mark
    assert the_connection(app).sync_wanted_at is not None


def test_a_lost_job_costs_a_delay_not_the_sync(app, synced_user, cronofy, jobs):
    nudge(app)
    huey.storage.flush_queue()  # a dropped message, a flushed queue, a restart
    assert jobs.pending() == []
    with app.app_context():
        tasks.sweep.call_local()  # what runs every minute
    serve_sync(cronofy)
    jobs.run()
    assert sorted(reads(cronofy)) == sorted(READS)


def test_a_worker_killed_mid_sync_is_taken_over_when_its_lease_runs_out(
    app, synced_user, cronofy, jobs, clock
):
    nudge(app)
    huey.storage.flush_queue()
    with app.app_context():  # the dead worker's lease, still held
        db.session.execute(
            update(CronofyConnection).values(sync_lease_until=clock.now() + timedelta(seconds=60))
        )
        db.session.commit()
        tasks.sweep.call_local()
    assert jobs.pending() == []  # not while the lease holds
    clock.advance(61)
    with app.app_context():
        tasks.sweep.call_local()
    serve_sync(cronofy)
    jobs.run()
    assert sorted(reads(cronofy)) == sorted(READS)
    assert the_connection(app).sync_lease_until is None


def test_every_connection_is_read_in_full_once_a_day(app, synced_user, cronofy, jobs, clock):
    with app.app_context():
        tasks.sweep.call_local()
    assert jobs.pending() == []  # read a moment ago
    clock.advance(24 * 3600 + 1)
    with app.app_context():
        tasks.sweep.call_local()
    serve_sync(cronofy)
    jobs.run()
    assert sorted(reads(cronofy)) == sorted(READS)
    assert the_connection(app).full_synced_at == clock.now()


def test_a_stale_copy_is_shown_as_it_is_and_refreshed_in_the_background(
    app, synced_user, cronofy, jobs, clock
):
    clock.advance(301)  # older than CRONOFY_SYNC_MAX_AGE
    page = synced_user.get("/dashboard").get_data(as_text=True)
    assert "Work" in page  # shown meanwhile
    assert jobs.pending() == ["sync_connection"]
    assert len(cronofy.calls) == 0  # the page itself asked nobody
    synced_user.get("/dashboard")
    assert jobs.pending() == ["sync_connection"]  # asked once, not per view


def test_an_outage_keeps_the_last_known_data_with_the_reason(
    app, synced_user, cronofy, jobs, clock
):
    clock.advance(301)
    synced_user.get("/dashboard")
    for url in READS:
        cronofy.get(url, status=503)
    jobs.run()
    page = synced_user.get("/dashboard").get_data(as_text=True)
    london = ZoneInfo("Europe/London")  # the connected account's zone, which the page uses
    as_of = (clock.now() - timedelta(seconds=301)).astimezone(london).strftime("%H:%M")
    # One notice for the one cause, naming every part it touched.
    assert page.count("Cronofy is not answering.") == 1
    assert f"Showing its calendars, account health and events as of {as_of}" in page
    assert "Cronofy is not answering." in page
    assert "Work" in page and "Team holidays" in page
    assert "Nothing planned." in page  # the events were known, and there were none
    # The failure is not retried on every view: the next attempt waits a minute.
    synced_user.get("/dashboard")
    assert jobs.pending() == []
    clock.advance(61)
    synced_user.get("/dashboard")
    assert jobs.pending() == ["sync_connection"]


def test_events_never_loaded_are_not_shown_as_free_days(app, user_client, cronofy, jobs):
    connect(user_client, cronofy)
    serve_sync(cronofy, answers={"events": {"status": 503}})
    jobs.run()
    page = user_client.get("/dashboard").get_data(as_text=True)
    assert "Its events could not be loaded yet. Cronofy is not answering." in page
    assert page.count("Events for this day could not be loaded yet: the") == 7
    assert "Nothing planned." not in page
    assert "Work" in page  # the calendars did load


def test_an_ended_authorization_drops_the_copied_data_and_keeps_the_row(
    app, synced_user, cronofy, jobs, clock
):
    clock.advance(3600)  # the access token has expired: the sync refreshes first
    cronofy.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    nudge(app)
    jobs.run()
    row = the_connection(app)
    assert row.status is ConnectionStatus.NEEDS_RECONNECT
    assert all(s.data is None and s.synced_at is None for s in snapshots(app).values())
    page = synced_user.get("/dashboard").get_data(as_text=True)
    assert "its copied calendar data was removed" in page
    assert "Reconnect" in page
    assert "Work" not in page and "Team holidays" not in page
    synced_user.get("/dashboard")
    assert jobs.pending() == []  # nothing to read with until the user reconnects


def test_a_profile_that_lost_its_credentials_keeps_its_data(
    app, synced_user, cronofy, jobs, clock
):
    clock.advance(301)
    synced_user.get("/dashboard")
    lost = {"profiles": [{**PROFILES["profiles"][0], "profile_connected": False}]}
    serve_sync(cronofy, profiles=lost)
    jobs.run()
    page = synced_user.get("/dashboard").get_data(as_text=True)
    assert "Disconnected" in page
    assert "Work" in page  # its calendars stay on show


def test_a_rate_limited_sync_comes_back_when_cronofy_says(app, synced_user, cronofy, jobs):
    nudge(app)
    serve_sync(cronofy, answers={"calendars": {"status": 429, "headers": {"Retry-After": "17"}}})
    jobs.run()
    assert the_connection(app).sync_wanted_at is not None  # still wanted
    assert jobs.pending() == []
    [scheduled] = huey.scheduled()
    assert scheduled.name == "sync_connection"
    eta = scheduled.eta.replace(tzinfo=UTC) if scheduled.eta.tzinfo is None else scheduled.eta
    assert timedelta(seconds=15) < eta - datetime.now(UTC) <= timedelta(seconds=17)


def test_disconnecting_deletes_the_copied_data(app, synced_user, cronofy, jobs):
    assert len(snapshots(app)) == 3
    cronofy.post(REVOKE_URL, status=200)
    disconnect(synced_user, the_connection(app).id)
    assert snapshots(app) == {}


def test_the_new_event_page_says_the_calendars_are_on_their_way(app, user_client, cronofy, jobs):
    connect(user_client, cronofy)
    cronofy.calls.reset()  # the code exchange and the account's time zone
    page = user_client.get("/events/new").get_data(as_text=True)
    assert "Your calendars are still arriving from Cronofy." in page
    assert "None of your connected calendars accepts new events." not in page
    assert len(cronofy.calls) == 0


def test_a_connection_without_some_scopes_is_not_read_again_every_minute(
    app, user_client, cronofy, jobs, clock
):
    connect(user_client, cronofy, scope="list_calendars")
    cronofy.calls.reset()
    cronofy.get(CALENDARS_URL, json=CALENDARS)
    jobs.run()
    clock.advance(120)
    with app.app_context():
        tasks.sweep.call_local()
    assert jobs.pending() == []  # profiles and events were not granted: nothing is due


def test_the_pages_version_and_the_polled_one_agree(app, synced_user, cronofy, jobs, clock):
    """Else the open dashboard would fetch itself again and again."""
    for _ in range(2):
        page = synced_user.get("/dashboard").get_data(as_text=True)
        shown = re.search(r'data-copy-version="([0-9a-f]+)"', page).group(1)
        assert synced_user.get("/dashboard/copy-version").get_json() == {
            "version": shown,
            "syncing": False,
        }
        clock.advance(301)
        synced_user.get("/dashboard")
        for url in READS:
            cronofy.get(url, status=503)
        jobs.run()  # a failed refresh: a new version


def test_a_copy_kept_by_push_is_not_refreshed_for_its_age(app, synced_user, jobs, clock):
    with app.app_context():
        db.session.execute(update(CronofyConnection).values(channel_verified_at=clock.now()))
        db.session.commit()
    clock.advance(3 * 3600)  # far older than CRONOFY_SYNC_MAX_AGE
    page = synced_user.get("/dashboard").get_data(as_text=True)
    assert "Work" in page
    assert jobs.pending() == []  # changes arrive by themselves; the daily read does the rest


def test_a_new_authorization_is_marked_for_its_first_read_in_the_same_commit(app, user_client):
    """Never visible unmarked: the minute's sweep (which marks connections never read in
    full) would otherwise mark it between the save and the callback's nudge, and the first
    sync, seeing its mark stamped again, would read everything a second time."""
    from app.cronofy.tokens import save_authorization
    from app.models import User
    from app.sync import marks
    from tests.cronofy_data import token_response

    with app.app_context():
        user = db.session.scalars(db.select(User)).one()
        connection = save_authorization(user, token_response())
        assert connection.sync_wanted_at is not None
        assert marks.due_for_full_sync(datetime.now(UTC), timedelta(days=1)) == []
