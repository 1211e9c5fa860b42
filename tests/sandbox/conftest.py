"""Fixtures and helpers for the sandbox's own tests: one live server, reset before every test.

Like the sandbox, these tests import nothing from the app: they share only tests/ modules
that do not either (the form parser in tests/pages.py, Cronofy's shapes in
tests/cronofy_data.py).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox import SandboxServer, SandboxState
from tests.cronofy_data import FULL_SCOPE, bearer_header
from tests.pages import parse_form

REDIRECT_URI = "http://127.0.0.1:5000/auth/cronofy/callback"
SCOPE = FULL_SCOPE  # everything the app asks for
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
HTML = {"Accept": "text/html,application/xhtml+xml"}
TIMEOUT = 10  # seconds; every request in these tests is to 127.0.0.1


@pytest.fixture(scope="session")
def live_server() -> Iterator[SandboxServer]:
    """The sandbox serving both of its hosts on free ports, once per run."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(live_server: SandboxServer) -> SandboxServer:
    """The running sandbox, fresh: no accounts, default settings.

    Its clock is the process's: a test that moves time asks for `clock` (tests/clock.py).
    """
    live_server.state.reset()
    return live_server


@pytest.fixture
def state(sandbox: SandboxServer) -> SandboxState:
    """The fresh sandbox's state, to drive it from Python."""
    return sandbox.state


def auth_params(**overrides: Any) -> dict[str, str]:
    """A valid authorization request, with overrides (None removes a parameter)."""
    params = {
        "response_type": "code",
        "client_id": "sandbox-client",
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        "state": "state-123",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def query_of(response: requests.Response) -> dict[str, list[str]]:
    """The query parameters of a redirect's Location."""
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query, keep_blank_values=True)


@dataclass
class Browser:
    """A requests session that behaves like a browser on the consent page."""

    server: SandboxServer
    session: requests.Session

    def open(self, **params: Any) -> requests.Response:
        return self.session.get(
            f"{self.server.app_url}/oauth/authorize",
            params=auth_params(**params),
            headers=HTML,
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def submit(
        self, page: requests.Response, decision: str = "allow", **fields: str
    ) -> requests.Response:
        form = parse_form(page.text)
        data = {**form.fields, **fields, form.button_named(decision): decision}
        return self.session.post(
            self.server.app_url + form.action,
            data=data,
            headers=HTML,
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def authorize(self, email: str = "demo@example.com", **params: Any) -> str:
        """Open the consent page, press Allow, and return the code."""
        page = self.open(**params)
        assert page.status_code == 200, page.text
        return query_of(self.submit(page, email=email))["code"][0]


@pytest.fixture
def browser(sandbox: SandboxServer) -> Iterator[Browser]:
    """A browser of its own (a cookie jar) on the fresh sandbox's consent page."""
    with requests.Session() as session:
        yield Browser(sandbox, session)


def exchange(server: SandboxServer, code: str, **overrides: Any) -> requests.Response:
    body = {
        **CLIENT,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
    }
    body.update(overrides)
    return requests.post(f"{server.api_url}/oauth/token", json=body, timeout=TIMEOUT)


def refresh(server: SandboxServer, refresh_token: str) -> requests.Response:
    """Refresh an access token on the API host, with the sandbox's client credentials."""
    body = {**CLIENT, "grant_type": "refresh_token", "refresh_token": refresh_token}
    return requests.post(f"{server.api_url}/oauth/token", json=body, timeout=TIMEOUT)


def control(server: SandboxServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A call to the sandbox's /_sandbox controls on its API host."""
    return requests.request(method, f"{server.api_url}/_sandbox{path}", timeout=TIMEOUT, **kwargs)


@pytest.fixture
def connect(sandbox: SandboxServer) -> Callable[..., dict[str, Any]]:
    """Authorize a fresh browser and exchange the code: the token response's JSON."""

    def run(email: str = "demo@example.com", scope: str = SCOPE) -> dict[str, Any]:
        with requests.Session() as session:
            code = Browser(sandbox, session).authorize(email, scope=scope, avoid_linking="true")
        response = exchange(sandbox, code)
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
def tokens(connect: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The token response of demo@example.com, connected with every scope."""
    return connect()


class Api:
    """Bearer-authenticated calls to the API host."""

    def __init__(self, server: SandboxServer, access_token: str) -> None:
        self.base = server.api_url
        self.headers = bearer_header(access_token)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers, timeout=TIMEOUT, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base + path, headers=self.headers, timeout=TIMEOUT, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.delete(self.base + path, headers=self.headers, timeout=TIMEOUT, **kwargs)

    def calendar_ids(self) -> dict[str, str]:
        """The account's calendars: name -> id."""
        found = self.get("/v1/calendars").json()["calendars"]
        return {c["calendar_name"]: c["calendar_id"] for c in found}


@pytest.fixture
def api(sandbox: SandboxServer, tokens: dict[str, Any]) -> Api:
    """The API host, called with demo@example.com's access token."""
    return Api(sandbox, tokens["access_token"])
