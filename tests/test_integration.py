"""The app against the bundled sandbox over real HTTP: the whole flow, as a user runs it."""

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.pages import agenda_summaries
from tests.visitor import Visitor, register_and_connect


def register_and_open_dashboard(visitor: Visitor, base: str) -> None:
    visitor.register(base, "grace@example.com")
    assert visitor.page.url == f"{base}/dashboard"
    assert "No calendar connected yet" in visitor.text


def test_register_connect_see_calendars_disconnect(live_app, sandbox):
    visitor = Visitor()
    register_and_open_dashboard(visitor, live_app.url)

    visitor.press("Connect calendar")
    assert visitor.page.url.startswith(f"{sandbox.app_url}/oauth/authorize?")
    assert "Calendar Connect" in visitor.text  # the consent page names the app

    visitor.press("Allow", email="grace@example.com", provider="google")
    assert visitor.page.url == f"{live_app.url}/dashboard"
    page = visitor.text
    assert "Connected grace@example.com." in page
    [account] = [a for a in sandbox.state.accounts() if a["email"] == "grace@example.com"]
    live_calendars = [c["name"] for c in account["calendars"] if not c["deleted"]]
    deleted = [c["name"] for c in account["calendars"] if c["deleted"]]
    assert live_calendars and deleted
    for name in live_calendars:
        assert name in page
    for name in deleted:
        assert name not in page

    # Exactly one code exchange, credentials in the body, on the API host.
    log = sandbox.state.requests_log()
    exchanges = [e for e in log if e["path"] == "/oauth/token"]
    assert [(e["host"], e["grant_type"], e["basic_auth"], e["status"]) for e in exchanges] == [
        ("api", "authorization_code", False, 200)
    ]

    visitor.follow("Disconnect")
    visitor.press("Disconnect")
    assert visitor.page.url == f"{live_app.url}/dashboard"
    assert "Disconnected grace@example.com." in visitor.text
    assert "No calendar connected yet" in visitor.text
    revokes = [e for e in sandbox.state.requests_log() if e["path"] == "/oauth/token/revoke"]
    assert [(e["host"], e["status"]) for e in revokes] == [("api", 200)]


def test_deny_on_the_consent_page(live_app, sandbox):
    visitor = Visitor()
    register_and_open_dashboard(visitor, live_app.url)
    visitor.press("Connect calendar")
    visitor.press("Deny")
    assert visitor.page.url == f"{live_app.url}/dashboard"
    assert "You declined access, so no calendar was connected." in visitor.text
    assert "No calendar connected yet" in visitor.text
    assert not [e for e in sandbox.state.requests_log() if e["path"] == "/oauth/token"]


def stale(clock) -> None:
    """Let the local copy grow older than CRONOFY_SYNC_MAX_AGE: the next view refreshes it."""
    clock.advance(301)


@pytest.mark.steady_clock  # moves time to age the copy; no date matters
def test_expired_access_token_is_refreshed_against_the_sandbox(live_app, sandbox, clock):
    visitor = register_and_connect(live_app.url, "grace@example.com")
    sandbox.state.expire_all_tokens()
    sandbox.state.clear_log()

    stale(clock)
    visitor.get(f"{live_app.url}/dashboard")
    assert "Connected" in visitor.text
    assert "not answering" not in visitor.text
    paths = [(e["path"], e["grant_type"], e["status"]) for e in sandbox.state.requests_log()]
    # The stored expiry is still in the future, so the sandbox's 401s (calendars, profiles
    # and events are asked for at once) trigger one refresh; every retry then succeeds.
    refreshes = [p for p in paths if p[0] == "/oauth/token"]
    assert refreshes == [("/oauth/token", "refresh_token", 200)]
    before, after = paths[: paths.index(refreshes[0])], paths[paths.index(refreshes[0]) + 1 :]
    assert sorted(before) == [
        ("/v1/calendars", None, 401),
        ("/v1/events", None, 401),
        ("/v1/profiles", None, 401),
    ]
    assert {p[0] for p in after} >= {"/v1/calendars", "/v1/events", "/v1/profiles"}
    assert all(status == 200 for _, _, status in after)

    # The rotated refresh token was stored: the next refresh works too.
    sandbox.state.expire_all_tokens()
    stale(clock)
    visitor.get(f"{live_app.url}/dashboard")
    assert "Needs reconnecting" not in visitor.text
    assert "not answering" not in visitor.text


