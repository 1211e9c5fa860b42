"""Structured log lines (key=value) that carry a request id and never a secret."""

import logging
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from flask import Flask, Response, g, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from our own proxy is reused so its log and ours line up; anything else
# (too long, odd characters that could forge log fields) is replaced by a fresh one.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")

# Belt and braces: if a library ever logs a URL or a form, the values after these names
# are blanked before the line is written. The app itself never logs them.
_SECRET_FIELDS = re.compile(
    r"(?i)\b(code|state|access_token|refresh_token|token|client_secret|password)"
    r"(=|\"?:\s*\"?)([^&\s\"',;]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")

HANDLER_NAME = "calendar-connect"


# A context variable, not `g`, so threads working for the request (the parallel calls to
# Cronofy, which copy the context) log with its id too.
_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    """This request's (or background task's) id, or "-" outside both."""
    return _request_id.get()


@contextmanager
def logged_as_task(name: str) -> Iterator[str]:
    """Inside, log lines carry an id of this task run (`task-…`), as a request's carry its."""
    task_id = f"task-{secrets.token_hex(6)}"
    token = _request_id.set(task_id)
    try:
        yield task_id
    finally:
        _request_id.reset(token)


def redact(text: str) -> str:
    """Blank the values of secret-looking fields in a log line."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} [redacted]", text)
    return _SECRET_FIELDS.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the request it belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class KeyValueFormatter(logging.Formatter):
    """One line per record: ts=… level=… logger=… request_id=… msg="…"."""

    def __init__(self, secrets_to_hide: list[str] | None = None) -> None:
        super().__init__()
        self.secrets_to_hide = [s for s in (secrets_to_hide or []) if s]

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        message = redact(message)
        for secret in self.secrets_to_hide:
            message = message.replace(secret, "[redacted]")
        timestamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = {
            "ts": timestamp.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "msg": message,
        }
        return " ".join(f"{key}={_quote(str(value))}" for key, value in fields.items())


# Terminal colour codes (the development server's banner has them) and other control
# characters: never written into a log line, where they would garble or forge output.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _quote(value: str) -> str:
    """Quote a value when needed; escape newlines so one record stays one line."""
    value = _CONTROL.sub("", _ANSI.sub("", value))
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    if value and not re.search(r'[\s"=]', value):
        return value
    return '"' + value.replace('"', '\\"') + '"'


def build_handler(app: Flask, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing key=value lines, hiding the configured client secret too."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.name = HANDLER_NAME
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(KeyValueFormatter([app.config.get("CRONOFY_CLIENT_SECRET") or ""]))
    return handler


def init_logging(app: Flask) -> None:
    """Give each request an id (sent back as X-Request-ID) and, outside tests, log lines."""
    trust_incoming = int(app.config.get("PROXY_COUNT") or 0) > 0

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        if not (trust_incoming and _WELL_FORMED_ID.fullmatch(incoming)):
            incoming = secrets.token_hex(8)
        g.request_id_token = _request_id.set(incoming)

    @app.after_request
    def send_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = current_request_id()
        return response

    @app.teardown_request
    def forget_request_id(exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            _request_id.reset(token)

    if app.debug or app.testing:
        return  # tests capture records themselves; `flask run` keeps its own console output
    root = logging.getLogger()
    if not any(h.name == HANDLER_NAME for h in root.handlers):
        root.addHandler(build_handler(app))
    root.setLevel(logging.INFO)
    # Flask gives the app's logger ("app", like the package) a plain handler of its own:
    # without this, each of the app's lines would also be written a second time, unredacted.
    app.logger.removeHandler(default_handler)
    # Alembic announces each of its plugins as it loads, in every process: not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
