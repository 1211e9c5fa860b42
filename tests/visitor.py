"""A browser without JavaScript, for integration tests: follows redirects, submits forms."""

import html
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (name, value)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button = a
        elif tag == "select" and self.forms:
            self._select = a.get("name")
        elif tag == "option" and self._select:
            # A browser sends the selected option, else the first one.
            fields = self.forms[-1].fields
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and self.forms:
            self._textarea = a.get("name")
            self.forms[-1].fields[self._textarea or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.forms[-1].fields[self._textarea] += data
        if self._button is not None and data.strip():
            label = data.strip()
            self.forms[-1].buttons[label] = (
                self._button.get("name", ""),
                self._button.get("value", ""),
            )
            self._button = None


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
        parser = _Forms()
        parser.feed(self.page.text)
        for form in parser.forms:
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
        deadline = time.monotonic() + timeout
        while text not in self.page.text:
            assert time.monotonic() < deadline, f"{text!r} never appeared on {self.page.url}"
            time.sleep(0.1)
            self.get(self.page.url)
        return self.page

    @property
    def text(self) -> str:
        assert self.page is not None
        return self.page.text


def register_and_connect(base: str, email: str, password: str = "correct horse battery"):
    """A new user registers on the app at `base` and connects a calendar at the sandbox."""
    visitor = Visitor()
    visitor.get(f"{base}/auth/register")
    visitor.press("Create account", email=email, password=password, confirm=password)
    visitor.press("Connect calendar")
    visitor.press("Allow", email=email)
    assert f"Connected {email}." in visitor.text, "connecting through the sandbox failed"
    return visitor


def event_time_shown(page: str, summary: str) -> str | None:
    """The time a dashboard page shows for the event called `summary`; None if not there."""
    if summary not in page:
        return None
    item = page.split(summary)[0].rsplit('<li class="event', 1)[-1]
    return re.sub(r"<[^>]+>|\s+", " ", item.split('class="event-time">', 1)[-1]).strip()
