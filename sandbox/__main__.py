"""`python -m sandbox`: serve both hosts until Ctrl-C, printing what a client needs."""

import argparse
import logging
import os
import threading

from sandbox import defaults
from sandbox.server import SandboxServer
from sandbox.state import DEFAULT_REDIRECT_URIS, SandboxState


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument(
        "--host", default=defaults.HOST, help="address to bind (default %(default)s)"
    )
    parser.add_argument(
        "--app-port",
        type=int,
        default=defaults.APP_HOST_PORT,
        help="app host port (default %(default)s)",
    )
    parser.add_argument(
        "--api-port",
        type=int,
        default=defaults.API_HOST_PORT,
        help="API host port (default %(default)s)",
    )
    parser.add_argument(
        "--state-file",
        default=env.get("SANDBOX_STATE_FILE") or None,
        help="JSON file that keeps accounts and tokens across restarts",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help="registered redirect URI (repeatable)",
    )
    parser.add_argument("--client-id", default=env.get("SANDBOX_CLIENT_ID", defaults.CLIENT_ID))
    parser.add_argument(
        "--client-secret", default=env.get("SANDBOX_CLIENT_SECRET", defaults.CLIENT_SECRET)
    )
    args = parser.parse_args(argv)
    if not args.redirect_uris:
        args.redirect_uris = env.get("SANDBOX_REDIRECT_URIS", "").split() or list(
            DEFAULT_REDIRECT_URIS
        )
    return args


def main(argv: list[str] | None = None) -> None:
    """Start the sandbox in the foreground."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(message)s")
    state = SandboxState(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uris,
        state_file=args.state_file,
    )
    server = SandboxServer(state, host=args.host, app_port=args.app_port, api_port=args.api_port)
    with server:
        # The client secret is the sandbox's own demo value, printed so it can be pasted.
        print(f"Cronofy sandbox app host: {server.app_url}", flush=True)
        print(f"Cronofy sandbox API host: {server.api_url}", flush=True)
        print(f"client id:     {args.client_id}", flush=True)
        print(f"client secret: {args.client_secret}", flush=True)
        print("redirect URIs: " + " ".join(args.redirect_uris), flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("Stopped.", flush=True)


if __name__ == "__main__":
    main()
