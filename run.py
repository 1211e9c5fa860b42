"""`make run`: serve the app on http://127.0.0.1:5000 for local use.

With no Cronofy credentials configured, the bundled sandbox is started on ports 5001 (its
authorization page) and 5002 (its API) in the same process, and the app talks to it.
This file is the only place where the app and the sandbox meet.
"""

import os
import sys
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler

from app import create_app

HOST, PORT = "127.0.0.1", 5000


def main() -> None:
    os.environ.setdefault("APP_CONFIG", "development")
    app = create_app()
    config = app.config
    sandbox = None
    if config["CRONOFY_USES_SANDBOX"]:
        from sandbox import SandboxServer, SandboxState

        app_port = _port(config["CRONOFY_APP_URL"])
        api_port = _port(config["CRONOFY_API_URL"])
        redirect_uris = [
            f"http://{HOST}:{PORT}/auth/cronofy/callback",
            f"http://localhost:{PORT}/auth/cronofy/callback",
        ]
        sandbox = SandboxServer(
            state=SandboxState(redirect_uris=redirect_uris),
            app_port=app_port,
            api_port=api_port,
        )
        sandbox.start()
        print(f" * Cronofy: the bundled sandbox ({sandbox.app_url}, {sandbox.api_url})")
    else:
        print(f" * Cronofy: {config['CRONOFY_APP_URL']} and {config['CRONOFY_API_URL']}")
    print(f" * Open http://{HOST}:{PORT} in your browser (Ctrl-C to stop)")
    try:
        # No debugger and no reloader: a traceback page must never be served, and the
        # reloader would start a second sandbox.
        app.run(
            HOST,
            PORT,
            debug=False,
            use_reloader=False,
            threaded=True,
            request_handler=PathOnlyRequestHandler,
        )
    finally:
        if sandbox is not None:
            sandbox.stop()


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Log requests without their query string: the OAuth callback's carries the code."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, code)


def _port(url: str) -> int:
    try:
        return int(url.rsplit(":", 1)[1].split("/", 1)[0])
    except (IndexError, ValueError):
        sys.exit(f"Cannot run the sandbox at {url}: the URL needs an explicit port.")


if __name__ == "__main__":
    main()
