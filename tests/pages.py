"""Reading rendered HTML as a browser or a person would: forms, the agenda, field errors.

The one HTML form parser of the tests (`parse_forms`: what a browser would submit) serves
the visitor (tests/visitor.py), the sandbox's tests (its consent and relink pages) and
`csrf_token` in tests/helpers.py. The agenda's readers find what the dashboard shows of an
event or a day. Nothing here imports the app or the sandbox.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    """A form's action and method, the fields a browser would send before a button is
    pressed, and its buttons: label -> (name, value)."""

    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)

    def pressing(self, label: str) -> dict[str, str]:
        """The fields sent when the button labelled `label` is pressed."""
        name, value = self.buttons[label]
        return {**self.fields, name: value} if name else dict(self.fields)

    def button_named(self, value: str) -> str:
        """The name of the button that sends `value` (as Allow sends decision=allow)."""
        [name] = {name for name, sent in self.buttons.values() if sent == value}
        return name


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
            if self._textarea is not None and self.forms:
                # As browsers read it: one newline right after <textarea> is not content.
                fields = self.forms[-1].fields
                text = fields[self._textarea]
                fields[self._textarea] = (
                    text[2:]
                    if text.startswith("\r\n")
                    else (text[1:] if text.startswith("\n") else text)
                )
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


def parse_forms(html: str) -> list[Form]:
    """Every form of a page, in order."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def parse_form(html: str) -> Form:
    """The first form of a page."""
    forms = parse_forms(html)
    assert forms, "the page has no form"
    return forms[0]


def field_errors(page: str, name: str) -> str | None:
    """The HTML of the errors listed under a form field, or None when it has none."""
    found = re.search(rf'id="{re.escape(name)}-errors">(.*?)</ul>', page, re.S)
    return found.group(1) if found else None


# ----- the dashboard's agenda ----------------------------------------------------------------


def day_sections(page: str) -> dict[str, str]:
    """The agenda's days: heading text (up to its comma) -> that day's HTML."""
    sections = re.findall(r'<section class="day".*?<h3[^>]*>(.*?)</h3>(.*?)</section>', page, re.S)
    return {heading.split(",")[0]: body for heading, body in sections}


def event_item(page: str, summary: str) -> str:
    """The agenda's one entry for the event with this title (fails unless exactly one)."""
    [item] = re.findall(
        rf'<li class="event[^"]*">(?:(?!</li>).)*>{re.escape(summary)}</span>.*?</li>', page, re.S
    )
    return item


def agenda_summaries(page: str) -> list[str]:
    """The title of every event the page lists, in order (as written in the HTML)."""
    return re.findall(r'<span class="event-summary">(.*?)</span>', page)


def event_time_shown(page: str, summary: str) -> str | None:
    """The time a dashboard page shows for the event called `summary`; None if not there."""
    if summary not in page:
        return None
    item = page.split(summary)[0].rsplit('<li class="event', 1)[-1]
    return re.sub(r"<[^>]+>|\s+", " ", item.split('class="event-time">', 1)[-1]).strip()
