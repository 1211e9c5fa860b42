"""What the dashboard shows, as a function of plain data: no app, no database, no HTTP.

Each test builds `ConnectionCopy` values by hand (as app/sync/copy.py reads them, from
Cronofy's shapes in tests/cronofy_data.py) and looks at the view values the model returns.
The pages' own tests (test_dashboard.py, test_agenda.py, test_events.py) check that the
templates show these values.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.dashboard import views
from app.dashboard.agenda import CreatedHere
from app.dashboard.colours import COLOURS
from app.dashboard.connection import connection_views
from app.dashboard.overview import build_overview
from app.dashboard.problems import REVOKED
from app.dashboard.views import ConnectionView, Overview, Profile
from app.events.calendars import WritableCalendar, calendars_of
from app.models import DataSet
from app.sync.copy import ConnectionCopy, Part
from app.sync.outcomes import Failure
from tests.clock import AWKWARD_INSTANTS, parse_instant
from tests.cronofy_data import (
    HOLIDAYS,
    TWO_PROFILES_CALENDARS,
    TZ,
    WORK,
    calendar,
    created_here_and_elsewhere,
    cronofy_time,
    event,
    profile,
)
from tests.helpers import TRY_AGAIN

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # Tuesday 10 March, 12:00 in Tokyo
TODAY = date(2026, 3, 10)
SYNCED = NOW - timedelta(minutes=5)
ALL_SCOPES = frozenset(
    {"read_account", "list_calendars", "read_events", "create_event", "delete_event"}
)


def events(*found: dict, start: datetime = NOW - timedelta(days=1), days: int = 62) -> dict:
    """The events part of the copy: the events, and the window (UTC) they cover."""
    return {
        "from": start.isoformat(),
        "to": (start + timedelta(days=days)).isoformat(),
        "events": list(found),
    }


def copy(
    id: int = 1,
    label: str = "ada@example.com",
    *,
    calendars: list[dict] | None = None,
    profiles: list[dict] | None = None,
    agenda: dict | None = None,
    scopes: frozenset[str] = ALL_SCOPES,
    needs_reconnect: bool = False,
    parts: dict[DataSet, Part] | None = None,
) -> ConnectionCopy:
    """A connection's copy: by default fully loaded five minutes ago, with no events."""
    loaded = {
        DataSet.CALENDARS: Part([WORK, HOLIDAYS] if calendars is None else calendars, SYNCED),
        DataSet.PROFILES: Part([profile()] if profiles is None else profiles, SYNCED),
        DataSet.EVENTS: Part(events() if agenda is None else agenda, SYNCED),
    }
    return ConnectionCopy(
        id=id,
        label=label,
        provider_name="google",
        default_tzid=TZ,
        scopes=scopes,
        needs_reconnect=needs_reconnect,
        sync_wanted=False,
        parts={d: p for d, p in (loaded | (parts or {})).items() if d.scope in scopes},
    )


def overview(*copies: ConnectionCopy, created=(), zone: str = TZ, now=NOW) -> Overview:
    return build_overview(list(copies), list(created), zone, now)


def the_view(*copies: ConnectionCopy) -> ConnectionView:
    return overview(*copies).connections[0]


def names(view: ConnectionView) -> list[list[str]]:
    return [[c.name for c in p.calendars] for p in view.profiles]


def shown(day: views.Day) -> list[str]:
    return [e.summary for e in day.events]


# The view values


def test_view_values_are_frozen_and_hold_tuples():
    values = [
        getattr(views, name)
        for name in dir(views)
        if dataclasses.is_dataclass(getattr(views, name))
    ]
    assert {v.__name__ for v in values} >= {"Calendar", "ConnectionView", "Day", "Overview"}
    for value in values:
        assert value.__dataclass_params__.frozen, value
        for field in dataclasses.fields(value):
            assert not str(field.type).startswith(("list", "dict", "set")), (value, field)
    page = overview(
        copy(agenda=events(event("Stand-up", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10))))
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.connections[0].profiles[0].connected = False
    assert isinstance(page.days[0].events, tuple)


