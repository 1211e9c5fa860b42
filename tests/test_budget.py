"""One budget for every call to Cronofy: people first, shared by every process."""

import logging

import pytest

from app.cronofy import errors
from app.cronofy.budget import background_calls, budget_for
from tests.conftest import built_app, mocked_cronofy_app
from tests.cronofy_data import CALENDARS, WORK_EVENTS_URL
from tests.helpers import connect, connection_id, csrf_token, register, sync_copy
from tests.live import free_port

QUICK = {"CRONOFY_BUDGET_WAIT": 0.05, "CRONOFY_BUDGET_BACKGROUND_WAIT": 0.05}


def spend(budget, times: int) -> int:
    """Take the budget `times` times; how many were granted before it ran out."""
    for granted in range(times):
        try:
            budget.take()
        except errors.CronofyRateLimited:
            return granted
    return times


def test_people_may_use_it_all_and_background_work_leaves_a_fifth(database_url, clock):
    with built_app(database_url, CRONOFY_BUDGET="10 per minute", **QUICK) as app:
        budget = budget_for(app)
        with background_calls():
            assert spend(budget, 20) == 8  # stops at the last fifth
        assert spend(budget, 20) == 2  # kept for people
        with pytest.raises(errors.CronofyRateLimited) as refused:
            budget.take()
        assert 0 < refused.value.retry_after <= 60
        clock.advance(61)  # a new minute
        assert spend(budget, 20) == 10


def test_an_empty_budget_answers_a_person_at_once_and_calls_nobody(database_url, cronofy, clock):
    with mocked_cronofy_app(database_url, CRONOFY_BUDGET="4 per minute", **QUICK) as app:
        client = app.test_client()
        register(client)
        connect(client, cronofy)  # spends one unit: the account's time zone
        sync_copy(cronofy, CALENDARS)  # three more, in the background
        data = {
            "calendar": f"{connection_id(app)}:cal_work",
            "summary": "One too many",
            "start_date": "2030-01-01",
            "start_time": "10:00",
            "duration": "30",
            "csrf_token": csrf_token(client),
        }
        response = client.post("/events/new", data=data)
        assert response.status_code == 503
        assert "Cronofy is busy with too many requests." in response.get_data(as_text=True)
        assert not [c for c in cronofy.calls if c.request.url.startswith(WORK_EVENTS_URL)]


def test_processes_share_the_budget_through_redis(database_url, own_redis):
    settings = {"CRONOFY_BUDGET": "6 per minute", "RATELIMIT_STORAGE_URI": own_redis.url, **QUICK}
    with (
        built_app(database_url, **settings) as one,
        built_app(database_url, **settings) as two,
    ):
        first, second = budget_for(one), budget_for(two)  # as two processes would
        assert spend(first, 4) + spend(second, 4) == 6


def test_a_budget_store_that_is_down_counts_in_memory(database_url, caplog):
    store = f"redis://127.0.0.1:{free_port()}/0"
    with built_app(
        database_url, CRONOFY_BUDGET="3 per minute", RATELIMIT_STORAGE_URI=store, **QUICK
    ) as app:
        budget = budget_for(app)
        assert spend(budget, 5) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings[0].startswith("Cronofy budget store unusable (ConnectionError)")
    assert sum(m.startswith("Cronofy budget store unusable") for m in warnings) == 1
