"""`make run`: serve the app on http://127.0.0.1:5000 (or `make run PORT=5050`) for local use.

Background work (filling each connection's local copy) runs in this same process, on worker
threads reading the SQLite task queue in instance/. With no Cronofy credentials configured,
the bundled sandbox is started in the same process too, its authorization page on PORT+1
and its API on PORT+2. It keeps its accounts and authorizations in
instance/sandbox-state.json, beside the app's database, queue and keys, so a restart keeps
every connection working; `make reset` forgets them all.
This file is where the app and the sandbox meet; config.py takes only the sandbox's
published defaults (sandbox/defaults.py: its ports, credentials and redirect URIs).
"""

import logging
import os
import re
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

from app import create_app
from app.sync.queue import start_embedded_consumer
from config import INSTANCE_DIR, ConfigError
from sandbox import defaults as sandbox_defaults

if TYPE_CHECKING:
    from sandbox import SandboxServer

# Where the sandbox's default redirect URIs (and the printed links) expect the app.
HOST = sandbox_defaults.HOST
SANDBOX_STATE_FILE = INSTANCE_DIR / "sandbox-state.json"
ACCESS_LOG = logging.getLogger("werkzeug")


def main() -> None:
    os.environ.setdefault("APP_CONFIG", "development")
    try:
        app = create_app()
    except ConfigError as exc:
        sys.exit(str(exc))
    port: int = app.config["PORT"]
    sandbox = _sandbox(app, port) if app.config["CRONOFY_USES_SANDBOX"] else None
    ports = {port: "the app"}
    if sandbox is not None:
        ports[_port(app.config["CRONOFY_APP_URL"])] = "the sandbox's authorization page"
        ports[_port(app.config["CRONOFY_API_URL"])] = "the sandbox's API"
    _check_free(ports)

    if sandbox is not None:
        sandbox.start()
        print(f" * Cronofy: the bundled sandbox ({sandbox.app_url}, {sandbox.api_url})")
        print(f" * Its accounts and tokens are kept in {_shown(sandbox.state.state_file)}")
    else:
        print(f" * Cronofy: {app.config['CRONOFY_APP_URL']} and {app.config['CRONOFY_API_URL']}")
    _quiet_startup_banners()
    consumer = None
    if not app.config["TASK_QUEUE_IMMEDIATE"]:
        consumer = start_embedded_consumer(app.config["WORKER_THREADS"])
        print(f" * Background work: {app.config['WORKER_THREADS']} worker threads in this process")
    print(" * A development server: production runs gunicorn (docs/deployment.md)")
    print(f" * Open http://{HOST}:{port} in your browser (Ctrl-C to stop)", flush=True)
    try:
        # No debugger and no reloader: a traceback page must never be served, and the
        # reloader would start a second sandbox. (Werkzeug's own server, as `app.run` uses,
        # without the lines `app.run` prints about it.)
        run_simple(
            HOST,
            port,
            app,
            use_debugger=False,
            use_reloader=False,
            threaded=True,
            request_handler=PathOnlyRequestHandler,
        )
    finally:
        if consumer is not None:
            consumer.stop()
        if sandbox is not None:
            sandbox.stop()


class _StartupBanner(logging.Filter):
    """The development server's own banner: the lines run.py prints say it in fewer words."""

    BANNER = ("WARNING: This is a development server.", "Press CTRL+C to quit")

    def filter(self, record: logging.LogRecord) -> bool:
        text = re.sub(r"\x1b\[[0-9;]*m", "", record.getMessage())  # its colours, if any
        return not text.startswith(self.BANNER)


def _quiet_startup_banners() -> None:
    """Start-up chatter off the console; requests, jobs and every warning stay on it."""
    ACCESS_LOG.addFilter(_StartupBanner())
    # The consumer's own lines (its thread count, the list of task names) at start and stop.
    logging.getLogger("huey.consumer").setLevel(logging.WARNING)


def _sandbox(app: Flask, port: int) -> "SandboxServer":
    """The sandbox, not yet started, registering this app's callback on `port`."""
    from sandbox import SandboxServer, SandboxState

    state_file = Path(os.environ.get("SANDBOX_STATE_FILE") or SANDBOX_STATE_FILE)
    try:
        state = SandboxState(
            redirect_uris=list(sandbox_defaults.redirect_uris(port)),
            state_file=state_file,
        )
    except ValueError as exc:  # a state file this version cannot read
        sys.exit(f"{exc}. Move it away, or run `make reset` to start over.")
    return SandboxServer(
        state=state,
        app_port=_port(app.config["CRONOFY_APP_URL"]),
        api_port=_port(app.config["CRONOFY_API_URL"]),
    )


def _check_free(ports: dict[int, str]) -> None:
    """Stop with one line naming the setting when a port is taken (AirPlay takes 5000 on macOS)."""
    for port, what in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As the servers will: a port left in TIME_WAIT by the last run counts as free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError:
                sys.exit(
                    f"Port {port}, for {what}, is in use by another program: "
                    "choose other ports with `make run PORT=5050` (or PORT in .env)."
                )


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Log requests without their query string: the OAuth callback's carries the code.
    (Nor the client's address and a second timestamp: every line has its time already.)"""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        ACCESS_LOG.info('"%s %s" %s', self.command, urlsplit(self.path).path, code)


def _port(url: str) -> int:
    port = urlsplit(url).port
    if port is None:
        sys.exit(f"Cannot run the sandbox at {url}: the URL needs an explicit port.")
    return port


def _shown(path: Path | None) -> str:
    """`path` relative to the working directory when it is inside it."""
    if path is None:
        return "memory only"
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