# Calendars by profile


def test_calendars_are_grouped_by_profile_primary_first_and_deleted_ones_hidden():
    view = the_view(
        copy(
            calendars=[
                *TWO_PROFILES_CALENDARS["calendars"],
                calendar(
                    "cal_5",
                    "birthdays",
                    profile="pro_2",
                    profile_name="ada@icloud.com",
                    provider="apple",
                ),
                calendar("cal_6", "Alpha"),
            ],
            profiles=[],
        )
    )
    assert [(p.profile_id, p.profile_name, p.provider_name) for p in view.profiles] == [
        ("pro_1", "ada@example.com", "google"),
        ("pro_2", "ada@icloud.com", "apple"),
    ]
    # In order of appearance; within a profile the primary first, then by name in any case.
    assert names(view) == [["Work", "Alpha", "Team holidays"], ["Family", "birthdays"]]
    marks = {c.name: (c.primary, c.readonly) for p in view.profiles for c in p.calendars}
    assert marks["Work"] == (True, False)
    assert marks["Team holidays"] == (False, True)
    assert marks["Family"] == (True, False)
    assert "Old projects" not in marks


def test_a_calendar_without_a_name_or_profile_gets_a_plain_one():
    view = the_view(copy(calendars=[{"calendar_id": "cal_x"}], profiles=[]))
    [only] = view.profiles
    assert (only.profile_name, only.provider_name) == ("Calendar account", "calendar")
    assert [c.name for c in only.calendars] == ["Untitled calendar"]


def test_calendars_not_loaded_or_not_granted_show_no_profiles():
    never = copy(parts={DataSet.CALENDARS: Part(None)}, profiles=[])
    assert the_view(never).profiles == ()
    not_granted = copy(scopes=ALL_SCOPES - {"list_calendars", "read_account"})
    assert the_view(not_granted).profiles == ()


# Profile health


def test_a_disconnected_profile_is_marked_with_cronofys_relink_link():
    relink = "https://app.cronofy.com/oauth/profiles/pro_1/relink?token=abc"
    view = the_view(copy(profiles=[profile(connected=False, relink=relink)]))
    [lost] = view.profiles
    assert (lost.connected, lost.relink_url) == (False, relink)
    assert names(view) == [["Work", "Team holidays"]]  # its calendars are still shown
    assert view.status == ("Disconnected", "warning")
    assert view.problems == ()


