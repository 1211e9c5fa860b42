"""Both hosts served from background threads, for tests, `run.py` and `python -m sandbox`."""

import logging
import threading
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.hosts import create_api_host, create_app_host
from sandbox.state import SandboxState

log = logging.getLogger("sandbox")


class QuietRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: query strings can carry codes and tokens."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s", self.command, urlsplit(self.path).path, code)


class SandboxServer:
    """The app host and the API host, each on its own port (0 picks a free one)."""

    def __init__(
        self,
        state: SandboxState | None = None,
        host: str = "127.0.0.1",
        app_port: int = 0,
        api_port: int = 0,
    ) -> None:
        self.state = state or SandboxState()
        self.host = host
        self.app_port = app_port
        self.api_port = api_port
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []
        self.app_url = ""
        self.api_url = ""

    def _serve(self, app: Flask, port: int) -> str:
        server = make_server(
            self.host,
            port,
            app,
            threaded=True,
            request_handler=QuietRequestHandler,
        )
        thread = threading.Thread(target=server.serve_forever, name=f"sandbox:{port}", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{server.server_port}"

    def start(self) -> Self:
        """Bind both ports and start serving; the URLs are known once this returns."""
        if self._servers:
            raise RuntimeError("the sandbox server is already running")
        try:
            self.app_url = self._serve(create_app_host(self.state), self.app_port)
            self.api_url = self._serve(create_api_host(self.state), self.api_port)
        except BaseException:
            self.stop()
            raise
        self.state.app_url = self.app_url
        return self

    def stop(self) -> None:
        """Stop serving, release both ports, and send no more notifications (a delivery
        being retried would otherwise go on from its thread, long after)."""
        self.state.deliveries.clear()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
