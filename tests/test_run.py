"""`make run` (run.py) as a newcomer uses it: it remembers, takes PORT, and says what is wrong."""

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import ROOT, ServerProcess
from tests.visitor import Visitor, register_and_connect

EMAIL = "newcomer@example.com"


def free_port_run(length: int = 3) -> int:
    """A port with the `length - 1` ports after it free too: the app's and the sandbox's."""
    for _ in range(100):
        first = random.randrange(20000, 60000)
        try:
            for port in range(first, first + length):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no three free ports in a row")


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    """What `make run` sees, with everything it keeps in `tmp_path` instead of instance/."""
    env = {
        **os.environ,
        "APP_CONFIG": "development",
        "PORT": str(free_port_run()),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SANDBOX_STATE_FILE": str(tmp_path / "sandbox-state.json"),
        "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'tasks.db'}",
        "SECRET_KEY": "run-test-" + "k" * 40,
        "TOKEN_ENCRYPTION_KEYS": "vWQ6IF0-kqsWbQjbx8yeVWbgrzRCN3Ks3h2JK-LNPzQ=",
        # Set but empty, so a developer's .env cannot point these tests at real Cronofy.
        "CRONOFY_CLIENT_ID": "",
        "CRONOFY_APP_URL": "",
        "CRONOFY_API_URL": "",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def make_run(env: dict[str, str], console: Path | None = None) -> ServerProcess:
    url = f"http://127.0.0.1:{env['PORT']}/"
    return ServerProcess([sys.executable, "run.py"], url, env, console)


def test_a_restart_keeps_the_connection_working(run_env):
    base = f"http://127.0.0.1:{run_env['PORT']}"
    with make_run(run_env):
        visitor = register_and_connect(base, EMAIL)
        visitor.reload_until("Team holidays")  # the worker inside `make run` filled the copy
        calendars = [name for name in ("Work", "Team holidays", "Family") if name in visitor.text]
        assert calendars == ["Work", "Team holidays", "Family"]
    assert Path(run_env["SANDBOX_STATE_FILE"]).exists()

    with make_run(run_env):
        visitor.get(f"{base}/dashboard")  # the same browser: its session cookie still signs
        page = visitor.text
        assert visitor.page.status_code == 200
        for name in calendars:
            assert name in page, name
        assert "Needs reconnecting" not in page
        assert "not answering" not in page

        again = Visitor()  # and logging in afresh finds the same connection
        again.log_in(base, EMAIL)
        assert "Work" in again.text and "Needs reconnecting" not in again.text


def test_the_sandbox_follows_port(run_env):
    port = int(run_env["PORT"])
    with make_run(run_env):
        visitor = Visitor()
        visitor.register(f"http://127.0.0.1:{port}", EMAIL, password="x" * 12)
        visitor.press("Connect calendar")
        assert visitor.page.url.startswith(f"http://127.0.0.1:{port + 1}/oauth/authorize?")
        visitor.press("Allow", email=EMAIL)
        assert visitor.page.url == f"http://127.0.0.1:{port}/dashboard"


def test_the_console_has_one_line_per_thing_and_no_banners(run_env, tmp_path):
    """What a newcomer reads in the terminal: run.py's few lines, then requests and jobs."""
    console = tmp_path / "console.txt"
    base = f"http://127.0.0.1:{run_env['PORT']}"
    with make_run({**run_env, "PYTHONUNBUFFERED": "1"}, console):
        register_and_connect(base, EMAIL).reload_until("Team holidays")
    lines = console.read_text().splitlines()
    printed = [line for line in lines if line.startswith(" * ")]
    assert printed == [
        f" * Cronofy: the bundled sandbox (http://127.0.0.1:{int(run_env['PORT']) + 1}, "
        f"http://127.0.0.1:{int(run_env['PORT']) + 2})",
        f" * Its accounts and tokens are kept in {run_env['SANDBOX_STATE_FILE']}",
        " * Background work: 4 worker threads in this process",
        " * A development server: production runs gunicorn (docs/deployment.md)",
        f" * Open {base} in your browser (Ctrl-C to stop)",
    ]
    logged = [line for line in lines if line not in printed]
    assert logged and all(line.startswith("ts=") for line in logged)
    assert not [line for line in logged if "\\n" in line or "\x1b" in line]
    assert not [line for line in logged if "development server" in line or "CTRL+C" in line]
    assert not [line for line in logged if "logger=huey.consumer " in line]
    # A request is its method, path (never the query: the callback's has the code) and status.
    assert any(line.endswith('msg="\\"GET /auth/cronofy/callback\\" 302"') for line in logged)


@pytest.mark.parametrize("taken", [0, 1, 2])
def test_a_port_in_use_is_one_line_naming_the_setting(run_env, taken):
    port = int(run_env["PORT"]) + taken
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = subprocess.run(
            [sys.executable, "run.py"],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Port {port}, for ")
    assert "make run PORT=5050" in line


def test_a_port_that_is_not_a_number_is_one_line(run_env):
    result = subprocess.run(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env={**run_env, "PORT": "fivethousand"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "PORT='fivethousand' is not a port for the app; use a number such as 5050 "
        "(the sandbox then takes 5051 and 5052)."
    ]


def test_make_reset_says_what_it_removes_then_removes_it(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    for name in ("app.db", "sandbox-state.json", "secret_key", "token_key"):
        (instance / name).write_text("x")
    make = ["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path), "reset"]
    result = subprocess.run(  # noqa: S603 - make with the project's own Makefile
        make,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Removing instance/: the local database, the sandbox's accounts and tokens, "
        "and the generated keys:",
        "  instance/app.db",
        "  instance/sandbox-state.json",
        "  instance/secret_key",
        "  instance/token_key",
    ]
    assert not instance.exists()
