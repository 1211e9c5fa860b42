"""Time is an input to the tests: a pytest plugin that pins the clock.

A test whose outcome could depend on the date or the hour asks for the `clock` fixture.
While it runs, the clock stands still at one instant: `datetime.now()`, `date.today()` and
`time.time()` agree in every thread of this process (the app and the sandbox served on real
ports included), and time moves only when the test says so (`clock.advance(seconds)`).
Monotonic clocks, sleeps and socket timeouts are left alone, so waiting still works.

The instant is the moment the test starts, unless pytest is told otherwise:

    pytest --at 2027-03-28T00:30:00Z      # every `clock` test at that instant
    pytest --at awkward -m clock          # ... at each of AWKWARD_INSTANTS (`make test-dates`)

Tests that use `clock` carry the `clock` marker, so `-m clock` selects exactly them. A test
that needs the clock to stand still (or to move by hand) but whose outcome cannot depend on
the date says so with `@pytest.mark.steady_clock`: it is left out of the awkward instants,
which are for calendar logic, not for (say) rate-limit windows. Chromium
keeps its own clock, and processes started by a test (gunicorn) keep the real one: tests of
those pin the instant only inside this process.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

# Instants where date code usually breaks. Each runs every `clock` test under `make test-dates`.
AWKWARD_INSTANTS = {
    "monday-00:05Z": "2027-01-04T00:05:00Z",  # a week starts; yesterday was Sunday
    "saturday-23:55Z": "2027-01-09T23:55:00Z",  # a weekend day, five minutes before the next
    "tokyo-23:59:59": "2027-06-15T14:59:59Z",  # one second before midnight in Asia/Tokyo
    "tokyo-00:00:01": "2027-06-15T15:00:01Z",  # one second after it
    "new-year-eve-23:50Z": "2027-12-31T23:50:00Z",  # the agenda crosses into another year
    "leap-day": "2028-02-29T12:00:00Z",  # a day most years lack
    "eu-spring-forward": "2027-03-28T00:30:00Z",  # London 00:30 GMT; 01:00-02:00 never happens
    "eu-fall-back": "2027-10-31T00:30:00Z",  # London 01:30 BST; 01:00-02:00 happens twice
    "us-spring-forward": "2027-03-14T06:30:00Z",  # New York 01:30 EST; 02:00-03:00 is skipped
    "us-fall-back": "2027-11-07T05:30:00Z",  # New York 01:30 EDT; the hour repeats
}


def parse_instant(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (`Z` or an offset); naive text is read as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Clock:
    """The pinned clock of one test."""

    traveller: time_machine.Traveller

    def now(self) -> datetime:
        """This instant, in UTC."""
        return datetime.now(UTC)

    def advance(self, seconds: float) -> None:
        """Move time forward (or back, with a negative number) without sleeping."""
        self.traveller.shift(timedelta(seconds=seconds))

    def move_to(self, instant: datetime | str) -> None:
        """Jump to another instant; the clock stands still there."""
        self.traveller.move_to(parse_instant(instant) if isinstance(instant, str) else instant)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--at",
        metavar="INSTANT",
        help="run every test that uses the `clock` fixture at this ISO 8601 instant, or at "
        "each of the awkward instants with --at awkward",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clock: reads the date or the time (pinned; see tests/clock.py)"
    )
    config.addinivalue_line(
        "markers",
        "steady_clock: pins the clock, but no date can change its outcome (tests/clock.py)",
    )


def _instants(config: pytest.Config) -> dict[str, str]:
    at = config.getoption("--at")
    if not at:
        return {}
    if at == "awkward":
        return AWKWARD_INSTANTS
    parse_instant(at)  # fail early on a typo
    return {at: at}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    instants = _instants(metafunc.config)
    steady = metafunc.definition.get_closest_marker("steady_clock") is not None
    if instants and "clock" in metafunc.fixturenames and not steady:
        metafunc.parametrize(
            "clock", list(instants.values()), ids=list(instants), indirect=True, scope="function"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", [])
        if "clock" in names:
            if item.get_closest_marker("steady_clock") is None:
                item.add_marker("clock")
            # Pin the clock before any other function fixture runs: fixtures that connect a
            # user or store a token read the time too.
            names.remove("clock")
            names.insert(0, "clock")


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Iterator[Clock]:
    """The clock, standing still at the chosen instant (see the module docstring)."""
    instant = parse_instant(request.param) if hasattr(request, "param") else datetime.now(UTC)
    with time_machine.travel(instant, tick=False) as traveller:
        yield Clock(traveller)
