"""Error pages a browser can reach are readable, accessible, and lead somewhere."""

from tests.browser.chromium import audit, expect, register, starting_with


def test_unknown_page_is_a_styled_404(page, live_app):
    """A mistyped address gets the app's own page with a way back, not a bare error."""
    response = page.goto(f"{live_app.url}/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    expect(page.get_by_text("That page does not exist.")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Go to the start page").click()
    expect(page).to_have_url(f"{live_app.url}/")


def test_a_signed_in_persons_404_leads_back_to_their_calendars(page, live_app):
    register(page, live_app.url, "grace@example.com")
    response = page.goto(f"{live_app.url}/no-such-page")
    assert response is not None and response.status == 404
    page.get_by_role("link", name="Go to your calendars").click()
    expect(page).to_have_url(f"{live_app.url}/dashboard")


def test_dashboard_asks_a_visitor_to_log_in(page, live_app):
    """The dashboard is private: a visitor is sent to the login form, which passes the audit."""
    page.goto(f"{live_app.url}/dashboard")
    expect(page).to_have_url(starting_with(f"{live_app.url}/auth/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    audit(page)


def test_register_form_errors_are_tied_to_their_fields(page, live_app):
    """A rejected form says what is wrong next to each field, and screen readers hear it."""
    page.goto(f"{live_app.url}/auth/register")
    rule = "At least 8 characters; a long passphrase is welcome (up to 128)."
    # The rule is said before anything is typed, not only after a failure.
    expect(page.get_by_label("Password", exact=True)).to_have_accessible_description(rule)
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password").fill("different")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{live_app.url}/auth/register")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(f"{rule} Use between 8 and 128 characters.")
    expect(page.get_by_label("Repeat password")).to_have_accessible_description(
        "The passwords do not match."
    )
    audit(page)
