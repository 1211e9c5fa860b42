"""The consent page on the app host: validation, Allow/Deny, linking, forgery protection."""

import re

import pytest
import requests

from sandbox import SandboxServer
from tests.pages import parse_form
from tests.sandbox.conftest import HTML, REDIRECT_URI, TIMEOUT, Browser, exchange, query_of


def test_page_shows_app_permissions_badge_and_form(browser: Browser) -> None:
    page = browser.open()
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    html = page.text
    assert "Calendar Connect wants to access your calendar" in html
    assert "Sandbox" in html and "not the real Cronofy" in html
    for words in ("See the list of your calendars", "Read the events in your calendars"):
        assert words in html
    assert "<legend>Calendar provider</legend>" in html
    assert '<label class="field" for="email">' in html
    form = parse_form(html)
    assert form.action == "/oauth/authorize"
    assert form.fields["email"] == "demo@example.com"
    assert form.fields["provider"] == "google"
    assert form.buttons == {"Allow": ("decision", "allow"), "Deny": ("decision", "deny")}
    assert form.fields["state"] == "state-123"
    assert form.fields["nonce"]


def test_app_name_is_escaped(sandbox: SandboxServer, browser: Browser) -> None:
    sandbox.state.app_name = "<b>Evil</b>"
    try:
        page = browser.open()
    finally:
        sandbox.state.app_name = "Calendar Connect"
    assert "&lt;b&gt;Evil&lt;/b&gt;" in page.text
    assert "<b>Evil</b>" not in page.text


def linking_provider(browser: Browser, response: requests.Response) -> str:
    """The provider_name of the profile an Allow linked to, from exchanging its code."""
    body = exchange(browser.server, query_of(response)["code"][0]).json()
    provider_name: str = body["linking_profile"]["provider_name"]
    return provider_name


# provider_name on the request -> the consent choice it makes -> provider_name of the profile
@pytest.mark.parametrize(
    ("given", "choice", "label", "reported"),
    [
        ("google", "google", "Google", "google"),
        ("live_connect", "office365", "Microsoft 365 / Exchange", "exchange"),
        ("office365", "office365", "Microsoft 365 / Exchange", "exchange"),
        ("exchange", "office365", "Microsoft 365 / Exchange", "exchange"),
        ("apple", "apple", "Apple", "apple"),
    ],
)
def test_provider_name_preselects_the_provider_and_skips_the_choice(
    browser: Browser, given: str, choice: str, label: str, reported: str
) -> None:
    page = browser.open(provider_name=given, avoid_linking="true")
    assert page.status_code == 200
    assert 'type="radio"' not in page.text
    assert "<legend>Calendar provider</legend>" not in page.text
    assert f"Calendar provider: <strong>{label}</strong>" in page.text
    fields = parse_form(page.text).fields
    assert (fields["provider"], fields["provider_name"]) == (choice, given)
    assert linking_provider(browser, browser.submit(page)) == reported
    assert [a["provider"] for a in browser.server.state.accounts()] == [choice]


@pytest.mark.parametrize("given", [None, "", "aol", "Google", "icloud", "office 365"])
def test_unknown_or_empty_provider_name_is_ignored(browser: Browser, given: str | None) -> None:
    page = browser.open(provider_name=given, avoid_linking="true")
    assert page.status_code == 200
    assert "<legend>Calendar provider</legend>" in page.text
    assert page.text.count('type="radio"') == 3
    assert "Calendar provider: <strong>" not in page.text
    assert parse_form(page.text).fields["provider"] == "google"
    assert linking_provider(browser, browser.submit(page, provider="apple")) == "apple"


def test_a_forged_provider_works_only_within_the_known_ones(browser: Browser) -> None:
    page = browser.open(provider_name="apple", avoid_linking="true")
    assert linking_provider(browser, browser.submit(page, provider="office365")) == "exchange"
    refused = browser.submit(browser.open(provider_name="apple"), provider="live_connect")
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    assert "Choose a calendar provider." in refused.text


def test_preselection_survives_an_email_error(browser: Browser) -> None:
    page = browser.submit(browser.open(provider_name="exchange"), email="not an email")
    assert page.status_code == 400
    assert 'id="email-error"' in page.text
    assert 'type="radio"' not in page.text
    assert parse_form(page.text).fields["provider"] == "office365"
    assert linking_provider(browser, browser.submit(page, email="ok@example.com")) == "exchange"


