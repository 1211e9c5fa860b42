"""Every HTTP call to Cronofy's API host, except the code exchange (Authlib does that).

Statuses are turned into the exceptions of `app.cronofy.errors` (app/cronofy/responses.py
says how); log lines name the endpoint and the status, never a token, a code or a query
string. The file is this long because it holds one method per endpoint the app calls
(tokens, account, calendars, profiles, events, free/busy, availability, channels, writes)
around one shared send:
split, the endpoints would no longer read as the one list of what the app asks Cronofy.
"""

import logging
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter

from app.cronofy import errors, responses
from app.cronofy.budget import Budget, budget_for
from app.cronofy.responses import JSON

log = logging.getLogger(__name__)


def pooled_session(pool_size: int) -> requests.Session:
    """One HTTP session per process, keeping up to `pool_size` connections alive per host.

    Reusing connections saves a TCP (and, against Cronofy, a TLS) handshake per call.
    The pool is as large as the number of calls one process makes at once, so no
    connection is discarded under load.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class CronofyClient:
    """A client for one Cronofy application.

    `session` is shared by every call, so connections are reused across requests and
    threads (`pooled_session` makes the one each process uses).
    """

    def __init__(
        self,
        api_url: str,
        client_id: str,
        client_secret: str,
        timeout: tuple[float, float],
        session: requests.Session,
        budget: Budget | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.session = session
        self.budget = budget

    # -- OAuth token endpoints -------------------------------------------------------------

    def refresh(self, refresh_token: str) -> JSON:
        """Exchange a refresh token for new tokens; Cronofy may rotate the refresh token."""
        return self._token_request(
            "/oauth/token", {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    def revoke(self, token: str) -> None:
        """End the whole authorization that `token` (ideally the refresh token) belongs to."""
        self._token_request("/oauth/token/revoke", {"token": token}, expect_json=False)

    def _token_request(self, path: str, data: JSON, *, expect_json: bool = True) -> JSON:
        # Client credentials go in the body: Cronofy rejects HTTP Basic client auth.
        body = {"client_id": self.client_id, "client_secret": self.client_secret, **data}
        response = self._send("POST", self.api_url + path, json=body)
        if response.status_code in (400, 401):
            error = (responses.json_object(response) or {}).get("error")
            log.warning("Cronofy %s answered %s (%s)", path, response.status_code, error)
            if error == "invalid_grant":
                raise errors.InvalidGrant(f"{path}: invalid_grant")
            if error == "invalid_client":
                raise errors.CronofyClientRejected(f"{path}: invalid_client")
            raise errors.CronofyError(f"{path}: {response.status_code} {error}")
        self._raise_for_status(path, response)
        return self._json(path, response) if expect_json else {}

    # -- The /v1 API -----------------------------------------------------------------------

    def calendars(self, access_token: str) -> list[JSON]:
        """The account's calendars (scope `list_calendars`)."""
        calendars = self.get(access_token, "/v1/calendars").get("calendars")
        if not isinstance(calendars, list):
            raise errors.CronofyBadResponse("/v1/calendars: no calendars list")
        return [c for c in calendars if isinstance(c, dict)]

    def account(self, access_token: str) -> JSON:
        """The Cronofy account: name, email, `default_tzid` (scope `read_account`)."""
        account = self.get(access_token, "/v1/account").get("account")
        if not isinstance(account, dict):
            raise errors.CronofyBadResponse("/v1/account: no account object")
        return account

    def profiles(self, access_token: str) -> list[JSON]:
        """The calendar profiles linked to the account, with their health (`read_account`)."""
        profiles = self.get(access_token, "/v1/profiles").get("profiles")
        if not isinstance(profiles, list):
            raise errors.CronofyBadResponse("/v1/profiles: no profiles list")
        return [p for p in profiles if isinstance(p, dict)]

    def events(
        self, access_token: str, *, tzid: str, start: date, end: date, max_pages: int = 10
    ) -> list[JSON]:
        """Events from `start` up to (not including) `end`, following every `next_page`.

        Events this app created are hidden by Cronofy unless asked for (`include_managed`).
        Paging stops after `max_pages`, so a huge calendar cannot hold a request forever.
        """
        params: JSON = {
            "tzid": tzid,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "include_managed": "true",
        }
        return self._paged_events(access_token, params, max_pages)

    def _paged_events(
        self, access_token: str, first: JSON, max_pages: int, *, require_all: bool = False
    ) -> list[JSON]:
        """Every page of a /v1/events read, up to `max_pages` (all of them, if required)."""
        return self._paged(access_token, "/v1/events", "events", first, max_pages, require_all)

    def _paged(
        self,
        access_token: str,
        path: str,
        key: str,
        first: JSON,
        max_pages: int,
        require_all: bool = False,
    ) -> list[JSON]:
        """The `key` items of every page of a paged read, following `pages.next_page`."""
        url: str = path
        params: JSON | None = first
        items: list[JSON] = []
        for _ in range(max_pages):
            page = self.get(access_token, url, params)
            batch = page.get(key)
            if not isinstance(batch, list):
                raise errors.CronofyBadResponse(f"{path}: no {key} list")
            items += [item for item in batch if isinstance(item, dict)]
            pages = page.get("pages")
            next_page = pages.get("next_page") if isinstance(pages, dict) else None
            if not next_page:
                return items
            # A plain authenticated GET of the absolute URL Cronofy gave (`get` refuses a
            # URL off the API host).
            url, params = str(next_page), None
        log.warning("Cronofy %s: stopped after %s pages", path, max_pages)
        if require_all:
            raise errors.CronofyBadResponse(f"{path}: more than {max_pages} pages")
        return items

    def changed_events(
        self, access_token: str, *, since: datetime, max_pages: int = 10
    ) -> list[JSON]:
        """Events changed at the provider since `since`, deleted ones too (marked so).

        The read Cronofy asks for after a `change` notification (docs/cronofy.md §10):
        `last_modified` with `include_deleted` and `include_managed`, and no window.
        """
        params: JSON = {
            "tzid": "Etc/UTC",
            "last_modified": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "include_deleted": "true",
            "include_managed": "true",
        }
        # Half a delta is worse than none: a read cut short raises, and the caller reads all.
        return self._paged_events(access_token, params, max_pages, require_all=True)

    # -- Scheduling: free/busy and availability -------------------------------------------

    def free_busy(
        self, access_token: str, *, tzid: str, start: date, end: date, max_pages: int = 10
    ) -> list[JSON]:
        """Busy and free blocks from `start` up to (not including) `end`, every page of them.

        No titles or details, only times and a status (scope `read_free_busy`, which
        `read_events` implies). Paging stops after `max_pages`, as for events.
        """
        params: JSON = {"tzid": tzid, "from": start.isoformat(), "to": end.isoformat()}
        return self._paged(access_token, "/v1/free_busy", "free_busy", params, max_pages)

    def availability(self, body: JSON) -> list[JSON]:
        """The slots (or periods) when the members of `body` are free together.

        Authenticated with the client secret, as Cronofy documents for availability: the
        members are named by their `sub`, so one call covers every connection at once.
        """
        response = self._send(
            "POST",
            f"{self.api_url}/v1/availability",
            json=body,
            headers={"Authorization": f"Bearer {self.client_secret}"},
        )
        self._raise_for_status("/v1/availability", response)
        answer = self._json("/v1/availability", response)
        found = answer.get("available_slots", answer.get("available_periods"))
        if not isinstance(found, list):
            raise errors.CronofyBadResponse("/v1/availability: no slots or periods")
        return [f for f in found if isinstance(f, dict)]

    # -- Push notification channels (docs/cronofy.md §9) ----------------------------------

    def create_channel(self, access_token: str, callback_url: str) -> JSON:
        """A channel that POSTs to `callback_url` when anything in the account changes."""
        response = self._send(
            "POST",
            f"{self.api_url}/v1/channels",
            json={"callback_url": callback_url},
            headers={"Authorization": f"Bearer {access_token}"},
        )
        self._raise_for_status("/v1/channels", response)
        channel = self._json("/v1/channels", response).get("channel")
        if not isinstance(channel, dict) or not isinstance(channel.get("channel_id"), str):
            raise errors.CronofyBadResponse("/v1/channels: no channel")
        return channel

    def channels(self, access_token: str) -> list[JSON]:
        """The account's open channels (of this application)."""
        channels = self.get(access_token, "/v1/channels").get("channels")
        if not isinstance(channels, list):
            raise errors.CronofyBadResponse("/v1/channels: no channels list")
        return [c for c in channels if isinstance(c, dict)]

    def close_channel(self, access_token: str, channel_id: str) -> None:
        """Stop a channel; one Cronofy no longer has is already closed."""
        url = f"{self.api_url}/v1/channels/{quote(channel_id, safe='')}"
        response = self._send("DELETE", url, headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code == 404:
            return
        self._raise_for_status("/v1/channels/{channel_id}", response)

    def upsert_event(self, access_token: str, calendar_id: str, event: JSON) -> None:
        """Create or update (by `event_id`) an event in a calendar (scope `create_event`)."""
        self._write("POST", access_token, calendar_id, event)

    def delete_event(self, access_token: str, calendar_id: str, event_id: str) -> None:
        """Delete an event this app created, by its `event_id` (scope `delete_event`)."""
        self._write("DELETE", access_token, calendar_id, {"event_id": event_id})

    def _write(self, method: str, access_token: str, calendar_id: str, body: JSON) -> None:
        endpoint = "/v1/calendars/{calendar_id}/events"
        url = f"{self.api_url}/v1/calendars/{quote(calendar_id, safe='')}/events"
        response = self._send(
            method, url, json=body, headers={"Authorization": f"Bearer {access_token}"}
        )
        # Writes answer 202 with an empty body; there is nothing to read.
        self._raise_for_status(endpoint, response)

    def get(self, access_token: str, path: str, params: JSON | None = None) -> JSON:
        """GET a /v1 path (or an absolute URL Cronofy handed out) and return its JSON."""
        url = self.api_url + path if path.startswith("/") else path
        if not url.startswith(self.api_url + "/"):
            # The bearer token only ever goes to the configured API host, even if a
            # response hands out a link elsewhere.
            raise errors.CronofyBadResponse("refused to follow a URL off the API host")
        response = self._send(
            "GET", url, params=params, headers={"Authorization": f"Bearer {access_token}"}
        )
        endpoint = urlsplit(url).path
        self._raise_for_status(endpoint, response)
        return self._json(endpoint, response)

    # -- Plumbing --------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        endpoint = urlsplit(url).path
        if self.budget is not None:
            self.budget.take()  # may wait; CronofyRateLimited when none is left in time
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            log.warning("Cronofy %s %s timed out", method, endpoint)
            raise errors.CronofyUnavailable(f"{endpoint}: timeout") from exc
        except requests.RequestException as exc:
            log.warning("Cronofy %s %s unreachable: %s", method, endpoint, type(exc).__name__)
            raise errors.CronofyUnavailable(f"{endpoint}: {type(exc).__name__}") from exc

    @staticmethod
    def _raise_for_status(endpoint: str, response: requests.Response) -> None:
        error = responses.error_for_status(endpoint, response)
        if error is not None:
            log.warning("Cronofy %s answered %s", endpoint, response.status_code)
            raise error

    @staticmethod
    def _json(endpoint: str, response: requests.Response) -> JSON:
        body = responses.json_object(response)
        if body is None:
            log.warning(
                "Cronofy %s answered %s without a JSON object", endpoint, response.status_code
            )
            raise errors.CronofyBadResponse(f"{endpoint}: not a JSON object")
        return body


def init_client(app: Flask) -> None:
    """Create the app's Cronofy client from its configuration."""
    app.extensions["cronofy_client"] = CronofyClient(
        api_url=app.config["CRONOFY_API_URL"],
        client_id=app.config["CRONOFY_CLIENT_ID"],
        client_secret=app.config["CRONOFY_CLIENT_SECRET"],
        timeout=app.config["CRONOFY_TIMEOUT"],
        session=pooled_session(app.config["CRONOFY_HTTP_POOL_SIZE"]),
        budget=budget_for(app),
    )


def cronofy_client() -> CronofyClient:
    """The current app's Cronofy client."""
    client: CronofyClient = current_app.extensions["cronofy_client"]
    return client