@pytest.mark.parametrize(
    ("relink", "linked"),
    [
        ("http://app.cronofy.com/relink", True),
        ("https://app.cronofy.com/relink", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,hi", False),
        ("//evil.example/relink", False),
        ({"href": "https://x"}, False),
    ],
)
def test_only_http_relink_links_are_kept(relink, linked):
    [lost] = the_view(copy(profiles=[profile(connected=False, relink=relink)])).profiles
    assert lost.relink_url == (relink if linked else None)


def test_a_connected_profile_has_no_relink_link():
    [fine] = the_view(copy(profiles=[profile(relink="https://x.example/relink")])).profiles
    assert (fine.connected, fine.relink_url) == (True, None)


def test_a_profile_without_calendars_still_shows_its_health():
    extra = profile("pro_2", connected=False, name="ada@icloud.com", provider="apple")
    view = the_view(copy(profiles=[profile(), extra]))
    assert [(p.profile_name, p.provider_name, p.connected) for p in view.profiles] == [
        ("ada@example.com", "google", True),
        ("ada@icloud.com", "apple", False),  # after the listed ones, with no calendars
    ]
    assert view.profiles[1].calendars == ()
    assert view.profiles[1].relink_url is None  # no link: the page offers Reconnect
    assert view.status == ("1 of 2 accounts disconnected", "warning")


def test_without_profile_health_every_profile_counts_as_connected():
    view = the_view(copy(parts={DataSet.PROFILES: Part(None)}))
    assert [p.connected for p in view.profiles] == [True]
    assert view.status == ("Connected", "ok")


@pytest.mark.parametrize(
    ("needs_reconnect", "profiles_connected", "badge"),
    [
        (False, [True, True], ("Connected", "ok")),
        (False, [True, False], ("1 of 2 accounts disconnected", "warning")),
        (False, [False], ("Disconnected", "warning")),
        (False, [False, False], ("Disconnected", "warning")),
        (True, [True], ("Needs reconnecting", "warning")),
        (True, [False], ("Needs reconnecting", "warning")),
        (False, [], ("Connected", "ok")),
    ],
)
def test_the_account_badge_is_the_worst_state_of_its_parts(
    needs_reconnect, profiles_connected, badge
):
    view = ConnectionView(
        id=1,
        label="ada@example.com",
        provider_name="google",
        scopes=frozenset(),
        needs_reconnect=needs_reconnect,
        profiles=tuple(
            Profile(f"pro_{n}", "google", f"p{n}@example.com", connected=connected)
            for n, connected in enumerate(profiles_connected)
        ),
    )
    assert view.status == badge


# Problems: what is wrong, and the way forward


def test_each_scope_not_granted_is_a_problem_offering_to_grant_it():
    view = the_view(copy(scopes=frozenset({"read_account", "list_calendars"})))
    assert [(p.message, p.missing_scope, p.level, p.reconnect) for p in view.problems] == [
        ("This connection was not allowed to see its events.", "read_events", "warning", False)
    ]
    view = the_view(copy(scopes=frozenset({"read_events"}), agenda=events()))
    assert [p.missing_scope for p in view.problems] == ["list_calendars", "read_account"]
    assert view.problems[1].message == (
        "This connection was not allowed to check the health of its linked calendar accounts."
    )


def test_a_part_never_loaded_is_an_error_and_a_part_shown_as_of_a_time_a_warning():
    view = the_view(
        copy(
            parts={
                DataSet.PROFILES: Part(None, None, Failure.UNAVAILABLE),
                DataSet.EVENTS: Part(events(), SYNCED, Failure.RATE_LIMITED),
            }
        )
    )
    assert [(p.message, p.level, p.missing_scope, p.reconnect) for p in view.problems] == [
        (
            f"Its account health could not be loaded yet. Cronofy is not answering. {TRY_AGAIN}",
            "error",
            None,
            False,
        ),
        # As of when it was copied, in the user's time zone (02:55 UTC is 11:55 in Tokyo).
        (
            f"Showing its events as of 11:55 on 10 Mar. Cronofy is busy. {TRY_AGAIN}",
            "warning",
            None,
            False,
        ),
    ]
    assert names(view) == [["Work", "Team holidays"]]  # the other parts still work


def test_parts_that_failed_alike_from_the_same_moment_share_one_problem():
    failed = Failure.UNAVAILABLE
    same = the_view(copy(parts={d: Part(copy().part(d).data, SYNCED, failed) for d in DataSet}))
    assert [p.message for p in same.problems] == [
        "Showing its calendars, account health and events as of 11:55 on 10 Mar. "
        f"Cronofy is not answering. {TRY_AGAIN}"
    ]
    earlier = SYNCED - timedelta(days=1)
    apart = the_view(
        copy(
            parts={
                DataSet.CALENDARS: Part([WORK], SYNCED, failed),
                DataSet.PROFILES: Part([profile()], earlier, failed),
                DataSet.EVENTS: Part(events(), SYNCED, failed),
            }
        )
    )
    assert [p.message.split(". ")[0] for p in apart.problems] == [
        "Showing its calendars and events as of 11:55 on 10 Mar",
        "Showing its account health as of 11:55 on 9 Mar",
    ]
    causes = the_view(
        copy(
            parts={
                DataSet.CALENDARS: Part(None, None, Failure.BAD_RESPONSE),
                DataSet.EVENTS: Part(None, None, Failure.FAILED),
            }
        )
    )
    assert [p.message for p in causes.problems] == [
        f"Its calendars could not be loaded yet. Cronofy sent an answer this app could not "
        f"read. {TRY_AGAIN}",
        f"Its events could not be loaded yet. Cronofy could not complete the request. {TRY_AGAIN}",
    ]


def test_a_forbidden_part_offers_its_scope_and_an_unauthorized_one_a_reconnect():
    view = the_view(
        copy(
            parts={
                DataSet.CALENDARS: Part(None, None, Failure.FORBIDDEN),
                DataSet.PROFILES: Part(None, None, Failure.FORBIDDEN),
                DataSet.EVENTS: Part(None, None, Failure.UNAUTHORIZED),
            }
        )
    )
    assert [(p.missing_scope, p.reconnect, p.level) for p in view.problems] == [
        ("list_calendars", False, "error"),  # one per scope, so each has its button
        ("read_account", False, "error"),
        (None, True, "error"),
    ]
    assert view.problems[0].message == (
        "Its calendars could not be loaded yet. "
        "This connection was not granted the permission this needs."
    )
    assert "reconnect it if this lasts" in view.problems[2].message
    assert not view.needs_reconnect


def test_failures_said_once_for_the_connection_are_not_repeated_per_part():
    not_granted = the_view(copy(parts={DataSet.EVENTS: Part(None, None, Failure.NOT_GRANTED)}))
    assert not_granted.problems == ()
    lost = the_view(copy(parts={DataSet.EVENTS: Part(events(), SYNCED, Failure.RECONNECT)}))
    assert lost.problems == ()
    assert (lost.needs_reconnect, lost.reconnect_reason) == (True, Failure.RECONNECT.reason)
    assert names(lost) == [["Work", "Team holidays"]]  # what was copied stays on show
    assert lost.status == ("Needs reconnecting", "warning")


def test_a_connection_whose_access_ended_shows_only_the_way_back():
    view = the_view(copy(needs_reconnect=True))
    assert (view.needs_reconnect, view.reconnect_reason) == (True, REVOKED)
    assert view.reconnect_reason.startswith("Cronofy no longer gives this app access")
    assert (view.problems, view.profiles, view.syncing, view.updated_at) == ((), (), False, None)
    assert view.writable_calendars == ()


# Syncing and freshness


def test_a_copy_awaiting_its_first_sync_is_syncing():
    waiting = copy(parts={d: Part(None) for d in DataSet})
    page = overview(waiting)
    assert page.connections[0].syncing and page.syncing
    assert page.connections[0].updated_at is None
    failed = copy(parts={d: Part(None, None, Failure.UNAVAILABLE) for d in DataSet})
    assert not overview(failed).syncing  # nothing is on its way: the problems say why


def test_updated_is_the_latest_refresh_in_the_users_time_zone():
    view = the_view(copy(parts={DataSet.PROFILES: Part([profile()], NOW - timedelta(hours=2))}))
    assert view.updated_at == SYNCED.astimezone(ZoneInfo(TZ))
    assert view.updated_at.utcoffset() == timedelta(hours=9)
    assert not view.updated_just_now
    recent = NOW - timedelta(seconds=59)
    fresh = the_view(copy(parts={d: Part(copy().part(d).data, recent) for d in DataSet}))
    assert fresh.updated_just_now


# The agenda's days


def test_seven_days_from_today_in_the_users_time_zone():
    page = overview(copy())
    assert page.today == TODAY and page.time_zone == TZ
    assert [d.day for d in page.days] == [TODAY + timedelta(days=n) for n in range(7)]
    assert [d.label for d in page.days[:3]] == [
        "Today, Tuesday 10 March",
        "Tomorrow, Wednesday 11 March",
        "Thursday 12 March",
    ]
    # 20:00 UTC on the 9th is already the 10th in Tokyo.
    late = overview(copy(), now=datetime(2026, 3, 9, 20, 0, tzinfo=UTC))
    assert late.today == TODAY


def test_events_land_on_their_local_days_sorted_all_day_first():
    page = overview(
        copy(
            agenda=events(
                event("Stand-up", cronofy_time(TODAY, 9), cronofy_time(TODAY, 9, 15)),
                event("Breakfast", cronofy_time(TODAY, 8), cronofy_time(TODAY, 8, 30)),
                event("Another stand-up", cronofy_time(TODAY, 9), cronofy_time(TODAY, 9, 30)),
                event("Away", TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()),
                # 23:30 UTC on the 10th is 08:30 on the 11th in Tokyo.
                event("Early review", "2026-03-10T23:30:00Z", "2026-03-11T00:00:00Z"),
            )
        )
    )
    today, tomorrow = page.days[0], page.days[1]
    assert shown(today) == ["Away", "Breakfast", "Another stand-up", "Stand-up"]
    assert shown(tomorrow) == ["Early review"]
    review = tomorrow.events[0]
    assert (review.start, review.end) == (
        datetime(2026, 3, 11, 8, 30, tzinfo=ZoneInfo(TZ)),
        datetime(2026, 3, 11, 9, 0, tzinfo=ZoneInfo(TZ)),
    )
    assert not review.all_day and not review.multi_day
    away = today.events[0]
    assert away.all_day and not away.multi_day and away.first_day == away.last_day == TODAY


def test_a_multi_day_event_is_listed_once_on_the_first_shown_day_it_covers():
    start, end = TODAY + timedelta(days=2), TODAY + timedelta(days=5)
    page = overview(
        copy(
            agenda=events(
                event("Offsite", start.isoformat(), end.isoformat(), "cal_holidays"),
                event(
                    "Conference",
                    (TODAY - timedelta(days=2)).isoformat(),
                    (TODAY + timedelta(days=1)).isoformat(),
                ),
            )
        )
    )
    assert [shown(d) for d in page.days] == [["Conference"], [], ["Offsite"], [], [], [], []]
    offsite = page.days[2].events[0]
    assert offsite.all_day and offsite.multi_day
    assert (offsite.first_day, offsite.last_day) == (start, end - timedelta(days=1))
    assert offsite.calendar_name == "Team holidays"  # each event names its calendar


def test_an_event_past_midnight_stays_on_the_day_it_starts():
    day, next_day = TODAY + timedelta(days=3), TODAY + timedelta(days=4)
    page = overview(
        copy(
            agenda=events(
                event("Late call", cronofy_time(day, 23, 30), cronofy_time(next_day, 0, 30))
            )
        )
    )
    [late] = page.days[3].events
    assert late.multi_day and not late.all_day
    assert (late.first_day, late.last_day) == (day, day + timedelta(days=1))
    assert page.days[4].events == ()


def test_an_event_ending_at_midnight_covers_only_its_day():
    page = overview(
        copy(
            agenda=events(
                event(
                    "Evening", cronofy_time(TODAY, 22), cronofy_time(TODAY + timedelta(days=1), 0)
                ),
                event("Instant", cronofy_time(TODAY, 12), cronofy_time(TODAY, 12)),
            )
        )
    )
    assert [e.multi_day for e in page.days[0].events] == [False, False]
    assert page.days[1].events == ()


def test_events_outside_the_seven_days_are_left_out():
    last = TODAY + timedelta(days=6)
    eighth = last + timedelta(days=1)
    page = overview(
        copy(
            agenda=events(
                event(
                    "Yesterday", cronofy_time(TODAY - timedelta(days=1), 9), cronofy_time(TODAY, 0)
                ),
                event("Last week", "2026-03-02", "2026-03-10"),  # ends as today starts
                # Until midnight as the seventh day ends: on the seventh day only.
                event(
                    "Day seven", cronofy_time(last, 23), cronofy_time(last + timedelta(days=1), 0)
                ),
                event(
                    "Day eight", cronofy_time(last + timedelta(days=1), 0), cronofy_time(eighth, 1)
                ),
                event("Next month", "2026-04-01", "2026-04-02"),
            )
        )
    )
    assert [e.summary for d in page.days for e in d.events] == ["Day seven"]


def test_deleted_and_unreadable_events_are_left_out():
    page = overview(
        copy(
            agenda=events(
                event("Kept", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10)),
                event("Deleted", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10), deleted=True),
                event("No end", cronofy_time(TODAY, 9), ""),
                event("Mixed", TODAY.isoformat(), cronofy_time(TODAY, 10)),
                event("Garbled", "yesterday", "today"),
                "not an event",
            )
        )
    )
    assert shown(page.days[0]) == ["Kept"]


