"""What Cronofy's answers mean: a status as an exception of `app.cronofy.errors`, a body as
a JSON object, a `Retry-After` as seconds, a 422's field errors as messages.

Pure functions of a response, apart from the client (app/cronofy/client.py), which sends
the requests and logs what came back.
"""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from app.cronofy import errors

JSON = dict[str, Any]


def error_for_status(endpoint: str, response: requests.Response) -> errors.CronofyError | None:
    """The exception a non-2xx answer from `endpoint` stands for, or None for a success."""
    status = response.status_code
    if status < 300:
        return None
    if status == 401:
        return errors.CronofyUnauthorized(endpoint)
    if status == 403:
        return errors.CronofyForbidden(endpoint)
    if status == 404:
        return errors.CronofyNotFound(endpoint)
    if status == 422:
        return errors.CronofyInvalid(endpoint, field_errors(json_object(response) or {}))
    if status == 429:
        return errors.CronofyRateLimited(endpoint, retry_after(response))
    if status >= 500:
        return errors.CronofyUnavailable(f"{endpoint}: {status}")
    return errors.CronofyError(f"{endpoint}: {status}")


def json_object(response: requests.Response) -> JSON | None:
    """The response's JSON object, or None if its body is not one."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a `Retry-After` header (a number or an HTTP date), if it has a sane one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = (moment - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), 3600.0)  # a day-long pause would only ever be a mistake


def field_errors(body: JSON) -> dict[str, list[str]]:
    """Flatten Cronofy's 422 `{"errors": {"field": [{"description": ...}]}}` into messages."""
    raw = body.get("errors")
    if not isinstance(raw, dict):
        return {}
    result: dict[str, list[str]] = {}
    for field, items in raw.items():
        messages = [
            str(item.get("description") or item.get("key") or "invalid")
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
        ]
        result[str(field)] = messages or ["invalid"]
    return result
