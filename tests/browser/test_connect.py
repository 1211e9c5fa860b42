"""Connecting a calendar in a real browser: Allow, Deny, and Disconnect."""

from tests.browser.chromium import (
    EMAIL,
    allow,
    audit,
    calendar_names,
    connect,
    expect,
    expect_calendars,
    register,
    starting_with,
)


def test_new_user_connects_and_sees_the_sandbox_calendars(page, live_app, sandbox):
    """A first visit, from the landing page to the calendars, works across both origins."""
    page.goto(live_app.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "See all your calendars in one place"
    )
    audit(page)
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(f"{live_app.url}/auth/register")
    audit(page)

    register(page, live_app.url, EMAIL)
    audit(page)

    page.get_by_role("button", name="Connect calendar").click()
    expect(page).to_have_url(starting_with(f"{sandbox.app_url}/oauth/authorize"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Calendar Connect wants to access your calendar"
    )
    audit(page)

    allow(page, EMAIL)
    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Connected {EMAIL}.")
    connection = page.get_by_role("region", name=EMAIL)
    expect(connection.get_by_text("Connected", exact=True)).to_be_visible()
    live, deleted = calendar_names(sandbox.state.accounts(), EMAIL)
    assert live and deleted, "the sandbox's demo account has both kinds"
    expect_calendars(page, live)  # and so none of the deleted ones
    audit(page)


def test_deny_leaves_no_connection(page, live_app, sandbox):
    """Declining on the consent page brings the user back with a clear message."""
    register(page, live_app.url, EMAIL)
    page.get_by_role("button", name="Connect calendar").click()
    expect(page).to_have_url(starting_with(f"{sandbox.app_url}/oauth/authorize"))
    page.get_by_role("button", name="Deny").click()

    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(
        "You declined access, so no calendar was connected."
    )
    expect(page.get_by_role("heading", name="No calendar connected yet")).to_be_visible()
    audit(page)
    assert not [e for e in sandbox.state.requests_log() if e["path"] == "/oauth/token"]


def test_disconnect_returns_to_the_empty_state(page, live_app, sandbox):
    """Disconnect revokes the authorization at Cronofy and empties the dashboard."""
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)

    page.get_by_role("link", name=f"Disconnect {EMAIL}").click()
    dialog = page.get_by_role("dialog", name=f"Disconnect {EMAIL}?")
    expect(dialog).to_be_visible()
    page.get_by_role("dialog").get_by_role("button", name="Disconnect").click()
    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(f"Disconnected {EMAIL}.")
    expect(page.get_by_role("heading", name="No calendar connected yet")).to_be_visible()
    expect(page.get_by_role("button", name="Connect calendar")).to_be_visible()
    audit(page)
    revokes = [e for e in sandbox.state.requests_log() if e["path"] == "/oauth/token/revoke"]
    assert [(e["host"], e["status"]) for e in revokes] == [("api", 200)]


def test_back_to_the_consent_page_and_allow_again_is_no_false_alarm(page, live_app, sandbox):
    """After connecting, Back and Allow once more: the link was used, the calendars are fine."""
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    page.go_back()
    expect(page).to_have_url(starting_with(f"{sandbox.app_url}/oauth/authorize"))
    allow(page, EMAIL)
    expect(page).to_have_url(f"{live_app.url}/dashboard")
    expect(page.get_by_role("status")).to_have_text(
        "That authorization link was already used. Your connected calendars are below."
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("region", name=EMAIL)).to_be_visible()
    audit(page)


def test_disconnect_asks_once_in_a_dialog_that_the_keyboard_can_leave(page, live_app, sandbox):
    """Disconnect cannot be undone: the dialog names the account, Escape keeps it."""
    register(page, live_app.url, EMAIL)
    connect(page, live_app.url, sandbox.app_url, EMAIL)
    link = page.get_by_role("link", name=f"Disconnect {EMAIL}")
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=f"Disconnect {EMAIL}?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("revoked at Cronofy")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    audit(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()  # back where the person was
    expect(page.get_by_role("region", name=EMAIL)).to_be_visible()
    # The page a browser without JavaScript gets instead passes the audit too.
    page.goto(live_app.url + (link.get_attribute("href") or ""))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Disconnect {EMAIL}?")
    audit(page)
    assert not [e for e in sandbox.state.requests_log() if e["path"] == "/oauth/token/revoke"]


def test_without_javascript_disconnect_asks_on_a_page(browser, live_app, sandbox):
    context = browser.new_context(java_script_enabled=False, timezone_id="Etc/UTC")
    page = context.new_page()
    try:
        register(page, live_app.url, EMAIL)
        connect(page, live_app.url, sandbox.app_url, EMAIL)
        page.get_by_role("link", name=f"Disconnect {EMAIL}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Disconnect {EMAIL}?")
        page.get_by_role("link", name="Cancel").click()
        expect(page.get_by_role("region", name=EMAIL)).to_be_visible()
        page.get_by_role("link", name=f"Disconnect {EMAIL}").click()
        page.get_by_role("button", name="Disconnect").click()
        expect(page.get_by_role("status")).to_have_text(f"Disconnected {EMAIL}.")
    finally:
        context.close()
