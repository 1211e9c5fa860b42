"""The whole connect flow driven by the keyboard alone, as people who cannot use a mouse do."""

from tests.browser.chromium import (
    EMAIL,
    audit,
    calendar_names,
    expect,
    expect_calendars,
    starting_with,
)
from tests.helpers import PASSWORD


def focused(page) -> str:
    """What has focus: a control's accessible-ish name, its label, or its text."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
            return (el.getAttribute("aria-label") || label || el.textContent).trim();
        }"""
    )


def focus_is_visible(page) -> bool:
    """Whether the focused element draws a focus indicator (an outline or a ring)."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return style.outlineStyle !== "none" || style.boxShadow !== "none";
        }"""
    )


def tab_to(page, name: str, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) once: focus lands on `name`, and it shows."""
    page.keyboard.press(key)
    assert focused(page) == name
    assert focus_is_visible(page), f"no visible focus on {name!r} at {page.url}"


def skip_to_content(page) -> None:
    """The first Tab reaches the skip link; following it starts the tab order in <main>."""
    tab_to(page, "Skip to content")
    page.keyboard.press("Enter")


def test_connect_a_calendar_with_the_keyboard_only(page, live_app, sandbox):
    """Registering, connecting, choosing a provider and allowing need no mouse."""
    page.goto(f"{live_app.url}/auth/register")
    for name in ("Skip to content", "Calendar Connect", "Log in", "Create account", "Email"):
        tab_to(page, name)
    page.keyboard.type(EMAIL)
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Repeat password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Create account")
    tab_to(page, "Repeat password", key="Shift+Tab")
    tab_to(page, "Create account")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_app.url}/dashboard")
    skip_to_content(page)
    tab_to(page, "Connect calendar")
    page.keyboard.press("Space")

    expect(page).to_have_url(starting_with(f"{sandbox.app_url}/oauth/authorize"))
    tab_to(page, "Google")  # the provider group; the checked radio takes focus
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Microsoft 365 / Exchange")).to_be_checked()
    tab_to(page, "Email address of the demo calendar account")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(EMAIL)
    tab_to(page, "your sandbox calendar")  # a link to try push with, once connected
    tab_to(page, "Allow")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Connected {EMAIL}.")
    expect(page.get_by_role("heading", name=f"{EMAIL} (Exchange)")).to_be_visible()
    expect_calendars(page, calendar_names(sandbox.state.accounts(), EMAIL)[0])
    audit(page)
