"""Running independent calls to Cronofy at the same time.

A dashboard needs calendars, profiles and events for every connection; one after the other
that is the sum of their round trips, together it is about the slowest one. The calls run
on a thread pool of this process. They are plain HTTP: every database read and write
(tokens, refreshes) stays on the request's own thread.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import TypeVar

from flask import Flask, current_app

T = TypeVar("T")


def init_parallel(app: Flask) -> None:
    """A pool per process; its threads start on first use (after a server forks)."""
    workers = app.config["CRONOFY_PARALLEL_CALLS"]
    app.extensions["cronofy_pool"] = (
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cronofy")
        if workers > 1
        else None
    )


def run_all(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Run the calls concurrently; each one's result, or the exception it raised, in order."""
    pool: ThreadPoolExecutor | None = current_app.extensions["cronofy_pool"]
    if pool is None or len(calls) < 2:
        return [_outcome(call) for call in calls]
    # Each call runs in a copy of this context, so its log lines carry the request id.
    futures = [pool.submit(copy_context().run, _outcome, call) for call in calls]
    return [future.result() for future in futures]


def _outcome(call: Callable[[], T]) -> T | Exception:
    try:
        return call()
    except Exception as exc:  # handed back to the request thread, which decides
        return exc