def test_allow_redirects_with_code_and_state(browser: Browser) -> None:
    response = browser.submit(browser.open())
    assert response.headers["Location"].startswith(REDIRECT_URI + "?code=")
    query = query_of(response)
    assert query["state"] == ["state-123"]
    assert len(query["code"][0]) == 32
    assert set(query) == {"code", "state"}


def test_deny_redirects_with_access_denied(browser: Browser) -> None:
    query = query_of(browser.submit(browser.open(), decision="deny"))
    assert query == {"error": ["access_denied"], "state": ["state-123"]}


def test_state_is_echoed_unchanged_and_omitted_when_absent(browser: Browser) -> None:
    odd = "a b&c=d/é?"
    assert query_of(browser.submit(browser.open(state=odd)))["state"] == [odd]
    assert "state" not in query_of(browser.submit(browser.open(state=None)))


def test_redirect_keeps_the_registered_uris_own_query(
    sandbox: SandboxServer, browser: Browser
) -> None:
    uri = "http://127.0.0.1:5000/cb?tenant=7"
    sandbox.state.register_redirect_uri(uri)
    response = browser.submit(browser.open(redirect_uri=uri))
    assert response.headers["Location"].startswith(uri + "&code=")
    assert query_of(response)["tenant"] == ["7"]


def test_program_without_html_accept_gets_406_json(sandbox: SandboxServer) -> None:
    for accept in ("*/*", "application/json", "text/html;q=0"):
        response = requests.get(
            f"{sandbox.app_url}/oauth/authorize", headers={"Accept": accept}, timeout=TIMEOUT
        )
        assert response.status_code == 406
        assert response.json()["error"]


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": None},
        {"client_id": "someone-else"},
        {"redirect_uri": None},
        {"redirect_uri": "http://evil.example/callback"},
        {"redirect_uri": REDIRECT_URI + "/"},  # exact match: a trailing slash is another URI
        {"redirect_uri": REDIRECT_URI.replace("127.0.0.1", "127.0.0.2")},
    ],
)
def test_unknown_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
    browser: Browser, params: dict[str, str | None]
) -> None:
    response = browser.open(**params)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Something went wrong" in response.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "unsupported_response_type"),
        ({"scope": "read_account steal_everything"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"avoid_linking": "maybe"}, "invalid_request"),
    ],
)
def test_bad_request_redirects_back_with_error_and_state(
    browser: Browser, params: dict[str, str | None], error: str
) -> None:
    assert query_of(browser.open(**params)) == {"error": [error], "state": ["state-123"]}


def test_every_known_scope_is_accepted(browser: Browser) -> None:
    scope = (
        "read_account list_calendars read_events create_event delete_event read_free_busy "
        "create_calendar change_participation_status read_write read_only write_only "
        "free_busy_write"
    )
    assert browser.open(scope=scope).status_code == 200


def test_optional_parameters_are_accepted_and_carried(browser: Browser) -> None:
    page = browser.open(
        link_token="lt-1", locale="fr", avoid_linking="True", provider_name="apple"
    )
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    fields = parse_form(page.text).fields
    assert fields["link_token"] == "lt-1"
    assert fields["avoid_linking"] == "True"
    assert browser.submit(page).status_code == 302


