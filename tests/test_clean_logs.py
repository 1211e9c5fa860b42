"""Logs: key=value lines with a request id, and never a code, token, secret, password or query.

The flow runs against the sandbox, whose codes and tokens are random: they are collected from
the sandbox as it issues them, and no log record of the whole run may contain one.
"""

import io
import logging
import re
import runpy
import threading
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import current_app
from flask.logging import default_handler
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger as GunicornLogger
from gunicorn.glogging import SafeAtoms

from app.logging_setup import HANDLER_NAME, build_handler, redact
from app.sync.channels import push_setup
from tests.conftest import built_app, served_with_sandbox
from tests.helpers import (
    CALENDARS_URL,
    EVENTS_URL,
    PASSWORD,
    PROFILES_URL,
    age_the_copy,
    connect,
)
from tests.jobs import Jobs
from tests.live import ROOT
from tests.visitor import Visitor

HOSTILE = {"code": "hostile-code-5f0e", "state": "hostile-state-9c1d"}


class Issued:
    """Every code and token the sandbox hands out during a test (they are random)."""

    def __init__(self, state) -> None:
        self.values: set[str] = set()
        approve, redeem, refresh = state.approve, state.redeem_code, state.refresh

        def spy_approve(**kwargs):
            code, browser = approve(**kwargs)
            self.values.update({code, browser})
            return code, browser

        def spy_redeem(*args, **kwargs):
            self.values.add(args[0])  # the code as the app presented it
            tokens = redeem(*args, **kwargs)
            if tokens is not None:
                self.values.update({tokens.access_token, tokens.refresh_token})
            return tokens

        def spy_refresh(*args, **kwargs):
            tokens = refresh(*args, **kwargs)
            if tokens is not None:
                self.values.update({tokens.access_token, tokens.refresh_token})
            return tokens

        state.approve, state.redeem_code, state.refresh = spy_approve, spy_redeem, spy_refresh


def _app_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Every record except the test's own HTTP client's (the visitor runs in this thread)."""
    me = threading.get_ident()
    return [r for r in caplog.records if not (r.name.startswith("urllib3") and r.thread == me)]


def _rendered(record: logging.LogRecord) -> str:
    """The record as any handler could write it: message, arguments and traceback."""
    return logging.Formatter("%(message)s %(args)s").format(record)


def _callback_queries(visitor: Visitor) -> list[str]:
    """The query strings of every callback this visitor's browser went through."""
    pages = [*visitor.page.history, visitor.page] if visitor.page is not None else []
    return [
        urlsplit(p.url).query for p in pages if urlsplit(p.url).path == "/auth/cronofy/callback"
    ]


def _connect_label(visitor: Visitor) -> str:
    if "Connect another calendar" in visitor.text:
        return "Connect another calendar"
    return "Connect calendar"


