"""Believable calendars and events for a new account, the same for the same account and day.

An account's routine (stand-ups, meetings, weekend plans) always reaches two weeks ahead:
`extend_routine` adds the days that came into range since the account was made, so a sandbox
that keeps its state (`make run`) still shows a full fortnight weeks later.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from sandbox import ids
from sandbox.models import Account, Calendar, Event, Profile
from sandbox.times import format_time

DAYS = 14  # events cover the next two weeks, counted from today (UTC)
# A person's calendar was last edited before they connected it: the demo events' `updated`
# is this long before the account was made, so a read of recent changes leaves them out.
EDITED_BEFORE = timedelta(days=7)

# Consent-page provider choice -> (provider_name, provider_service) as Cronofy reports them.
# Cronofy reports Microsoft 365 profiles as provider_name "exchange", service "office365".
PROVIDERS: dict[str, tuple[str, str]] = {
    "google": ("google", "google"),
    "office365": ("exchange", "office365"),
    "apple": ("apple", "icloud"),
}

_MEETINGS = [
    ("1:1 with Priya", "Room 4.02", "Career goals and the hiring plan."),
    ("Sprint planning", "Room 2.10", "Bring the estimates for the top ten tickets."),
    ("Design review: onboarding", "Zoom", ""),
    ("Customer call: Northwind", "Phone", "Renewal and the export feature request."),
    ("Budget review", "Room 4.02", ""),
    ("Interview: backend engineer", "Room 1.05", "Systems design round."),
    ("Product demo", "Zoom", ""),
    ("Architecture sync", "Room 2.10", "Queue migration status."),
    ("Coffee with Jamie", "Ground floor café", ""),
    ("Retrospective", "Room 2.10", ""),
    ("Security training", "Zoom", "Mandatory yearly course."),
    ("Quarterly planning", "Board room", ""),
]
_FAMILY = [
    ("Dentist", "Smile Dental, High Street"),
    ("Swimming lessons", "Leisure centre"),
    ("Dinner with Sam", "Luigi's"),
    ("Yoga", "Studio 5"),
    ("Football practice", "Park pitches"),
    ("Book club", "Library"),
    ("Farmers market", "Town square"),
    ("Call grandma", None),
]


class _Builder:
    """Collects the events of one account while the generator walks the days."""

    def __init__(self, account_id: str, stamp: str, key: str = "") -> None:
        self.account_id = account_id
        self.stamp = stamp
        self.key = key  # what makes these events' uids differ from other batches'
        self.events: list[Event] = []

    def add(
        self,
        calendar: Calendar,
        summary: str,
        start: str,
        end: str,
        *,
        description: str = "",
        location: str | None = None,
        transparency: str = "opaque",
    ) -> None:
        """Add one event; its uid is derived from the account, the batch and its position."""
        seed = f"{self.account_id}:{self.key}{len(self.events)}:{summary}"
        self.events.append(
            Event(
                event_uid=ids.event_uid_for(seed),
                calendar_id=calendar.calendar_id,
                summary=summary,
                start=start,
                end=end,
                created=self.stamp,
                updated=self.stamp,
                description=description,
                location=location,
                transparency=transparency,
            )
        )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def _timed(start: datetime, minutes: int) -> tuple[str, str]:
    return format_time(start), format_time(start + timedelta(minutes=minutes))


def build_account(email: str, provider: str, today: date, now: datetime) -> Account:
    """A primary profile of the chosen provider, a second provider's profile, and events."""
    account_id = ids.account_id_for(email)
    local = email.split("@", 1)[0] or "demo"
    other = "google" if provider == "apple" else "apple"
    other_name = f"{local}@gmail.com" if other == "google" else f"{local}@icloud.com"

    profiles = []
    for chosen, profile_name in ((provider, email), (other, other_name)):
        provider_name, service = PROVIDERS[chosen]
        profile_id = ids.profile_id_for(account_id, chosen)
        profiles.append(Profile(profile_id, provider_name, service, profile_name))
    main, second = profiles

    def calendar(profile: Profile, name: str, **flags: bool) -> Calendar:
        return Calendar(
            ids.calendar_id_for(profile.profile_id, name), profile.profile_id, name, **flags
        )

    work = calendar(main, "Work", primary=True)
    holidays = calendar(main, "Team holidays", readonly=True)
    old = calendar(main, "Old projects", deleted=True)
    family = calendar(second, "Family", primary=True)

    events = _Builder(account_id, format_time(now - EDITED_BEFORE))
    for offset in range(DAYS):
        _routine(events, today + timedelta(days=offset), work, family)

    # All-day events are dates with an exclusive end, like Cronofy's.
    def all_day(offset: int, days: int) -> tuple[str, str]:
        first = today + timedelta(days=offset)
        return first.isoformat(), (first + timedelta(days=days)).isoformat()

    # "Office closed" shows as free (transparent), as all-day events do by default in Google
    # Calendar: a note in a shared calendar that blocks no one's time, so free/busy and
    # availability have a transparent event to leave out. The offsite and the conference are
    # opaque: the person is away, busy all day.
    events.add(
        holidays,
        "Office closed",
        *all_day(4, 1),
        description="Local public holiday.",
        transparency="transparent",
    )
    events.add(holidays, "Company offsite", *all_day(11, 1), location="Lakeside Lodge")
    events.add(work, "Conference: CalConf", *all_day(8, 3), location="Berlin")
    events.add(family, "Parents' evening", *_timed(_at(today + timedelta(days=2), 18), 90))
    # A timed event that runs past midnight, so day boundaries are exercised.
    events.add(
        work,
        "Overnight release window",
        *_timed(_at(today + timedelta(days=3), 22), 240),
        description="On call for the production release.",
    )
    return Account(
        account_id=account_id,
        email=email,
        name=None,
        default_tzid="Etc/UTC",
        provider=provider,
        profiles=profiles,
        calendars=[work, holidays, old, family],
        events=events.events,
        routine_through=(today + timedelta(days=DAYS - 1)).isoformat(),
    )