@pytest.mark.steady_clock  # moves time to age the copy; no date matters
def test_revoked_at_cronofy_then_reconnected(live_app, sandbox, clock):
    visitor = register_and_connect(live_app.url, "grace@example.com")
    # The person revokes the app's access where they manage their calendar account.
    visitor.get(f"{sandbox.app_url}/calendar?email=grace@example.com")
    visitor.press("Revoke access to this account")

    stale(clock)
    visitor.get(f"{live_app.url}/dashboard")
    assert "Needs reconnecting" in visitor.text
    assert "Work" not in visitor.text  # what was copied through it is gone
    visitor.press("Reconnect")
    visitor.press("Allow")  # the consent page offers the account being reconnected
    assert "Connected grace@example.com." in visitor.text
    assert "Needs reconnecting" not in visitor.text
    assert visitor.text.count(">Disconnect<") == 1  # the same row, restored


def test_a_revocation_is_found_by_the_next_call_with_its_tokens(live_app, sandbox):
    """Cronofy tells no one of a revocation: creating an event is a call that finds out."""
    visitor = register_and_connect(live_app.url, "grace@example.com")
    visitor.get(f"{sandbox.app_url}/calendar?email=grace@example.com")
    visitor.press("Revoke access to this account")

    visitor.get(f"{live_app.url}/events/new")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    visitor.press("Create event", summary="After the revocation", start_date=tomorrow.isoformat())
    assert "Cronofy no longer gives this app access to this calendar account" in visitor.text
    visitor.get(f"{live_app.url}/events/new")  # no dead end: the way back is offered
    assert ">Reconnect grace@example.com</button>" in visitor.text
    visitor.get(f"{live_app.url}/dashboard")
    assert "Needs reconnecting" in visitor.text and "Team holidays" not in visitor.text


def events_in_the_next_week(account: dict) -> set[str]:
    """The sandbox's event names the agenda must show (UTC: the sandbox account's zone)."""
    today = datetime.now(UTC).date()
    end = today + timedelta(days=7)
    names = set()
    for event in account["events"]:
        if event["deleted"] or event["event_id"]:
            continue
        start, stop = event["start"][:10], event["end"][:10]
        all_day = len(event["end"]) == 10
        last = date.fromisoformat(stop) - timedelta(days=1 if all_day else 0)
        if date.fromisoformat(start) < end and last >= today:
            names.add(event["summary"])
    return names


def test_the_agenda_create_and_delete_an_event(live_app, sandbox, clock):
    visitor = register_and_connect(live_app.url, "grace@example.com")
    [account] = sandbox.state.accounts()
    expected = events_in_the_next_week(account)
    assert len(expected) >= 5
    page = html.unescape(visitor.text)
    for name in expected:
        assert name in page, name
    assert "Times in Etc/UTC." in visitor.text

    sandbox.state.clear_log()
    visitor.get(f"{live_app.url}/events/new")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    visitor.press(
        "Create event",
        summary="Sandbox planning session",
        start_date=tomorrow.isoformat(),
        start_time="10:00",
        duration="60",
    )
    assert visitor.page.url == f"{live_app.url}/dashboard"
    assert "Created “Sandbox planning session”." in visitor.text
    assert agenda_summaries(visitor.text).count("Sandbox planning session") == 1
    assert "Created here" in visitor.text

    visitor.follow("Edit")  # one upsert with the same event_id, the whole event again
    visitor.press("Save", summary="Sandbox planning, moved", start_time="11:30")
    assert visitor.page.url == f"{live_app.url}/events/"
    assert "Saved “Sandbox planning, moved”." in visitor.text
    [account] = sandbox.state.accounts()
    [moved] = [e for e in account["events"] if e["summary"] == "Sandbox planning, moved"]
    assert (moved["start"], moved["end"]) == (
        f"{tomorrow.isoformat()}T11:30:00Z",
        f"{tomorrow.isoformat()}T12:30:00Z",
    )
    visitor.get(f"{live_app.url}/dashboard")
    assert agenda_summaries(visitor.text).count("Sandbox planning, moved") == 1
    assert "Sandbox planning session" not in agenda_summaries(visitor.text)

    visitor.follow("Delete")
    assert "<h1>Delete “Sandbox planning, moved”?</h1>" in visitor.text
    visitor.press("Delete")
    assert "Deleted “Sandbox planning, moved”." in visitor.text
    assert "Sandbox planning, moved" not in agenda_summaries(visitor.text)
    writes = [
        (e["method"], e["status"])
        for e in sandbox.state.requests_log()
        if e["path"].endswith("/events") and e["path"].startswith("/v1/calendars/")
    ]
    assert writes == [("POST", 202), ("POST", 202), ("DELETE", 202)]
