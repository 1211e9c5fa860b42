"""Cronofy's rate limits in the sandbox: off by default; when on, counted for every client."""

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from sandbox import SandboxServer, SandboxState
from sandbox.state import DEFAULT_SETTINGS
from tests.clock import Clock
from tests.sandbox.conftest import HTML, TIMEOUT, Api, auth_params, control, refresh

# Windows of the sandbox's clock, moved by hand: no date can change these outcomes.
pytestmark = pytest.mark.steady_clock

THREADS = 16
TOO_MANY = {"error": "too_many_requests"}


def limits(server: SandboxServer, **settings: Any) -> None:
    """Turn the rate limits on, with any other settings, through the HTTP control."""
    response = control(server, "PATCH", "/settings", json={"rate_limits": True, **settings})
    assert response.status_code == 200, response.text


def consent_page(server: SandboxServer) -> requests.Response:
    return requests.get(
        f"{server.app_url}/oauth/authorize",
        params=auth_params(),
        headers=HTML,
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def to_whole_minute(clock: Clock) -> None:
    """Stand the clock at the start of the current minute, so seconds 0-59 share one minute."""
    clock.move_to(clock.now().replace(second=0, microsecond=0))


def to_whole_second(clock: Clock) -> None:
    clock.move_to(clock.now().replace(microsecond=0))


@pytest.fixture
def users(sandbox: SandboxServer, connect: Callable[..., dict[str, Any]]) -> tuple[Api, Api]:
    """Two connected users of the application; the log is empty afterwards."""
    ann = Api(sandbox, connect("ann@example.com")["access_token"])
    bob = Api(sandbox, connect("bob@example.com")["access_token"])
    sandbox.state.clear_log()
    return ann, bob


@pytest.fixture
def send(sandbox: SandboxServer, users: tuple[Api, Api]) -> Iterator[Callable[[int], list[Any]]]:
    """Send n requests from a thread pool, by turns to each user's API and the consent page.

    Each is one that answers 200 when it is let through; the answers come back as (status,
    body, Retry-After) in the order the requests were made.
    """
    ann, bob = users
    kinds: list[Callable[[], requests.Response]] = [
        lambda: ann.get("/v1/account"),
        lambda: bob.get("/v1/calendars"),
        lambda: consent_page(sandbox),
    ]

    def one(i: int) -> tuple[int, Any, str | None]:
        response = kinds[i % len(kinds)]()
        body = response.json() if response.status_code == 429 else None
        return response.status_code, body, response.headers.get("Retry-After")

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        yield lambda n: list(pool.map(one, range(n)))


def statuses(answers: list[Any]) -> Counter[int]:
    return Counter(status for status, _, _ in answers)


def test_off_by_default_600_requests_in_one_second_all_answered(
    clock: Clock, sandbox: SandboxServer, send: Callable[[int], list[Any]]
) -> None:
    assert sandbox.state.settings["rate_limits"] is False
    assert statuses(send(600)) == {200: 600}
    log = sandbox.state.requests_log()
    assert len(log) == 600
    assert [e for e in log if e["rate_limited"] or e["status"] != 200] == []


def test_per_minute_limit_refuses_exactly_the_requests_over_500(
    clock: Clock, sandbox: SandboxServer, send: Callable[[int], list[Any]]
) -> None:
    limits(sandbox, rate_limit_per_second=10_000)
    answers = send(600)  # the clock stands still: all 600 fall in one second and one minute
    assert statuses(answers) == {200: 500, 429: 100}
    assert all(body == TOO_MANY for status, body, _ in answers if status == 429)
    assert all(retry_after is None for _, _, retry_after in answers)
    log = sandbox.state.requests_log()
    assert len(log) == 600
    assert Counter((e["status"], e["rate_limited"]) for e in log) == {
        (200, False): 500,
        (429, True): 100,
    }


def test_600_requests_over_twelve_seconds_of_one_minute(
    clock: Clock, sandbox: SandboxServer, send: Callable[[int], list[Any]]
) -> None:
    to_whole_minute(clock)
    limits(sandbox)  # Cronofy's own numbers: 50 a second, 500 a minute
    per_second = []
    for _ in range(12):
        per_second.append(statuses(send(50)))  # 50 at a time never meets the per-second limit
        clock.advance(1)
    assert per_second == [{200: 50}] * 10 + [{429: 50}] * 2
    log = sandbox.state.requests_log()
    assert [(e["status"], e["rate_limited"]) for e in log] == [(200, False)] * 500 + [
        (429, True)
    ] * 100
    clock.advance(60 - 12)  # the next minute
    assert statuses(send(3)) == {200: 3}


def test_per_second_limit_refuses_the_51st_and_the_next_second_is_fine(
    clock: Clock, sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, _ = users
    to_whole_second(clock)
    limits(sandbox)
    assert [ann.get("/v1/account").status_code for _ in range(50)] == [200] * 50
    refused = ann.get("/v1/account")
    assert (refused.status_code, refused.json()) == (429, TOO_MANY)
    assert "Retry-After" not in refused.headers
    clock.advance(0.999)  # still the same second
    assert ann.get("/v1/account").status_code == 429
    clock.advance(0.001)
    assert [ann.get("/v1/account").status_code for _ in range(50)] == [200] * 50
    assert ann.get("/v1/account").status_code == 429
    log = sandbox.state.requests_log()
    assert [e["rate_limited"] for e in log] == [False] * 50 + [True] * 2 + [False] * 50 + [True]
    assert [e["status"] for e in log] == [200] * 50 + [429] * 2 + [200] * 50 + [429]


def test_refused_requests_use_up_neither_window(
    clock: Clock, sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, _ = users
    to_whole_minute(clock)
    limits(sandbox, rate_limit_per_second=1, rate_limit_per_minute=3)
    answers = []
    for _ in range(4):
        answers.append([ann.get("/v1/account").status_code for _ in range(4)])
        clock.advance(1)
    assert answers == [[200, 429, 429, 429], [200, 429, 429, 429], [200, 429, 429, 429], [429] * 4]


def test_the_limits_count_every_client_on_both_hosts_together(
    clock: Clock, sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, bob = users
    limits(sandbox, rate_limit_per_second=3)
    assert consent_page(sandbox).status_code == 200
    assert ann.get("/v1/account").status_code == 200
    assert bob.get("/v1/account").status_code == 200
    assert consent_page(sandbox).status_code == 429
    assert ann.get("/v1/account").status_code == 429
    assert bob.get("/v1/account").status_code == 429
    token = requests.post(f"{sandbox.app_url}/oauth/token", json={}, timeout=TIMEOUT)
    assert token.status_code == 429
    log = sandbox.state.requests_log()
    assert [(e["host"], e["status"], e["rate_limited"]) for e in log] == [
        ("app", 200, False),
        ("api", 200, False),
        ("api", 200, False),
        ("app", 429, True),
        ("api", 429, True),
        ("api", 429, True),
        ("app", 429, True),
    ]


def test_a_refused_request_does_no_work(
    clock: Clock, sandbox: SandboxServer, tokens: dict[str, Any]
) -> None:
    api = Api(sandbox, tokens["access_token"])

    def refreshed() -> int:
        return refresh(sandbox, tokens["refresh_token"]).status_code

    sandbox.state.add_fault("/v1/account", 503)
    limits(sandbox, rate_limit_per_second=1)
    assert api.get("/v1/calendars").status_code == 200
    # A refresh rotates the refresh token, and a planned fault is used up when it answers:
    # neither happens to a refused request.
    assert refreshed() == 429
    assert api.get("/v1/account").status_code == 429
    clock.advance(1)
    assert refreshed() == 200  # the refresh token was still the live one
    clock.advance(1)
    assert api.get("/v1/account").status_code == 503
    clock.advance(1)
    assert api.get("/v1/account").status_code == 200


def test_retry_after_is_sent_only_when_the_setting_says(
    clock: Clock, sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, _ = users
    limits(sandbox, rate_limit_per_second=1)
    assert ann.get("/v1/account").status_code == 200
    for setting, header in [(None, None), (30, "30"), (0, "0"), (None, None)]:
        limits(sandbox, rate_limit_retry_after=setting)
        response = ann.get("/v1/account")
        assert response.status_code == 429
        assert response.headers.get("Retry-After") == header


def test_a_planned_429_carries_the_same_retry_after(
    sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, _ = users
    sandbox.state.add_fault("/v1/account", 429, count=2)
    first = ann.get("/v1/account")
    assert (first.status_code, first.json()) == (429, TOO_MANY)
    assert "Retry-After" not in first.headers
    sandbox.state.set_settings(rate_limit_retry_after=5)  # the limits themselves stay off
    second = ann.get("/v1/account")
    assert (second.status_code, second.headers.get("Retry-After")) == (429, "5")
    assert [e["rate_limited"] for e in sandbox.state.requests_log()] == [False, False]


def test_controls_are_never_limited_and_use_up_nothing(
    clock: Clock, sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, _ = users
    limits(sandbox, rate_limit_per_second=1, rate_limit_per_minute=1)
    for _ in range(10):
        assert control(sandbox, "GET", "/settings").status_code == 200
        assert control(sandbox, "GET", "/requests").status_code == 200
        assert control(sandbox, "GET", "/accounts").status_code == 200
        assert control(sandbox, "PATCH", "/settings", json={"page_size": 25}).status_code == 200
    assert ann.get("/v1/account").status_code == 200
    assert ann.get("/v1/account").status_code == 429
    assert control(sandbox, "GET", "/settings").status_code == 200
    assert [e["status"] for e in sandbox.state.requests_log()] == [200, 429]


def test_reset_turns_the_limits_off_and_forgets_the_counts(
    clock: Clock, sandbox: SandboxServer, users: tuple[Api, Api]
) -> None:
    ann, _ = users
    limits(sandbox, rate_limit_per_second=1)
    assert [ann.get("/v1/account").status_code for _ in range(2)] == [200, 429]
    sandbox.state.reset()
    assert sandbox.state.settings["rate_limits"] is False
    limits(sandbox, rate_limit_per_second=1)  # the same second, but nothing counted yet
    assert ann.get("/v1/account").status_code == 401  # let through; the reset ended the token
    assert ann.get("/v1/account").status_code == 429


def test_settings_round_trip_including_null(sandbox: SandboxServer) -> None:
    body = {
        "rate_limits": True,
        "rate_limit_per_second": 5,
        "rate_limit_per_minute": 7,
        "rate_limit_retry_after": 12,
    }
    response = control(sandbox, "PATCH", "/settings", json=body)
    assert response.status_code == 200
    assert {k: response.json()[k] for k in body} == body
    response = control(sandbox, "PATCH", "/settings", json={"rate_limit_retry_after": None})
    assert response.status_code == 200
    assert sandbox.state.settings["rate_limit_retry_after"] is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"rate_limits": "true"}, "rate_limits"),
        ({"rate_limits": 1}, "rate_limits"),
        ({"rate_limits": None}, "rate_limits"),
        ({"rate_limit_per_second": 0}, "rate_limit_per_second"),
        ({"rate_limit_per_second": 2.5}, "rate_limit_per_second"),
        ({"rate_limit_per_second": None}, "rate_limit_per_second"),
        ({"rate_limit_per_minute": True}, "rate_limit_per_minute"),
        ({"rate_limit_per_minute": "500"}, "rate_limit_per_minute"),
        ({"rate_limit_per_minute": 1_000_001}, "rate_limit_per_minute"),
        ({"rate_limit_retry_after": -1}, "rate_limit_retry_after"),
        ({"rate_limit_retry_after": 1.5}, "rate_limit_retry_after"),
        ({"rate_limit_retry_after": "30"}, "rate_limit_retry_after"),
        ({"rate_limit_retry_after": False}, "rate_limit_retry_after"),
        ({"rate_limits": True, "rate_limit_per_second": 0}, "rate_limit_per_second"),
    ],
)
def test_bad_rate_limit_settings_are_400_and_change_nothing(
    sandbox: SandboxServer, body: dict[str, Any], named: str
) -> None:
    response = control(sandbox, "PATCH", "/settings", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(named + " must be")
    assert control(sandbox, "GET", "/settings").json() == DEFAULT_SETTINGS


def test_set_settings_in_python_validates_the_rate_limits(state: SandboxState) -> None:
    with pytest.raises(ValueError, match="rate_limit_retry_after"):
        state.set_settings(rate_limit_retry_after=-5)
    with pytest.raises(ValueError, match="rate_limits must be true or false"):
        state.set_settings(rate_limits="on")
    assert state.settings["rate_limit_retry_after"] is None
