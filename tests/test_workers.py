"""Background work with real consumer processes (`flask --app wsgi worker`) on a real Redis.

The app is served over HTTP from this process, with the sandbox; the workers are processes
of their own, sharing the database and a Redis server the test starts on its own port.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import CronofyConnection
from app.sync import tasks
from sandbox import SandboxServer
from sandbox import defaults as sandbox_defaults
from tests.conftest import served_with_sandbox
from tests.live import LiveApp, RedisServer, WorkerProcess, app_process_env, wait_until
from tests.visitor import register_and_connect


@dataclass
class Setup:
    """The app, its Redis, and how to start workers that share them."""

    server: LiveApp
    redis: RedisServer
    env: dict[str, str]

    def worker(self, threads: int = 2) -> WorkerProcess:
        return WorkerProcess(self.env, threads)

    def connection_ids(self) -> list[int]:
        with self.server.app.app_context():
            return list(db.session.scalars(select(CronofyConnection.id)))

    def nudge(self, times: int = 1) -> None:
        with self.server.app.app_context():
            for _ in range(times):
                tasks.request_sync(self.connection_ids())

    def sweep(self) -> None:
        with self.server.app.app_context():
            tasks.sweep.call_local()


@contextmanager
def setup_for(
    database_url: str, sandbox: SandboxServer, redis: RedisServer, **settings: str
) -> Iterator[Setup]:
    queue = redis.url.replace("/0", "/1")
    budget = settings.pop("CRONOFY_BUDGET", "45 per second; 450 per minute")
    with served_with_sandbox(
        database_url,
        sandbox,
        TASK_QUEUE_IMMEDIATE=False,
        TASK_QUEUE_URL=queue,
        RATELIMIT_STORAGE_URI=redis.url,
        CRONOFY_BUDGET=budget,
        **{k: (int(v) if v.isdigit() else v) for k, v in settings.items()},
    ) as server:
        env = app_process_env(
            server.app,
            database_url,
            sandbox,
            redis.url,
            CRONOFY_CLIENT_ID=sandbox_defaults.CLIENT_ID,
            CRONOFY_CLIENT_SECRET=sandbox_defaults.CLIENT_SECRET,
            CRONOFY_BUDGET=budget,
            **settings,
        )
        yield Setup(server, redis, env)


def api_reads(sandbox: SandboxServer) -> list[str]:
    return [e["path"] for e in sandbox.state.requests_log() if e["path"].startswith("/v1/")]


def test_the_first_sync_lands_and_views_then_ask_cronofy_nothing(database_url, sandbox, own_redis):
    with setup_for(database_url, sandbox, own_redis) as setup, setup.worker():
        base = setup.server.url
        visitor = register_and_connect(base, "ada@example.com")
        assert "Syncing your calendars" in visitor.text or "Work" in visitor.text
        visitor.reload_until("Team holidays")  # the worker process filled the copy
        read = {path.split("/pages/")[0] for path in api_reads(sandbox)}
        assert read == {"/v1/account", "/v1/calendars", "/v1/events", "/v1/profiles"}

        sandbox.state.clear_log()
        for _ in range(50):
            visitor.get(f"{base}/dashboard")
            assert "Team holidays" in visitor.text
        assert sandbox.state.requests_log() == []


def test_a_worker_killed_mid_sync_loses_nothing(database_url, sandbox, own_redis):
    with setup_for(database_url, sandbox, own_redis, CRONOFY_SYNC_LEASE="2") as setup:
        with setup.worker():
            visitor = register_and_connect(setup.server.url, "ada@example.com")
            visitor.reload_until("Team holidays")
        [connection_id] = setup.connection_ids()

        sandbox.state.set_settings(latency_ms=5000)  # a sync that takes its time
        sandbox.state.clear_log()
        setup.nudge()
        dying = setup.worker()
        dying.start()

        def leased() -> bool:
            with setup.server.app.app_context():
                return (
                    db.session.get(CronofyConnection, connection_id).sync_lease_until is not None
                )

        wait_until(leased, "a worker taking the lease", 15)
        dying.kill()  # mid-sync: its lease stays, and so does the mark
        sandbox.state.set_settings(latency_ms=0)
        with setup.server.app.app_context():
            row = db.session.get(CronofyConnection, connection_id)
            assert row.sync_wanted_at is not None

        time.sleep(2.1)  # the dead worker's lease runs out
        with setup.worker():
            setup.sweep()  # what runs every minute finds the mark and nudges again

            def finished() -> bool:
                with setup.server.app.app_context():
                    row = db.session.get(CronofyConnection, connection_id)
                    return row.sync_wanted_at is None and row.sync_lease_until is None

            wait_until(finished, "the sync finishing", 15)
        assert "/v1/calendars" in api_reads(sandbox)


def test_a_hundred_nudges_make_at_most_two_syncs(database_url, sandbox, own_redis):
    with setup_for(database_url, sandbox, own_redis) as setup, setup.worker(threads=4):
        visitor = register_and_connect(setup.server.url, "ada@example.com")
        visitor.reload_until("Team holidays")
        # Each read takes four seconds, so the hundred nudges all arrive during the first sync.
        sandbox.state.set_settings(latency_ms=4000, page_size=500)
        sandbox.state.clear_log()
        setup.nudge(100)

        def settled() -> bool:
            with setup.server.app.app_context():
                db.session.expire_all()
                [row] = db.session.scalars(select(CronofyConnection))
                return row.sync_wanted_at is None and row.sync_lease_until is None

        wait_until(settled, "the workers settling", 30)
        time.sleep(0.5)  # anything still queued would run now
        assert 1 <= api_reads(sandbox).count("/v1/calendars") <= 2


def test_the_budget_holds_across_worker_processes(database_url, sandbox, own_redis):
    """Two workers and five connections to sync (fifteen reads or more), on a budget of
    twenty calls a minute of which four are only for people: all processes together never
    make more, and the syncs that found none left wait for the next minute."""
    with setup_for(database_url, sandbox, own_redis, CRONOFY_BUDGET="20 per minute") as setup:
        for n in range(5):  # each connect spends one unit: its /v1/account read
            register_and_connect(setup.server.url, f"user{n}@example.com")
        sandbox.state.clear_log()
        with setup.worker(), setup.worker():
            time.sleep(4)
        reads = api_reads(sandbox)
        # People's four-unit share went to the connects (the fifth came from the rest), and
        # the workers had what was left of the rest: exactly, however many threads ask.
        assert 0 < len(reads) <= 20 - 4 - 1, reads
        with setup.server.app.app_context():
            waiting = db.session.scalars(
                select(CronofyConnection).where(CronofyConnection.sync_wanted_at.is_not(None))
            ).all()
        assert waiting  # not all of them could be read this minute
