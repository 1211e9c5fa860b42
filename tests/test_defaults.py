"""The sandbox's published defaults, and every place that runs it beside the app agreeing.

sandbox/defaults.py is the one source; config.py (development's sandbox mode), run.py, the
sandbox's command line and WSGI entry point, and the benchmark take their values from it.
"""

import importlib.util
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

import run
from config import load_config
from sandbox import defaults
from sandbox.__main__ import _arguments
from sandbox.state import DEFAULT_REDIRECT_URIS, SandboxState
from sandbox.wsgi import settings_from_environment
from tests.conftest import SANDBOX_SETTINGS
from tests.live import ROOT

# Settings that would move the sandbox or the app off their defaults.
MOVED_BY = (
    "PORT",
    "CRONOFY_CLIENT_ID",
    "CRONOFY_CLIENT_SECRET",
    "CRONOFY_APP_URL",
    "CRONOFY_API_URL",
    "CRONOFY_NOTIFICATION_URL",
    *SANDBOX_SETTINGS,
)


def test_the_published_values() -> None:
    """What the README, .env.example and every newcomer's muscle memory rely on."""
    assert (defaults.CLIENT_ID, defaults.CLIENT_SECRET) == ("sandbox-client", "sandbox-secret")
    assert defaults.HOST == "127.0.0.1"
    assert defaults.CLIENT_PORT == 5000
    assert (defaults.APP_HOST_PORT, defaults.API_HOST_PORT) == (5001, 5002)
    assert defaults.REDIRECT_URIS == (
        "http://127.0.0.1:5000/auth/cronofy/callback",
        "http://localhost:5000/auth/cronofy/callback",
    )
    assert defaults.urls_beside(5050) == ("http://127.0.0.1:5051", "http://127.0.0.1:5052")


def test_the_callback_path_is_the_apps_route(app) -> None:
    with app.test_request_context():
        from flask import url_for

        assert url_for("cronofy.callback") == defaults.CALLBACK_PATH


@pytest.mark.parametrize("port", [None, "5050"])
def test_development_points_the_app_at_the_sandbox_run_py_starts(clean_env, tmp_path, port):
    if port:
        clean_env.setenv("PORT", port)
    config = load_config("development")
    expected_port = int(port or defaults.CLIENT_PORT)
    assert expected_port == config.PORT
    assert config.CRONOFY_USES_SANDBOX is True
    assert (config.CRONOFY_CLIENT_ID, config.CRONOFY_CLIENT_SECRET) == (
        defaults.CLIENT_ID,
        defaults.CLIENT_SECRET,
    )
    assert defaults.urls_beside(expected_port) == (config.CRONOFY_APP_URL, config.CRONOFY_API_URL)
    assert f"http://{defaults.HOST}:{expected_port}" == config.CRONOFY_NOTIFICATION_URL

    # run.py's sandbox: on the ports the configuration names, expecting this app's callback.
    clean_env.setenv("SANDBOX_STATE_FILE", str(tmp_path / "sandbox-state.json"))
    server = run._sandbox(SimpleNamespace(config=_class_settings(config)), config.PORT)
    assert (server.app_port, server.api_port) == defaults.ports_beside(expected_port)
    assert all(server.state.is_registered(uri) for uri in defaults.redirect_uris(expected_port))
    assert (server.state.client_id, server.state.client_secret) == (
        config.CRONOFY_CLIENT_ID,
        config.CRONOFY_CLIENT_SECRET,
    )
    assert run.HOST == defaults.HOST


def _class_settings(config: object) -> dict[str, object]:
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


