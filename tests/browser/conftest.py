"""Fixtures for the browser tests: one headless Chromium per run, a fresh context per test.

The flows run once, on SQLite (the database layer is proven by the other tests), against
the app and the sandbox each served on its own port, so the browser crosses origins as it
does between the app and Cronofy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.browser.chromium import VIEWPORT, launch, missing_tools, sync_playwright
from tests.conftest import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides the suite's two-backend database: a migrated SQLite file, once per run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'test.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, or a skip (a failure in CI) saying what is missing."""
    reason = missing_tools()
    if reason:
        unavailable(reason)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: no cookies or storage carried over, and in UTC whatever the
    machine's zone (the dashboard offers a browser in another zone its own)."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id="Etc/UTC")
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """One tab of the test's fresh profile."""
    return context.new_page()
