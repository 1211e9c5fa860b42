"""The sandbox's published defaults: its demo credentials, its ports, the client it expects.

Everything that starts the sandbox beside the app has to agree on these values, so they are
written here once. The sandbox's own command line (`python -m sandbox`), its WSGI entry point
(sandbox/wsgi.py, which the benchmark serves) and its state use them; so do `config.py`
(development's sandbox mode), `run.py` and the benchmark (scripts/bench.py, bench_push.py).
tests/test_defaults.py pins the values and that every one of those places agrees.

Why this lives in the sandbox: the sandbox never imports the app (tests/sandbox/test_server.py
pins that), and these are the sandbox's own facts (the client it registers, the ports it
takes), so the importing goes the other way. config.py's sandbox mode already depends on the
sandbox: with no Cronofy credentials, DevelopmentConfig sets CRONOFY_USES_SANDBOX, and the app
then talks to the sandbox that run.py starts, with the sandbox's credentials, at the ports
below. Importing this module runs the sandbox package's `__init__` (its servers and hosts),
so config.py imports it only while building a development configuration: a production or
test configuration never loads the sandbox (tests/test_defaults.py pins that too). The
module itself imports nothing and holds no state: plain values and the arithmetic of the
port layout.

The port layout is `make run`'s: the app on PORT (5000 unless set), the sandbox's app host
(its authorization page) on PORT+1 and its API host on PORT+2.
"""

# The loopback address the sandbox and the app it expects listen on, and the host of the
# redirect URIs it registers by default (beside "localhost").
HOST = "127.0.0.1"

# The sandbox's one registered client. Public on purpose: the sandbox holds only demo
# accounts, and these are printed, documented and typed into .env by anyone trying the app.
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - a published demo credential, not a secret

# The port of the client app the sandbox expects by default: `make run` serves there.
CLIENT_PORT = 5000
# The app's route Cronofy (and so the sandbox) sends the browser back to.
CALLBACK_PATH = "/auth/cronofy/callback"


def ports_beside(client_port: int) -> tuple[int, int]:
    """The sandbox's (app host, API host) ports beside a client app on `client_port`."""
    return client_port + 1, client_port + 2


def urls_beside(client_port: int) -> tuple[str, str]:
    """The sandbox's (app host, API host) base URLs beside a client app on `client_port`."""
    app_port, api_port = ports_beside(client_port)
    return f"http://{HOST}:{app_port}", f"http://{HOST}:{api_port}"


def redirect_uris(client_port: int) -> tuple[str, str]:
    """The callback URLs of a client app on `client_port`, by address and by name."""
    return (
        f"http://{HOST}:{client_port}{CALLBACK_PATH}",
        f"http://localhost:{client_port}{CALLBACK_PATH}",
    )


# The defaults themselves, for a client app on CLIENT_PORT.
APP_HOST_PORT, API_HOST_PORT = ports_beside(CLIENT_PORT)
REDIRECT_URIS = redirect_uris(CLIENT_PORT)