def test_post_is_revalidated(browser: Browser) -> None:
    page = browser.open()
    form = parse_form(page.text)
    tampered = {**form.fields, "redirect_uri": "http://evil.example/cb", "decision": "allow"}
    response = browser.session.post(
        browser.server.app_url + "/oauth/authorize",
        data=tampered,
        headers=HTML,
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_changed_parameters_do_not_match_the_forms_nonce(browser: Browser) -> None:
    page = browser.open()
    response = browser.submit(page, scope="read_account")  # a valid scope, but not the one shown
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_forged_or_replayed_form_is_refused(browser: Browser) -> None:
    page = browser.open()
    assert browser.submit(page).status_code == 302
    replay = browser.submit(page)  # the nonce was used up
    assert replay.status_code == 400
    assert "Location" not in replay.headers
    forged = browser.submit(browser.open(), nonce="made-up")
    assert forged.status_code == 400


def test_nonce_expires(browser: Browser, clock) -> None:
    page = browser.open()
    clock.advance(3600)
    assert browser.submit(page).status_code == 400


def test_missing_decision_or_provider_is_an_error_page(browser: Browser) -> None:
    page = browser.open()
    form = parse_form(page.text)
    response = browser.session.post(
        browser.server.app_url + "/oauth/authorize",
        data=form.fields,
        headers=HTML,
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert browser.submit(browser.open(), provider="aol").status_code == 400


def test_invalid_email_shows_the_form_again_with_an_error(browser: Browser) -> None:
    response = browser.submit(browser.open(), email="not an email")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert 'id="email-error"' in response.text
    assert parse_form(response.text).fields["email"] == "not an email"  # kept, not suggested
    assert query_of(browser.submit(response, email="ok@example.com"))["code"]  # new form works


def test_each_email_is_its_own_stable_account(sandbox: SandboxServer) -> None:
    accounts = {}
    for email in ("ann@example.com", "bob@example.com", "ANN@example.com"):
        with requests.Session() as session:
            code = Browser(sandbox, session).authorize(email)
        accounts[email] = exchange(sandbox, code).json()["account_id"]
    assert accounts["ann@example.com"] == accounts["ANN@example.com"]
    assert accounts["ann@example.com"] != accounts["bob@example.com"]
    for account_id in accounts.values():
        assert re.fullmatch(r"acc_[a-z0-9]{24}", account_id)


def test_second_authorization_links_to_the_earlier_account(browser: Browser) -> None:
    first = exchange(browser.server, browser.authorize("ann@example.com")).json()
    second = exchange(browser.server, browser.authorize("bob@example.com")).json()
    assert second["account_id"] == first["account_id"]


def test_avoid_linking_gives_the_typed_emails_account(browser: Browser) -> None:
    first = exchange(browser.server, browser.authorize("ann@example.com")).json()
    code = browser.authorize("bob@example.com", avoid_linking="true")
    second = exchange(browser.server, code).json()
    assert second["account_id"] != first["account_id"]
    assert second["linking_profile"]["profile_name"] == "bob@example.com"


def suggested(browser: Browser) -> tuple[str, list[str]]:
    """The address the consent page fills in, and the ones it offers as used before."""
    page = browser.open(avoid_linking="true")
    offered = re.findall(r'<option value="([^"]*)">', page.text)
    return parse_form(page.text).fields["email"], offered


def test_each_new_connection_is_offered_an_unused_address(
    sandbox: SandboxServer, browser: Browser
) -> None:
    assert suggested(browser) == ("demo@example.com", [])
    exchange(sandbox, browser.authorize("demo@example.com", avoid_linking="true"))
    assert suggested(browser) == ("demo-2@example.com", ["demo@example.com"])
    exchange(sandbox, browser.authorize("demo-2@example.com", avoid_linking="true"))
    with requests.Session() as session:  # another browser: the same free address, no history
        assert suggested(Browser(sandbox, session)) == ("demo-3@example.com", [])
    assert suggested(browser) == ("demo-3@example.com", ["demo-2@example.com", "demo@example.com"])


def test_an_account_whose_access_ended_is_offered_again(
    sandbox: SandboxServer, browser: Browser
) -> None:
    """Reconnecting: the address that account used is filled in, not a new one."""
    ann = exchange(sandbox, browser.authorize("ann@example.com", avoid_linking="true")).json()
    exchange(sandbox, browser.authorize("bob@example.com", avoid_linking="true"))
    assert suggested(browser)[0] == "demo@example.com"
    sandbox.state.revoke_account(ann["account_id"])
    assert suggested(browser) == ("ann@example.com", ["bob@example.com", "ann@example.com"])
    with requests.Session() as session:  # only the browser that used it is told
        assert suggested(Browser(sandbox, session)) == ("demo@example.com", [])
    exchange(sandbox, browser.authorize("ann@example.com", avoid_linking="true"))
    assert suggested(browser) == ("demo@example.com", ["ann@example.com", "bob@example.com"])


def test_linking_cookie_is_http_only(browser: Browser) -> None:
    response = browser.submit(browser.open())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_provider_choice_sets_the_linking_profile(browser: Browser) -> None:
    code = query_of(browser.submit(browser.open(avoid_linking="true"), provider="office365"))
    body = exchange(browser.server, code["code"][0]).json()
    assert body["linking_profile"]["provider_name"] == "exchange"


def test_authorize_is_not_on_the_api_host(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.api_url}/oauth/authorize", headers=HTML, timeout=TIMEOUT)
    assert response.status_code == 404


def test_the_favicon_is_the_sandboxs_own(sandbox: SandboxServer, browser: Browser) -> None:
    icon = requests.get(f"{sandbox.app_url}/favicon.ico", timeout=TIMEOUT)
    assert icon.status_code == 200
    assert icon.headers["Content-Type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
    assert '<link rel="icon" href="/favicon.ico"' in browser.open().text
