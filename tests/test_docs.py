"""The documentation names only what exists, and the README stays a short front page.

The rule for a backticked token in README.md, docs/*.md and sandbox/README.md: it names a
repository path, relative to the repository's root, when it is made of path segments (letters,
digits, `_`, `.`, `-` and `*`; after any leading `*`, each starts with a letter, a digit, `_` or
`.`) and either contains a `/` or ends in one of EXTENSIONS. So a URL (`https://…`), an HTTP path
(`/v1/events`, which starts with a slash), a command (`make run`, which has a space), an
assignment (`PROXY_COUNT=1`) or a placeholder (`acc_…`, `<token>`) is not one. Neither is a
time zone (`Europe/London`) or a media type (`text/html`). A `*` is a glob that must match
something; a path inside a directory that the project generates (GENERATED) is not checked.
Fenced code blocks are commands and output, and are left alone.

A relative markdown link `[text](path#anchor)` must name an existing file, relative to the
document, and its anchor a heading of the markdown file it points to.
"""

import mimetypes
import re
import zoneinfo
from functools import cache
from pathlib import Path

import pytest

from tests.live import ROOT

DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "sandbox" / "README.md", *(ROOT / "docs").glob("*.md")]
)
EXTENSIONS = (".py", ".md", ".html", ".js", ".css", ".ini", ".toml", ".json", ".png", ".txt")
EXTENSIONS += (".svg", ".cfg", ".yml", ".yaml", ".sh", ".example")
# Made by `make run`, `make test` and npm, and ignored by git: they exist only once made.
GENERATED = ("instance", ".venv", "node_modules")
README_LINES = 250
README_SECTIONS = 8

SEGMENT = r"\**[\w.][\w.*-]*"
PATH = re.compile(rf"{SEGMENT}(/{SEGMENT})*/?")
FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)


@cache
def not_paths() -> frozenset[str]:
    """Names with a slash that are not paths: time zones and media types, in lower case."""
    return frozenset(
        name.lower() for name in {*zoneinfo.available_timezones(), *mimetypes.types_map.values()}
    )


def prose(document: Path) -> str:
    """The document without its fenced code blocks."""
    return FENCE.sub("", document.read_text(encoding="utf-8"))


def named_paths(text: str) -> list[str]:
    """Every backticked token of `text` that names a repository path, by the rule above."""
    names = []
    for token in CODE.findall(text):
        token = token.strip()
        if not PATH.fullmatch(token) or token.lower().rstrip("/") in not_paths():
            continue
        if "/" in token or token.endswith(EXTENSIONS):
            names.append(token)
    return names


def exists(name: str) -> bool:
    if name.split("/")[0] in GENERATED:
        return True
    if "*" in name:
        return any(ROOT.glob(name))
    return (ROOT / name).exists()


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    return {slug(heading) for heading in HEADING.findall(prose(document))}


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in LINK.findall(prose(document)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        found = linked.exists() and linked.is_relative_to(root)
        if not found or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(target)
    return broken


def test_every_document_is_found():
    names = {str(d.relative_to(ROOT)) for d in DOCUMENTS}
    assert {"README.md", "sandbox/README.md", "docs/architecture.md", "docs/testing.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_path_a_document_names_exists(document):
    missing = [name for name in named_paths(prose(document)) if not exists(name)]
    assert missing == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_link_of_a_document_leads_somewhere(document):
    assert broken_links(document) == []


def test_the_readme_is_a_short_front_page():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_LINES
    sections = [line for line in prose(ROOT / "README.md").splitlines() if line.startswith("## ")]
    assert len(sections) <= README_SECTIONS, sections


def test_the_readme_links_every_document():
    """Each document is one click from the README."""
    readme = ROOT / "README.md"
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in LINK.findall(prose(readme))}
    assert [str(d.relative_to(ROOT)) for d in DOCUMENTS if d not in linked | {readme}] == []


def test_every_setting_is_in_the_settings_reference():
    """Each variable `.env.example` offers has a row in the table of docs/deployment.md."""
    offered = re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
    reference = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", reference, re.M))
    assert offered
    assert [name for name in offered if name not in rows] == []


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("see `app/cronofy/routes.py` `connect`", ["app/cronofy/routes.py"]),
        (
            "`docs/screenshots/*.png` and `tests/browser/`",
            ["docs/screenshots/*.png", "tests/browser/"],
        ),
        (
            "`gunicorn.conf.py`, `.env.example`, `PROXY_COUNT`",
            ["gunicorn.conf.py", ".env.example"],
        ),
        ("`/v1/events`, `make run`, `https://api.cronofy.com`, `PROXY_COUNT=1`", []),
        ("`redis://…/1`, `acc_…`, `<URL>/cronofy/notifications/<token>`", []),
        ("`Europe/London`, `europe/london`, `text/html`, `X-Forwarded-For/-Proto`", []),
        ("```sh\nless `app/nowhere.py`\n```\n", []),
    ],
)
def test_what_counts_as_a_path(text, paths):
    assert named_paths(FENCE.sub("", text)) == paths


def test_a_typo_is_caught():
    assert not exists("app/cronofy/route.py")
    assert not exists("docs/screenshots/*.jpg")
    assert not exists("sandbox/READ_ME.md")
    assert exists("instance/sandbox-state.json")  # made by `make run`


def test_a_broken_link_or_anchor_is_caught(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n## Two words\n")
    page = tmp_path / "README.md"
    page.write_text(
        "## Try it\n[ok](#try-it) [ok](docs/a.md#two-words) [web](https://example.com)\n"
        "[bad](#try) [bad](docs/b.md) [bad](docs/a.md#three)\n"
    )
    assert broken_links(page, root=tmp_path) == ["#try", "docs/b.md", "docs/a.md#three"]
