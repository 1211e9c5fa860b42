"""Demo data: believable, stable per account and day, enough to page through."""

from datetime import UTC, date, datetime, timedelta

from sandbox.demo_data import build_account, extend_routine


def test_same_email_and_day_give_the_same_data() -> None:
    now = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    first = build_account("ann@example.com", "google", now.date(), now)
    again = build_account("ann@example.com", "google", now.date(), now)
    assert first == again
    other = build_account("bob@example.com", "google", now.date(), now)
    assert [e.summary for e in other.events] != [e.summary for e in first.events]


def test_shape_of_an_account() -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    account = build_account("ann@example.com", "apple", now.date(), now)
    assert [p.provider_name for p in account.profiles] == ["apple", "google"]
    assert account.profiles[1].profile_name == "ann@gmail.com"
    assert all(p.profile_id.startswith("pro_") for p in account.profiles)
    assert all(c.calendar_id.startswith("cal_") for c in account.calendars)
    flags = {c.name: (c.primary, c.readonly, c.deleted) for c in account.calendars}
    assert flags["Team holidays"][1] and flags["Old projects"][2] and flags["Work"][0]
    deleted = {c.calendar_id for c in account.calendars if c.deleted}
    assert not [e for e in account.events if e.calendar_id in deleted]
    assert 36 <= len(account.events) <= 70


def test_every_week_has_more_than_a_page_of_events() -> None:
    for offset in range(7):  # whatever weekday today is
        day = date(2026, 11, 23) + timedelta(days=offset)
        now = datetime.combine(day, datetime.min.time(), UTC)
        events = build_account("ann@example.com", "office365", day, now).events
        week = [e for e in events if e.start[:10] < (day + timedelta(days=7)).isoformat()]
        assert len(week) > 25
        assert all(day.isoformat() <= e.start[:10] for e in events)


def test_the_routine_reaches_two_weeks_ahead_as_days_pass() -> None:
    made = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # a Friday
    account = build_account("ann@example.com", "google", made.date(), made)
    before = list(account.events)
    later = made + timedelta(days=10)
    assert extend_routine(account, later.date(), later) is True
    assert account.events[: len(before)] == before  # nothing made earlier changes
    added = account.events[len(before) :]
    days = {e.start[:10] for e in added}
    assert days == {(made.date() + timedelta(days=n)).isoformat() for n in range(14, 24)}
    assert {e.summary for e in added} >= {"Team stand-up", "Focus time"}
    assert all(e.updated == before[0].updated for e in added)  # as if always there
    assert len({e.event_uid for e in account.events}) == len(account.events)
    assert extend_routine(account, later.date(), later) is False  # nothing more to add
    # Each day's routine is the same whenever it is generated.
    fresh = build_account("ann@example.com", "google", later.date(), later)
    day = (later.date() + timedelta(days=5)).isoformat()
    assert [(e.summary, e.start) for e in added if e.start.startswith(day)] == [
        (e.summary, e.start) for e in fresh.events if e.start.startswith(day)
    ]
