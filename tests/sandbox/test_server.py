"""Package boundaries, the server object, the command line and what the server logs."""

import logging
import subprocess
import sys

import pytest
import requests

from sandbox import SandboxServer, SandboxState
from sandbox.__main__ import _arguments
from sandbox.state import DEFAULT_REDIRECT_URIS
from tests.sandbox.conftest import TIMEOUT, Browser


def test_sandbox_never_imports_the_app() -> None:
    code = (
        "import sys, sandbox, sandbox.__main__; "
        "assert not [m for m in sys.modules if m == 'app' or m.startswith('app.')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)  # noqa: S603 (fixed)


def test_server_urls_and_context_manager() -> None:
    state = SandboxState()
    with SandboxServer(state) as server:
        assert server.state is state
        assert server.app_url.startswith("http://127.0.0.1:") and not server.app_url.endswith("/")
        assert server.api_url != server.app_url
        assert state.app_url == server.app_url
        assert requests.get(server.api_url + "/_sandbox/settings", timeout=TIMEOUT).ok
        with pytest.raises(RuntimeError):
            server.start()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.api_url + "/_sandbox/settings", timeout=TIMEOUT)


def test_stopping_drops_the_notifications_waiting_to_be_sent(monkeypatch) -> None:
    state = SandboxState()
    cleared = []
    monkeypatch.setattr(state.deliveries, "clear", lambda: cleared.append(True))
    with SandboxServer(state):
        pass
    assert cleared == [True]


def test_default_state() -> None:
    state = SandboxState()
    assert (state.client_id, state.client_secret) == ("sandbox-client", "sandbox-secret")
    assert state.app_name == "Calendar Connect"
    assert all(state.is_registered(uri) for uri in DEFAULT_REDIRECT_URIS)


def test_server_log_has_no_query_strings(
    sandbox: SandboxServer, browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sandbox"):
        browser.authorize()
    lines = [r.getMessage() for r in caplog.records if r.name == "sandbox"]
    assert "GET /oauth/authorize 200" in lines
    assert all("?" not in line and "code" not in line for line in lines)


def test_command_line_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SANDBOX_CLIENT_ID", "SANDBOX_CLIENT_SECRET", "SANDBOX_REDIRECT_URIS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SANDBOX_STATE_FILE", raising=False)
    args = _arguments([])
    assert (args.host, args.app_port, args.api_port) == ("127.0.0.1", 5001, 5002)
    assert args.redirect_uris == list(DEFAULT_REDIRECT_URIS)
    assert (args.client_id, args.client_secret, args.state_file) == (
        "sandbox-client",
        "sandbox-secret",
        None,
    )
    monkeypatch.setenv("SANDBOX_CLIENT_ID", "env-id")
    monkeypatch.setenv("SANDBOX_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("SANDBOX_REDIRECT_URIS", "http://a.test/cb http://b.test/cb")
    monkeypatch.setenv("SANDBOX_STATE_FILE", "demo-state.json")
    args = _arguments([])
    assert (args.client_id, args.client_secret) == ("env-id", "env-secret")
    assert args.redirect_uris == ["http://a.test/cb", "http://b.test/cb"]
    assert args.state_file == "demo-state.json"
    args = _arguments(["--redirect-uri", "http://c.test/cb", "--redirect-uri", "http://d.test/cb"])
    assert args.redirect_uris == ["http://c.test/cb", "http://d.test/cb"]


def test_python_dash_m_sandbox_prints_urls_and_serves() -> None:
    command = [sys.executable, "-m", "sandbox", "--app-port", "0", "--api-port", "0"]
    with subprocess.Popen(  # noqa: S603 (our own interpreter and module, fixed arguments)
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline() for _ in range(4)]
            assert lines[0].startswith("Cronofy sandbox app host: http://127.0.0.1:")
            api_url = lines[1].split(": ", 1)[1].strip()
            assert lines[2].split()[-1] == "sandbox-client"
            assert requests.get(api_url + "/_sandbox/settings", timeout=TIMEOUT).status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