def test_localized_and_naive_times_are_read_too():
    page = overview(
        copy(
            agenda=events(
                event(
                    "Localized",
                    {"time": "2026-03-10T01:00:00Z", "tzid": TZ},
                    {"time": "2026-03-10T02:00:00Z", "tzid": TZ},
                ),
                event("Naive", "2026-03-10T03:00:00", "2026-03-10T04:00:00"),  # UTC
                event(
                    "", cronofy_time(TODAY, 20), cronofy_time(TODAY, 21), calendar_id="cal_gone"
                ),
            )
        )
    )
    [localized, naive, untitled] = page.days[0].events
    assert localized.start.hour == 10 and naive.start.hour == 12
    assert (untitled.summary, untitled.calendar_name) == ("(no title)", "Calendar")


def test_a_known_day_without_events_is_free_and_an_unknown_one_is_not():
    # The copy covers until 12:00 on Thursday in Tokyo: Thursday on is not known.
    cover_end = datetime(2026, 3, 12, 3, 0, tzinfo=UTC)
    start = NOW - timedelta(days=1)
    page = overview(copy(agenda=events(start=start, days=(cover_end - start).days)))
    assert [(d.events, d.known) for d in page.days] == [((), True)] * 2 + [((), False)] * 5


def test_days_are_unknown_while_events_never_loaded():
    never = copy(parts={DataSet.EVENTS: Part(None, None, Failure.UNAVAILABLE)})
    assert [d.known for d in overview(never).days] == [False] * 7
    unreadable = copy(agenda={"events": []})  # no window: nothing is known
    assert [d.known for d in overview(unreadable).days] == [False] * 7


