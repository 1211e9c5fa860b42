"""The sandbox under gunicorn (sandbox.wsgi): both hosts in one process, keep-alive kept."""

import os
import sys

import pytest
import requests

from tests.live import ServerProcess, free_port
from tests.sandbox.conftest import HTML


@pytest.fixture(scope="module")
def gunicorn_sandbox():
    """The sandbox under gunicorn, both hosts on free ports of one process, for this module."""
    app_port, api_port = free_port(), free_port()
    env = {**os.environ, "SANDBOX_APP_PORT": str(app_port), "SANDBOX_API_PORT": str(api_port)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config=/dev/null",  # not the app's gunicorn.conf.py
        "--workers=1",  # one process: one shared sandbox state
        "--threads=4",
        "--keep-alive=30",
        f"--bind=127.0.0.1:{app_port}",
        f"--bind=127.0.0.1:{api_port}",
        "sandbox.wsgi:app",
    ]
    api_url = f"http://127.0.0.1:{api_port}"
    with ServerProcess(command, f"{api_url}/_sandbox/settings", env):
        yield f"http://127.0.0.1:{app_port}", api_url


def test_each_port_serves_its_own_host(gunicorn_sandbox):
    app_url, api_url = gunicorn_sandbox
    authorize = "/oauth/authorize?response_type=code&client_id=sandbox-client&scope=read_account"
    uri = "&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fauth%2Fcronofy%2Fcallback"
    assert requests.get(app_url + authorize + uri, headers=HTML, timeout=10).status_code == 200
    assert requests.get(api_url + authorize + uri, headers=HTML, timeout=10).status_code == 404
    assert requests.get(app_url + "/v1/calendars", timeout=10).status_code == 404
    assert requests.get(api_url + "/v1/calendars", timeout=10).status_code == 401


def test_connections_are_kept_alive_and_logged_by_client_port(gunicorn_sandbox):
    _, api_url = gunicorn_sandbox
    requests.delete(f"{api_url}/_sandbox/requests", timeout=10)
    with requests.Session() as session:
        for _ in range(5):
            session.get(f"{api_url}/v1/calendars", timeout=10)
    requests.get(f"{api_url}/v1/calendars", timeout=10)  # a connection of its own
    log = requests.get(f"{api_url}/_sandbox/requests", timeout=10).json()["requests"]
    ports = [entry["client_port"] for entry in log]
    assert len(ports) == 6
    assert len(set(ports[:5])) == 1
    assert ports[5] != ports[0]
