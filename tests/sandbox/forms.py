"""Reads the sandbox's HTML forms the way a browser would submit them."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    """A form's action and the fields a browser would send (before a button is chosen)."""

    action: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)  # value -> name


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", "")))
        elif tag == "input" and self.forms:
            kind = a.get("type", "text")
            if kind == "radio" and "checked" not in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1].buttons[a.get("value", "")] = a.get("name", "")


def parse_form(html: str) -> Form:
    """The first form of a page."""
    parser = _FormParser()
    parser.feed(html)
    assert parser.forms, "the page has no form"
    return parser.forms[0]
