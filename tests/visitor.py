"""A browser without JavaScript, for integration tests: follows redirects, submits forms.

Its forms are read by the one form parser, tests/pages.py.
"""

import html
import re
from urllib.parse import urljoin

import requests

from tests.helpers import PASSWORD
from tests.live import wait_until
from tests.pages import event_time_shown, parse_forms

__all__ = ["Visitor", "event_time_shown", "register_and_connect"]  # scripts import these


class Visitor:
    """One person's browser: a cookie jar, and forms found by their button's label."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["Accept"] = "text/html,application/xhtml+xml"
        self.page: requests.Response | None = None

    def get(self, url: str) -> requests.Response:
        self.page = self.session.get(url, timeout=10)
        return self.page

    def press(self, label: str, **values: str) -> requests.Response:
        """Fill in `values` and press the button labelled `label` on the current page."""
        assert self.page is not None
        for form in parse_forms(self.page.text):
            if label in form.buttons:
                break
        else:
            raise AssertionError(f"no button {label!r} on {self.page.url}")
        data = {**form.fields, **values}
        name, value = form.buttons[label]
        if name:
            data[name] = value
        url = urljoin(self.page.url, form.action or self.page.url)
        if form.method == "get":  # a browser puts a GET form's fields in the query
            self.page = self.session.get(url, params=data, timeout=10)
        else:
            self.page = self.session.request(form.method, url, data=data, timeout=10)
        return self.page

    def follow(self, label: str) -> requests.Response:
        """Follow the link whose text is `label` on the current page (the first one)."""
        assert self.page is not None
        links = re.finditer(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', self.page.text, re.S)
        for match in links:
            if re.sub(r"<[^>]+>|\s+", " ", match.group(2)).strip() == label:
                return self.get(urljoin(self.page.url, html.unescape(match.group(1))))
        raise AssertionError(f"no link {label!r} on {self.page.url}")

    def reload_until(self, text: str, timeout: float = 10.0) -> requests.Response:
        """Reload the page until it shows `text` (a background job lands), as a person would."""
        assert self.page is not None

        def shown() -> bool:
            assert self.page is not None
            return text in self.page.text or text in self.get(self.page.url).text

        wait_until(shown, f"{text!r} on {self.page.url}", timeout, every=0.1)
        return self.page

    def register(self, base: str, email: str, password: str = PASSWORD) -> requests.Response:
        """Create an account on the app at `base` through its form; then logged in."""
        self.get(f"{base}/auth/register")
        return self.press("Create account", email=email, password=password, confirm=password)

    def log_in(self, base: str, email: str, password: str = PASSWORD) -> requests.Response:
        """Log in through the app's form at `base`."""
        self.get(f"{base}/auth/login")
        return self.press("Log in", email=email, password=password)

    @property
    def text(self) -> str:
        assert self.page is not None
        return self.page.text


def register_and_connect(base: str, email: str, password: str = PASSWORD):
    """A new user registers on the app at `base` and connects a calendar at the sandbox."""
    visitor = Visitor()
    visitor.register(base, email, password)
    visitor.press("Connect calendar")
    visitor.press("Allow", email=email)
    assert f"Connected {email}." in visitor.text, "connecting through the sandbox failed"
    return visitor
