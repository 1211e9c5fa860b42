"""The task queue (Huey) that runs background work, and where its messages are kept.

`huey` is created once, like the other extensions, and bound to an app by `init_queue`,
which picks its storage from TASK_QUEUE_URL: Redis for many machines, SQLite (a file) for
one, memory for tests. With TASK_QUEUE_IMMEDIATE a task runs at once in the process that
enqueues it. Every task body runs in an app context of its own, so it has its own database
session, whichever thread or process runs it.

Workers are `flask --app wsgi worker` (Huey's consumer under the project's own command);
`make run` starts one inside its own process instead (`start_embedded_consumer`).
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.consumer import Consumer
from huey.storage import (
    BaseStorage,
    MemoryStorage,
    PostgresStorage,
    RedisStorage,
    SqliteStorage,
)

from app.logging_setup import logged_as_task
from config import ConfigError

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

# Configured by init_queue; until then (and in tests that want it) it keeps tasks in memory.
huey = Huey("calendar-connect", results=False, storage_class=MemoryStorage)
_bound: dict[str, Flask] = {}


def init_queue(app: Flask) -> None:
    """Point the queue at TASK_QUEUE_URL, and remember the app tasks run in."""
    url = app.config.get("TASK_QUEUE_URL")
    if not url:
        raise ConfigError("TASK_QUEUE_URL is not set; see .env.example.")
    storage_class, kwargs = storage_for(str(url))
    huey.name = str(app.config.get("TASK_QUEUE_NAME") or "calendar-connect")
    huey.storage_class, huey.storage_kwargs = storage_class, kwargs
    huey.immediate = bool(app.config.get("TASK_QUEUE_IMMEDIATE"))
    huey.storage = huey.create_storage()  # memory in immediate mode
    _bound["app"] = app
    app.extensions["task_queue"] = huey


def storage_for(url: str) -> tuple[type[BaseStorage], dict[str, Any]]:
    """Huey's storage class and arguments for a queue URL."""
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisStorage, {"url": url}
    if parts.scheme == "sqlite":
        return SqliteStorage, {"filename": url.removeprefix("sqlite:///")}
    if parts.scheme in ("postgres", "postgresql"):
        return PostgresStorage, {"dsn": url.replace("postgres://", "postgresql://", 1)}
    if url == "memory://":
        return MemoryStorage, {}
    raise ConfigError(
        f"TASK_QUEUE_URL={safe_url(url)!r} is not a queue this app knows: use redis://, "
        "sqlite:///<path>, postgresql:// or memory://."
    )


def safe_url(url: str) -> str:
    """The URL without user or password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def app_task(**settings: Any) -> Callable[[Callable[P, R]], Any]:
    """`@huey.task`, with the body run in a fresh app context of the bound app.

    Inside a request (immediate mode) that is the request's app, in a context of its own,
    so the task commits its own session and never the request's.
    """

    def decorate(function: Callable[P, R]) -> Any:
        @wraps(function)
        def in_app_context(*args: P.args, **kwargs: P.kwargs) -> R:
            # Flask types current_app as the app itself, not the proxy it is.
            app = current_app._get_current_object() if has_app_context() else _bound["app"]  # type: ignore[attr-defined]
            with app.app_context(), logged_as_task(function.__name__):
                return function(*args, **kwargs)

        return huey.task(name=function.__name__, **settings)(in_app_context)

    return decorate


def app_periodic_task(
    validate_datetime: Callable[[Any], bool],
) -> Callable[[Callable[[], R]], Any]:
    """`@huey.periodic_task`, with the body run in an app context of the bound app."""

    def decorate(function: Callable[[], R]) -> Any:
        @wraps(function)
        def in_app_context() -> R:
            with _bound["app"].app_context(), logged_as_task(function.__name__):
                return function()

        return huey.periodic_task(validate_datetime, name=function.__name__)(in_app_context)

    return decorate


class EmbeddedConsumer(Consumer):
    """A consumer running as threads of this process, leaving its signals alone.

    `make run` uses it, so one process serves pages and does the background work; Ctrl-C
    stays the web server's.
    """

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded_consumer(workers: int) -> EmbeddedConsumer:
    """Start worker and scheduler threads in this process; `stop()` them at exit."""
    consumer = EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    return consumer