def test_a_connection_that_cannot_read_events_does_not_make_days_unknown():
    no_events = copy(2, "other", scopes=ALL_SCOPES - {"read_events"})
    ended = copy(3, "ended", needs_reconnect=True, parts={DataSet.EVENTS: Part(None)})
    lost = copy(4, "lost", parts={DataSet.EVENTS: Part(None, None, Failure.RECONNECT)})
    page = overview(copy(), no_events, ended, lost)
    assert [d.known for d in page.days] == [True] * 7
    assert [d.known for d in overview(copy(), copy(5, "never", agenda={})).days] == [False] * 7


def test_an_ended_connections_events_are_not_shown():
    ended = copy(
        needs_reconnect=True,
        agenda=events(event("Gone", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10))),
    )
    assert [d.events for d in overview(ended).days] == [()] * 7


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize(
    "instant", ["eu-spring-forward", "eu-fall-back", "us-spring-forward", "us-fall-back"]
)
def test_days_with_a_clock_change_keep_their_events_at_their_wall_clock_times(zone, instant):
    """Whatever the day, a 23- or 25-hour day included, an event sits on its own day."""
    now = parse_instant(AWKWARD_INSTANTS[instant])
    first = now.astimezone(ZoneInfo(zone)).date()
    week = [first + timedelta(days=n) for n in range(7)]
    found = [
        event(
            f"{label} {n}",
            cronofy_time(d, hour, minute, zone),
            cronofy_time(d, hour, minute + 20, zone),
        )
        for n, d in enumerate(week)
        for label, hour, minute in (("Early", 0, 30), ("Morning", 9, 0), ("Late", 23, 30))
    ]
    page = overview(copy(agenda=events(*found, start=now - timedelta(days=1))), zone=zone, now=now)
    for n, day in enumerate(page.days):
        assert day.day == week[n]
        assert shown(day) == [f"Early {n}", f"Morning {n}", f"Late {n}"], week[n]
        assert [(e.start.strftime("%H:%M"), e.end.strftime("%H:%M")) for e in day.events] == [
            ("00:30", "00:50"),
            ("09:00", "09:20"),
            ("23:30", "23:50"),
        ]
        assert not any(e.multi_day for e in day.events)


