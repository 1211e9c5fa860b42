"""Two connected accounts with calendars of the same name are told apart in text."""

from tests.browser.chromium import allow, audit, connect, expect, register

FIRST, SECOND = "grace@example.com", "grace.hopper@example.org"


def test_two_accounts_work_calendars_are_named_with_their_account(page, live_app, sandbox):
    register(page, live_app.url, FIRST)
    connect(page, live_app.url, sandbox.app_url, FIRST)
    page.get_by_role("button", name="Connect another calendar").click()
    allow(page, SECOND)
    expect(page.get_by_role("status")).to_have_text(f"Connected {SECOND}.")
    page.reload()  # until both first syncs are in
    expect(page.get_by_role("region", name=SECOND).get_by_text("Work")).to_be_visible()

    # The same stand-up from both accounts: each says whose "Work" it is, not just a colour.
    agenda = page.locator(".agenda")
    expect(agenda.locator(".event-account").filter(has_text=FIRST).first).to_be_visible()
    expect(agenda.locator(".event-account").filter(has_text=SECOND).first).to_be_visible()
    audit(page)

    page.get_by_role("link", name="New event").click()
    options = page.get_by_label("Calendar").locator("option")
    expect(options.filter(has_text=f"Work ({FIRST})")).to_have_count(1)
    expect(options.filter(has_text=f"Work ({SECOND})")).to_have_count(1)
    audit(page)