def test_the_whole_flow_logs_no_secret(database_url, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    issued = Issued(sandbox.state)
    sandbox.state.set_settings(hang_seconds=0.5)
    queries: list[str] = []
    with served_with_sandbox(database_url, sandbox, CRONOFY_TIMEOUT=(1, 0.3)) as live:
        app, base = live.app, live.url
        visitor = Visitor()
        visitor.register(base, "grace@example.com")

        def connect(expected: str, **allow: str) -> None:
            visitor.get(f"{base}/dashboard")
            visitor.press(_connect_label(visitor))
            visitor.press("Deny" if allow.pop("deny", None) else "Allow", **allow)
            queries.extend(_callback_queries(visitor))
            assert visitor.page.url == f"{base}/dashboard"
            assert expected in visitor.text

        # Success, then a refresh (new tokens), then failure paths of the callback.
        connect("Connected grace@example.com.", email="grace@example.com")
        sandbox.state.expire_all_tokens()
        age_the_copy(app)
        visitor.get(f"{base}/dashboard")  # asks for a sync, which refreshes the tokens
        connect("You declined access", deny="yes")
        sandbox.state.add_fault("/oauth/token", 500)
        connect("Cronofy is not answering right now", email="grace@example.com")
        sandbox.state.add_fault("/oauth/token", "hang")
        connect("Cronofy is not answering right now", email="grace@example.com")
        redeem = sandbox.state.redeem_code
        sandbox.state.redeem_code = lambda code, *a, **k: issued.values.add(code)  # refused
        connect("Cronofy did not accept the authorization", email="grace@example.com")
        sandbox.state.redeem_code = redeem
        for query, message in [
            ("error=server_error&error_description=boom", "Cronofy could not authorize"),
            (f"code={HOSTILE['code']}&state={HOSTILE['state']}", "link was already used"),
            ("error=%0Alevel%3DCRITICAL+forged", "Cronofy could not authorize"),
        ]:
            visitor.get(f"{base}/auth/cronofy/callback?{query}")
            queries.append(query)
            assert message in visitor.text
        # No code: the state must be a live one, so start a connect and drop the code.
        visitor.get(f"{base}/dashboard")
        visitor.press(_connect_label(visitor))
        state = dict(parse_qsl(urlsplit(visitor.page.url).query))["state"]
        visitor.get(f"{base}/auth/cronofy/callback?state={state}")
        assert "did not send an authorization code" in visitor.text
        queries.append(f"state={state}")
        visitor.get(f"{base}/dashboard")
        visitor.follow("Disconnect")
        visitor.press("Disconnect")
        assert "Disconnected grace@example.com." in visitor.text
        # The session ended while the user was at Cronofy.
        visitor.press("Log out")
        visitor.get(
            f"{base}/auth/cronofy/callback?code={HOSTILE['code']}x&state={HOSTILE['state']}x"
        )
        queries.append(f"code={HOSTILE['code']}x&state={HOSTILE['state']}x")
        assert "Your session ended" in visitor.text

    secrets = (
        issued.values
        | {v for q in queries for k, v in parse_qsl(q) if k in ("code", "state")}
        | set(queries)
        | {"sandbox-secret", PASSWORD, HOSTILE["code"], HOSTILE["state"], state}
    )
    assert len(issued.values) >= 8  # codes, browser cookies, access and refresh tokens
    records = _app_records(caplog)
    assert any(r.name == "app" for r in records)  # the failures were logged...
    leaks = [
        (secret, _rendered(r)) for r in records for secret in secrets if secret in _rendered(r)
    ]
    assert leaks == []  # ...without a single secret
    # A forged line break in an error parameter cannot start a new log line.
    formatter = build_handler(app, io.StringIO()).formatter
    assert all("\n" not in formatter.format(r) for r in records if not r.exc_info)


def test_log_lines_are_key_value_with_the_request_id(app, user_client):
    stream = io.StringIO()
    handler = build_handler(app, stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = user_client.get("/auth/cronofy/callback?error=server_error&code=x")
    finally:
        root.removeHandler(handler)
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 16
    [line] = [line for line in stream.getvalue().splitlines() if "logger=app " in line]
    assert line.split(" ", 1)[1] == (
        f"level=WARNING logger=app request_id={request_id} "
        'msg="Cronofy authorization failed: server_error"'
    )
    assert line.startswith("ts=20") and line.split(" ", 1)[0].endswith("Z")


def test_a_syncs_parallel_calls_log_with_the_tasks_id(app, user_client, cronofy):
    """Lines logged on the thread pool that calls Cronofy belong to the task that asked."""
    connect(user_client, cronofy)
    cronofy.get(CALENDARS_URL, json={"calendars": []})
    cronofy.get(PROFILES_URL, status=503)
    cronofy.get(EVENTS_URL, json={"events": []})
    stream = io.StringIO()
    handler = build_handler(app, stream)
    logging.getLogger().addHandler(handler)
    try:
        Jobs().run()
    finally:
        logging.getLogger().removeHandler(handler)
    written = stream.getvalue().splitlines()
    [pool_line] = [line for line in written if "/v1/profiles answered" in line]
    [task_line] = [line for line in written if "Sync: profiles unavailable" in line]
    task_id = re.search(r"request_id=(task-[0-9a-f]{12}) ", task_line).group(1)
    assert f"request_id={task_id} " in pool_line


def test_outside_tests_each_line_is_written_once_in_key_value_form(database_url, capsys):
    """Served (not debug, not testing), the app's lines go to one handler: the redacting one.

    Flask gives the "app" logger a plain handler of its own when the process has no other
    handler yet, as in a served process (here pytest's capture would hide that): as then.
    """
    root = logging.getLogger()
    before = list(root.handlers)
    logging.getLogger("app").addHandler(default_handler)
    try:
        with built_app(database_url, TESTING=False) as served:
            assert [h.name for h in root.handlers].count(HANDLER_NAME) == 1
            with served.app_context():
                current_app.logger.warning("Connection %s needs reconnecting", 7)
                logging.getLogger("app.cronofy.push").warning("refused: %s", "no signature")
    finally:
        logging.getLogger("app").removeHandler(default_handler)
        for handler in set(root.handlers) - set(before):
            root.removeHandler(handler)
    lines = capsys.readouterr().err.splitlines()
    assert all(line.startswith("ts=") for line in lines)
    assert [line.split(" ", 1)[1] for line in lines] == [
        # Said while starting: logging is set up before anything else.
        "level=INFO logger=app.sync.channels request_id=- "
        f'msg="Push notifications off: {push_setup(served.config).problem}"',
        'level=WARNING logger=app request_id=- msg="Connection 7 needs reconnecting"',
        'level=WARNING logger=app.cronofy.push request_id=- msg="refused: no signature"',
    ]


def test_every_response_has_its_own_request_id(client):
    ids = {client.get("/auth/login").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_request_id_from_the_client_is_not_believed_without_a_proxy(client):
    response = client.get("/healthz", headers={"X-Request-ID": "attacker-chosen-id"})
    assert response.headers["X-Request-ID"] != "attacker-chosen-id"


def test_a_well_formed_request_id_from_our_proxy_is_kept(database_url):
    with built_app(database_url, PROXY_COUNT=1) as app:
        client = app.test_client()
        kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"})
        forged = client.get("/healthz", headers={"X-Request-ID": "x level=CRITICAL"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c21"
    assert forged.headers["X-Request-ID"] != "x level=CRITICAL"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /auth/cronofy/callback?code=abc123&state=xyz HTTP/1.1",
            "GET /auth/cronofy/callback?code=[redacted]&state=[redacted] HTTP/1.1",
        ),
        (
            '{"access_token": "tok", "refresh_token":"ref"}',
            '{"access_token": "[redacted]", "refresh_token":"[redacted]"}',
        ),
        ("client_secret=s3cr3t&password=hunter2", "client_secret=[redacted]&password=[redacted]"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"),
        (
            "Cronofy code exchange refused: invalid_grant",
            "Cronofy code exchange refused: invalid_grant",
        ),
    ],
)
def test_secret_fields_are_redacted_from_lines_as_a_last_resort(line, expected):
    assert redact(line) == expected


def test_the_formatter_hides_the_configured_client_secret(app):
    formatter = build_handler(app, io.StringIO()).formatter
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "sent %s", ("test-secret",), None)
    assert "test-secret" not in formatter.format(record)


# ----- the access log format shipped for gunicorn ------------------------------------------


GUNICORN_SETTINGS = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def access_log_line(environ: dict, response, request, duration_ms: int = 12) -> str:
    """One access-log line, rendered by gunicorn's own code with the shipped settings."""
    config = GunicornConfig()
    config.set("access_log_format", GUNICORN_SETTINGS["access_log_format"])
    logger_class = GUNICORN_SETTINGS["logger_class"]
    assert issubclass(logger_class, GunicornLogger)
    atoms = logger_class(config).atoms(
        response, request, environ, timedelta(milliseconds=duration_ms)
    )
    return config.access_log_format % SafeAtoms(atoms)


def test_the_gunicorn_access_log_never_writes_a_query_string():
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/auth/cronofy/callback?code=the-code&state=the-state",
        "PATH_INFO": "/auth/cronofy/callback",
        "QUERY_STRING": "code=the-code&state=the-state",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_REFERER": "https://calendar.example.com/x?code=ref-code",
        "HTTP_USER_AGENT": "Mozilla/5.0",
        "HTTP_AUTHORIZATION": "Bearer access-9",
        "HTTP_COOKIE": "session=cookie-value",
    }
    response = SimpleNamespace(
        status="302 FOUND", sent=0, headers=[("X-Request-ID", "ab12cd34"), ("Location", "/d")]
    )
    request = SimpleNamespace(headers=[("AUTHORIZATION", "Bearer access-9")])
    assert access_log_line(environ, response, request) == (
        'remote=10.0.0.5 request_id=ab12cd34 method=GET path="/auth/cronofy/callback" '
        'status=302 bytes=0 duration_ms=12 agent="Mozilla/5.0"'
    )
    assert GUNICORN_SETTINGS["forwarded_allow_ips"] == ""  # proxy trust is PROXY_COUNT's alone


def test_the_gunicorn_access_log_escapes_control_characters():
    """A decoded %0A in a path would otherwise start a forged line of its own."""
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/x%0Aremote=1.2.3.4",
        "PATH_INFO": "/x\nremote=1.2.3.4 status=200",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "evil\r\nagent",
    }
    response = SimpleNamespace(status="404 NOT FOUND", sent=0, headers=[])
    line = access_log_line(environ, response, SimpleNamespace(headers=[]))
    assert "\n" not in line and "\r" not in line
    assert 'path="/x\\x0aremote=1.2.3.4 status=200"' in line
    assert 'agent="evil\\x0d\\x0aagent"' in line


def test_a_database_error_never_carries_the_statements_values(app, caplog):
    """Its text is what the error handler logs: it must not hold an email or calendar data."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from app.extensions import db

    with app.app_context(), pytest.raises(SQLAlchemyError) as error:
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE x = :value"), {"value": "ada@example.com"}
        )
    assert "ada@example.com" not in str(error.value)
    assert "hidden due to hide_parameters" in str(error.value)


def test_colour_codes_and_control_characters_never_reach_a_line(app):
    """The development server's banner is coloured; a line must not carry terminal codes."""
    formatter = build_handler(app, io.StringIO()).formatter
    banner = "\x1b[31m\x1b[1mWARNING: This is a development server.\x1b[0m\x07\x00 Done"
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, banner, None, None)
    line = formatter.format(record)
    assert line.endswith('msg="WARNING: This is a development server. Done"')