# Colours and names


def test_calendar_colours_are_stable_and_distinct():
    calendars = [calendar(f"cal_{n}", f"Calendar {n}") for n in range(12)]

    def colours(listed: list[dict]) -> dict[str, int]:
        view = the_view(copy(calendars=listed))
        return {c.calendar_id: c.colour for c in view.calendars}

    assert colours(calendars) == colours(calendars)  # the same from view to view
    in_order = [c.colour for c in the_view(copy(calendars=calendars)).calendars]
    assert sorted(set(in_order[:COLOURS])) == list(range(COLOURS))  # distinct while they last
    assert all(0 <= c < COLOURS for c in in_order)
    # One calendar alone keeps the colour its id gives it, whatever else is connected.
    assert colours([calendars[3]])["cal_3"] == colours([calendars[3], calendars[4]])["cal_3"]


def test_events_take_their_calendars_colour_and_name():
    family = copy(
        2,
        "ada@icloud.com",
        calendars=[calendar("cal_family", "Family", profile="pro_2")],
        profiles=[],
        agenda=events(
            event("Dinner", cronofy_time(TODAY, 19), cronofy_time(TODAY, 20), "cal_family")
        ),
    )
    page = overview(
        copy(
            agenda=events(
                event("Stand-up", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10)),
                event("Stray", cronofy_time(TODAY, 21), cronofy_time(TODAY, 22), "cal_unknown"),
            )
        ),
        family,
    )
    colour = {c.calendar_id: c.colour for v in page.connections for c in v.calendars}
    assert [(e.summary, e.calendar_name, e.colour) for e in page.days[0].events] == [
        ("Stand-up", "Work", colour["cal_work"]),
        ("Dinner", "Family", colour["cal_family"]),
        ("Stray", "Calendar", 0),  # a calendar the copy does not list
    ]