def extend_routine(account: Account, today: date, now: datetime) -> bool:
    """Add the routine of each day up to two weeks from `today` not yet added; True if any.

    The new events read as if they had always been there (their `updated` is the account's
    first event's), like events that drift into the window Cronofy reads.
    """
    if account.routine_through is None:
        return False  # made before routines were tracked: leave it as it is
    last = today + timedelta(days=DAYS - 1)
    day = date.fromisoformat(account.routine_through) + timedelta(days=1)
    if day > last:
        return False
    work = next((c for c in account.calendars if c.name == "Work" and not c.deleted), None)
    family = next((c for c in account.calendars if c.name == "Family" and not c.deleted), None)
    stamp = account.events[0].updated if account.events else format_time(now)
    while day <= last:
        batch = _Builder(account.account_id, stamp, key=f"{day.isoformat()}:")
        _routine(batch, day, work, family)
        account.events += batch.events
        day += timedelta(days=1)
    account.routine_through = last.isoformat()
    return True


def _routine(events: _Builder, day: date, work: Calendar | None, family: Calendar | None) -> None:
    """One day's repeating events: work on weekdays, family plans at weekends."""
    rng = random.Random(f"{events.account_id}:{day.isoformat()}")  # noqa: S311 (demo data)
    if day.weekday() < 5 and work is not None:
        start, end = _timed(_at(day, 9, 30), 15)
        events.add(work, "Team stand-up", start, end, description="Daily check-in.")
        events.add(work, "Focus time", *_timed(_at(day, 13), 90))
        for hour, meeting in zip(
            sorted(rng.sample([10, 11, 15, 16], 2)), rng.sample(_MEETINGS, 2), strict=True
        ):
            summary, place, notes = meeting
            minutes = rng.choice([30, 45, 60])
            events.add(
                work, summary, *_timed(_at(day, hour), minutes), description=notes, location=place
            )
    elif day.weekday() >= 5 and family is not None:
        for hour, (summary, where) in zip([9, 11, 17], rng.sample(_FAMILY, 3), strict=True):
            events.add(family, summary, *_timed(_at(day, hour), 60), location=where)
