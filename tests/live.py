"""Real servers for integration and browser tests: the app served from a thread, app
processes (gunicorn, workers) beside it, a Redis of the test's own, and waiting for them.

Nothing here imports the app: `scripts/bench.py` uses these too.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import redis
import requests
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parent.parent  # the repository


def wait_until(
    done: Callable[[], bool], what: str, timeout: float = 10.0, every: float = 0.05
) -> None:
    """Ask `done` every `every` seconds until it is true; fail saying `what` never happened."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(every)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        """Tests read the sandbox's request log instead."""


class LiveApp:
    """Serve a Flask app (or any WSGI app) on a free loopback port from a thread, like a
    deployed server."""

    def __init__(self, app: Flask, host: str = "127.0.0.1") -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(
            host, 0, app, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def fresh_postgres_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server; return its URL. Raises if unreachable."""
    server = make_url(server_url)
    _on_server(
        server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"
    )
    return server.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, name: str) -> None:
    _on_server(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _on_server(server_url: str, *statements: str) -> None:
    engine = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def free_port() -> int:
    """A loopback port nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int, threads: int) -> list[str]:
    """One app process on `port`: a gunicorn worker with `threads` threads."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        f"--threads={threads}",
        "wsgi:app",
    ]


class ServerProcess:
    """A server started as its own process (gunicorn, say), stopped on exit."""

    def __init__(
        self,
        command: list[str],
        ready_url: str,
        env: dict[str, str],
        console: Path | None = None,
    ) -> None:
        """`console`: a file that gets what the process writes (both streams); else dropped."""
        self.command, self.ready_url, self.env = command, ready_url, env
        self.console = console
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        if self.console:
            with self.console.open("wb") as output:  # the process keeps its own copy
                self.process = self._start(output, subprocess.STDOUT)
        else:
            self.process = self._start(subprocess.DEVNULL, subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[2:4]} exited while starting")
            try:
                requests.get(self.ready_url, timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"{self.ready_url} did not come up")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _start(self, stdout: IO[bytes] | int, stderr: int) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - a fixed command of the project's
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=stdout,  # e.g. gunicorn's access log
            stderr=stderr,
        )


def app_process_env(
    app: Flask, database_url: str, sandbox: Any, redis_url: str, **settings: str
) -> dict[str, str]:
    """The environment of an app process (gunicorn, a worker) beside the test's `app`:
    development, on the same database and keys, the sandbox as Cronofy, rate limits in
    Redis's database 0 and the task queue in its database 1; `settings` add to it."""
    return {
        **os.environ,
        "APP_CONFIG": "development",
        "SECRET_KEY": "shared-by-every-process-" + "x" * 24,
        "TOKEN_ENCRYPTION_KEYS": ",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
        "DATABASE_URL": database_url,
        "CRONOFY_APP_URL": sandbox.app_url,
        "CRONOFY_API_URL": sandbox.api_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "TASK_QUEUE_URL": redis_url.replace("/0", "/1"),
        **settings,
    }


@contextmanager
def two_web_processes_and_a_worker(
    app: Flask,
    database_url: str,
    sandbox: Any,
    redis_url: str,
    threads: int,
    push: bool = False,
    **settings: str,
) -> Iterator[tuple[str, str]]:
    """Two gunicorn processes of the app and a worker process: their two URLs.

    Both send Cronofy the second one's callback URL, as two hosts behind one load balancer
    share the public URL, so an authorization started on the first ends on the second. With
    `push`, Cronofy's notifications go to the first.
    """
    ports = free_port(), free_port()
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    callback = f"{second}/auth/cronofy/callback"
    sandbox.state.register_redirect_uri(callback)
    if push:
        settings["CRONOFY_NOTIFICATION_URL"] = first
    env = app_process_env(
        app, database_url, sandbox, redis_url, CRONOFY_REDIRECT_URI=callback, **settings
    )
    with ExitStack() as stack:
        for port, url in zip(ports, (first, second), strict=True):
            stack.enter_context(ServerProcess(gunicorn_command(port, threads), url, env))
        stack.enter_context(WorkerProcess(env))
        yield first, second


# No snapshots, no append-only file: the server never writes to disk.
NO_DISK = ("--save", "", "--appendonly", "no")


class WorkerProcess:
    """`flask --app wsgi worker` as its own process: a real consumer of the task queue."""

    def __init__(self, env: dict[str, str], threads: int = 2) -> None:
        self.command = [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "worker",
            f"--threads={threads}",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the project's own command
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)
        if self.process.poll() is not None:
            raise RuntimeError("the worker exited while starting")

    def kill(self) -> None:
        """SIGKILL: a worker that dies mid-task, with no chance to clean up."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class RedisServer:
    """A Redis server of the test's own on a free port, which the test can kill and restart.

    Nothing is saved to disk: a restarted server starts empty, like one that lost its data.
    """

    def __init__(self, password: str | None = None) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise FileNotFoundError("redis-server is not on PATH")
        self.executable = executable
        self.port = free_port()
        self.password = password
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server on its port and wait until it answers PING."""
        command = [self.executable, "--bind", "127.0.0.1", "--port", str(self.port), *NO_DISK]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(  # noqa: S603 - redis-server with fixed arguments
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited while starting on {self.port}")
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    time.sleep(0.02)
            raise RuntimeError(f"redis-server did not answer on {self.port}")
        finally:
            client.close()

    def kill(self) -> None:
        """Kill the server (SIGKILL: no goodbye to its clients) and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        """A client of this server, for the test to look at its keys."""
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, decode_responses=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