def test_calendars_that_share_a_name_say_whose_they_are():
    """Two accounts' "Work" calendars (and their events) are told apart in text."""
    gmail = copy(
        1,
        "ada@gmail.com",
        calendars=[
            calendar("cal_1", "Work", profile_name="ada@gmail.com"),
            calendar("cal_2", "Family", profile_name="ada@gmail.com"),
        ],
        agenda=events(
            event("Stand-up", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10), "cal_1"),
            event("Dinner", cronofy_time(TODAY, 19), cronofy_time(TODAY, 20), "cal_2"),
        ),
    )
    work = copy(
        2,
        "ada@example.org",
        calendars=[calendar("cal_3", "work", profile="pro_9", profile_name="ada@example.org")],
        profiles=[],
        agenda=events(event("Review", cronofy_time(TODAY, 11), cronofy_time(TODAY, 12), "cal_3")),
    )
    page = overview(gmail, work)
    labels = [c.label for v in page.connections for c in v.calendars]
    assert labels == ["Family", "Work (ada@gmail.com)", "work (ada@example.org)"]
    assert [(e.summary, e.account) for e in page.days[0].events] == [
        ("Stand-up", "ada@gmail.com"),
        ("Review", "ada@example.org"),
        ("Dinner", None),
    ]
    alone = overview(gmail)
    assert [c.label for c in alone.connections[0].calendars] == ["Family", "Work"]


# Events created here