def test_the_sandboxs_own_entry_points_use_the_defaults(clean_env) -> None:
    args = _arguments([])
    assert (args.host, args.app_port, args.api_port) == (
        defaults.HOST,
        defaults.APP_HOST_PORT,
        defaults.API_HOST_PORT,
    )
    assert (args.client_id, args.client_secret) == (defaults.CLIENT_ID, defaults.CLIENT_SECRET)
    assert args.redirect_uris == list(defaults.REDIRECT_URIS) == list(DEFAULT_REDIRECT_URIS)

    state, app_port, api_port = settings_from_environment()
    assert (app_port, api_port) == (defaults.APP_HOST_PORT, defaults.API_HOST_PORT)
    assert (state.client_id, state.client_secret) == (defaults.CLIENT_ID, defaults.CLIENT_SECRET)
    assert all(state.is_registered(uri) for uri in defaults.REDIRECT_URIS)

    plain = SandboxState()
    assert (plain.client_id, plain.client_secret) == (defaults.CLIENT_ID, defaults.CLIENT_SECRET)


def _bench():
    """scripts/bench.py, imported as the push part of the bench imports it."""
    if "bench" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench"]


def test_the_bench_gives_the_app_the_credentials_its_sandbox_accepts(clean_env, tmp_path):
    env = _bench().server_environment(
        "key", "sqlite://", "http://127.0.0.1:7000", sandbox_app_port=7001, sandbox_api_port=7002
    )
    for name in MOVED_BY:
        if name in env:
            clean_env.setenv(name, env[name])
    state, app_port, api_port = settings_from_environment()  # the bench's sandbox.wsgi
    assert (app_port, api_port) == (7001, 7002)
    assert (env["CRONOFY_CLIENT_ID"], env["CRONOFY_CLIENT_SECRET"]) == (
        state.client_id,
        state.client_secret,
    )
    assert state.is_registered(f"http://127.0.0.1:7000{defaults.CALLBACK_PATH}")
    # bench_push's push-on run sets no client id: development's sandbox mode supplies one.
    clean_env.setenv("CRONOFY_CLIENT_ID", "")
    clean_env.setenv("CRONOFY_CLIENT_SECRET", "")
    config = load_config("development")
    assert (
        state.client_id,
        state.client_secret,
    ) == (config.CRONOFY_CLIENT_ID, config.CRONOFY_CLIENT_SECRET)


def test_nothing_else_spells_the_sandboxs_credentials() -> None:
    """One source: a second copy of a default is how two of them came to disagree."""
    sources = [ROOT / "config.py", ROOT / "run.py", ROOT / "wsgi.py"]
    for folder in ("app", "sandbox", "scripts"):
        sources += (ROOT / folder).rglob("*.py")
    spelled = [
        str(path.relative_to(ROOT))
        for path in sources
        if path != ROOT / "sandbox" / "defaults.py"
        and any(value in path.read_text() for value in ("sandbox-client", "sandbox-secret"))
    ]
    assert spelled == []


@pytest.mark.parametrize("config_name", ["testing", "production"])
def test_the_app_outside_development_never_loads_the_sandbox(config_name: str) -> None:
    env = {
        **os.environ,
        "SECRET_KEY": "kV3p-9qLx_T2mZr8Wd4Yh7Bn1Cs6Fg0J-defaults",
        "TOKEN_ENCRYPTION_KEYS": "vWQ6IF0-kqsWbQjbx8yeVWbgrzRCN3Ks3h2JK-LNPzQ=",
        "DATABASE_URL": "sqlite://",
        "CRONOFY_CLIENT_ID": "id",
        "CRONOFY_CLIENT_SECRET": "secret",
        "CRONOFY_REDIRECT_URI": "https://calendar.example.com/auth/cronofy/callback",
        "RATELIMIT_STORAGE_URI": "memory://",
        "TASK_QUEUE_URL": "redis://127.0.0.1:6399/1",  # never reached: the app only starts
    }
    code = (
        "import sys; from app import create_app; "
        f"create_app({config_name!r}); "
        "assert not [m for m in sys.modules if m == 'sandbox' or m.startswith('sandbox.')]"
    )
    subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], check=True, timeout=60, cwd=ROOT, env=env
    )