def test_events_created_here_are_marked_and_deletable_from_their_own_connection():
    found = events(
        *created_here_and_elsewhere(TODAY),
        event(
            "Same id elsewhere",
            cronofy_time(TODAY, 21),
            cronofy_time(TODAY, 22),
            event_id="cc-theirs",
        ),
    )
    created = [CreatedHere(7, 1, "cc-mine"), CreatedHere(8, 2, "cc-theirs")]
    page = overview(copy(agenda=found), created=created)
    assert [
        (e.summary, e.created_by_app, e.managed_id, e.can_delete) for e in page.days[0].events
    ] == [
        ("Made here", True, 7, True),
        ("Made by another app user", True, None, False),
        ("From the provider", False, None, False),
        ("Same id elsewhere", True, None, False),  # the record is another connection's
    ]


def test_without_the_delete_scope_an_event_created_here_is_not_deletable():
    found = events(
        event("Made here", cronofy_time(TODAY, 15), cronofy_time(TODAY, 16), event_id="cc-mine")
    )
    page = overview(
        copy(agenda=found, scopes=ALL_SCOPES - {"delete_event"}),
        created=[CreatedHere(7, 1, "cc-mine")],
    )
    [made] = page.days[0].events
    assert (made.created_by_app, made.managed_id, made.can_delete) == (True, 7, False)


# The event pages' calendars


def test_the_new_event_form_offers_writable_calendars_named_as_on_the_dashboard():
    gmail = copy(
        1,
        "ada@gmail.com",
        calendars=[
            calendar("cal_1", "Work", profile_name="ada@gmail.com", primary=True),
            calendar("cal_2", "Holidays", profile_name="ada@gmail.com", readonly=True),
        ],
    )
    work = copy(
        2,
        "ada@example.org",
        calendars=[
            calendar("cal_3", "Work", profile="pro_9", profile_name="ada@example.org"),
        ],
    )
    cannot = copy(
        3,
        "read only",
        scopes=ALL_SCOPES - {"create_event"},
        calendars=[calendar("cal_4", "Solo", profile="pro_4")],
    )
    calendars = calendars_of([gmail, work, cannot], TZ, NOW)
    assert calendars.writable == (
        WritableCalendar(1, "ada@gmail.com", "cal_1", "Work (ada@gmail.com)"),
        WritableCalendar(2, "ada@example.org", "cal_3", "Work (ada@example.org)"),
    )
    assert calendars.writable[0].value == "1:cal_1"
    assert calendars.time_zone == TZ and not calendars.syncing
    # Every listed calendar is named, writable or not (the list of events created here).
    assert calendars.labels() == {
        (1, "cal_1"): "Work (ada@gmail.com)",
        (1, "cal_2"): "Holidays",
        (2, "cal_3"): "Work (ada@example.org)",
        (3, "cal_4"): "Solo",
    }


def test_without_writable_calendars_each_connection_says_what_stops_it():
    ended = copy(1, "ada@example.com", needs_reconnect=True)
    no_scope = copy(2, "bob@example.com", scopes=ALL_SCOPES - {"create_event", "read_events"})
    failing = copy(
        3, "eve@example.com", parts={DataSet.CALENDARS: Part(None, None, Failure.UNAVAILABLE)}
    )
    calendars = calendars_of([ended, no_scope, failing], TZ, NOW)
    assert calendars.writable == ()
    [first, second, third] = calendars.connections
    assert (first.needs_reconnect, first.reconnect_reason) == (True, REVOKED)
    assert "create_event" not in second.scopes
    assert [p.missing_scope for p in second.problems] == ["read_events"]
    assert [p.level for p in third.problems] == ["error"]
    waiting = copy(4, "new", parts={d: Part(None) for d in DataSet})
    assert calendars_of([waiting], TZ, NOW).syncing


def test_the_event_pages_and_the_dashboard_see_the_same_connections():
    copies = [
        copy(agenda=events(event("Stand-up", cronofy_time(TODAY, 9), cronofy_time(TODAY, 10))))
    ]
    assert calendars_of(copies, TZ, NOW).connections == overview(*copies).connections
    assert connection_views(copies, ZoneInfo(TZ), NOW) == overview(*copies).connections
