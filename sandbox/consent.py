"""The app host's browser pages: the consent screen at /oauth/authorize and profile relinking."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, request

from sandbox import scopes
from sandbox.web import current_state, html_page, json_response, parse_bool

bp = Blueprint("consent", __name__)

LINK_COOKIE = "sandbox_browser"
# Radio value -> label: the sandbox's providers (demo_data.PROVIDERS).
PROVIDER_CHOICES = {"google": "Google", "office365": "Microsoft 365 / Exchange", "apple": "Apple"}
# The `provider_name` values Cronofy documents for /oauth/authorize -> the choice they make.
# The sandbox has one Microsoft provider, so Outlook.com (live_connect) and Exchange map to it.
# Any other value is ignored and the page offers the choice.
_PRESELECT = {
    "google": "google",
    "live_connect": "office365",
    "office365": "office365",
    "exchange": "office365",
    "apple": "apple",
}
_CARRIED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "avoid_linking",
    "provider_name",
    "link_token",
    "locale",
)
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class AuthRequest:
    """A validated authorization request and the original parameters it came from."""

    carried: dict[str, str]
    scope: list[str]
    avoid_linking: bool

    @property
    def redirect_uri(self) -> str:
        return self.carried["redirect_uri"]

    @property
    def purpose(self) -> str:
        """What a consent form's nonce is bound to: exactly these parameters."""
        return "authorize?" + urlencode(sorted(self.carried.items()))


class Rejected(Exception):
    """Not safe to redirect back (unknown client or redirect URI): show an error page."""


class Bounced(Exception):
    """Safe to redirect back with an OAuth `error` parameter."""


def _validate(params: Mapping[str, str]) -> AuthRequest:
    state = current_state()
    carried = {k: params[k] for k in _CARRIED if k in params}
    if carried.get("client_id") != state.client_id:
        raise Rejected("The application asking for access is not known to this sandbox.")
    if not state.is_registered(carried.get("redirect_uri", "")):
        # Never redirect to an unregistered URI: that would make the sandbox an open redirector.
        raise Rejected("The redirect URI is not registered for this application.")
    # Strict reading: anything but exactly `code` is unsupported, including a missing value.
    if carried.get("response_type") != "code":
        raise Bounced("unsupported_response_type")
    requested = scopes.parse(carried.get("scope", ""))
    if not requested or not set(requested) <= scopes.KNOWN:
        # An empty scope is as unusable as an unknown one; both answer invalid_scope.
        raise Bounced("invalid_scope")
    avoid_linking = parse_bool(carried.get("avoid_linking", "false"))
    if avoid_linking is None:
        raise Bounced("invalid_request")
    return AuthRequest(carried, requested, avoid_linking)


def _redirect_back(auth: AuthRequest, **params: str) -> Response:
    """302 to the registered URI, keeping its own query string and echoing `state` unchanged."""
    if "state" in auth.carried:
        params["state"] = auth.carried["state"]
    parts = urlsplit(auth.redirect_uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _error_page(message: str, status: int = 400) -> Response:
    return html_page(
        "message.html", status, title="Something went wrong", message=message, lang="en"
    )


def _preselected(auth: AuthRequest) -> str | None:
    """The provider `provider_name` names, if it names one the sandbox has."""
    return _PRESELECT.get(auth.carried.get("provider_name", ""))


def _consent_page(
    auth: AuthRequest, *, provider: str, email: str, email_error: str | None = None
) -> Response:
    """The form; with a pre-selected provider it shows that one instead of the choice."""
    locale = auth.carried.get("locale", "")
    return html_page(
        "authorize.html",
        400 if email_error else 200,
        app_name=current_state().app_name,
        permissions=[scopes.DESCRIPTIONS[name] for name in auth.scope],
        providers=PROVIDER_CHOICES,
        provider=provider,
        provider_fixed=_preselected(auth) is not None,
        email=email,
        email_error=email_error,
        used_emails=current_state().used_emails(request.cookies.get(LINK_COOKIE)),
        carried=auth.carried,
        nonce=current_state().issue_nonce(auth.purpose),
        lang=locale if _LOCALE.match(locale) else "en",
    )


def _accepts_html() -> bool:
    """Only an explicit text/html counts: programs send */*, and Cronofy answers them 406."""
    return any(
        value in ("text/html", "application/xhtml+xml") and quality > 0
        for value, quality in request.accept_mimetypes
    )


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    """Show the consent screen (GET) or act on Allow / Deny (POST, re-validated)."""
    if not _accepts_html():
        return json_response(406, {"error": "This page is for a web browser; open it in one."})
    params = request.args if request.method == "GET" else request.form
    try:
        auth = _validate(params)
    except Rejected as exc:
        return _error_page(str(exc))
    except Bounced as exc:
        return _redirect_back(_bounce_target(params), error=str(exc))
    if request.method == "GET":
        provider = _preselected(auth) or "google"
        email = current_state().suggested_email(
            request.cookies.get(LINK_COOKIE), auth.carried["client_id"]
        )
        return _consent_page(auth, provider=provider, email=email)
    return _decide(auth)


def _bounce_target(params: Mapping[str, str]) -> AuthRequest:
    """Enough of a request to redirect back; only built after client and URI were checked."""
    return AuthRequest({k: params[k] for k in _CARRIED if k in params}, [], False)


def _decide(auth: AuthRequest) -> Response:
    if not current_state().take_nonce(request.form.get("nonce", ""), auth.purpose):
        # A forged or replayed form: do not act on it, and do not redirect anywhere.
        return _error_page("This form has expired or was not sent by this page. Start again.")
    decision = request.form.get("decision")
    if decision == "deny":
        return _redirect_back(auth, error="access_denied")
    if decision != "allow":
        return _error_page("Choose Allow or Deny.")
    # The form's provider decides, even against a pre-selection: the user's own browser could
    # send any of the sandbox's providers anyway, and nothing else is accepted.
    provider = request.form.get("provider", "")
    email = request.form.get("email", "").strip().lower()
    if provider not in PROVIDER_CHOICES:
        return _error_page("Choose a calendar provider.")
    if not _EMAIL.match(email) or len(email) > 254:
        return _consent_page(
            auth, provider=provider, email=email, email_error="Enter an email address."
        )
    code, browser = current_state().approve(
        email=email,
        provider=provider,
        client_id=auth.carried["client_id"],
        redirect_uri=auth.redirect_uri,
        scope=" ".join(auth.scope),
        browser=request.cookies.get(LINK_COOKIE),
        avoid_linking=auth.avoid_linking,
    )
    response = _redirect_back(auth, code=code)
    # Remembers which account this browser authorized, so the next one can link to it.
    response.set_cookie(
        LINK_COOKIE, browser, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
    )
    return response


@bp.route("/oauth/relink", methods=["GET", "POST"])
def relink() -> Response:
    """Where `profile_relink_url` points: the user reconnects a disconnected profile."""
    state = current_state()
    profile_id = request.values.get("profile_id", "")
    name = state.profile_name(profile_id)
    if name is None:
        return _error_page("This calendar account is not known to the sandbox.", 404)
    purpose = "relink?" + profile_id
    if request.method == "POST":
        if not state.take_nonce(request.form.get("nonce", ""), purpose):
            return _error_page("This form has expired or was not sent by this page. Start again.")
        state.reconnect_profile(profile_id)
        return html_page(
            "message.html",
            title="Calendar reconnected",
            message=f"{name} is connected again. You can close this window.",
            lang="en",
        )
    return html_page(
        "relink.html",
        profile_id=profile_id,
        profile_name=name,
        nonce=state.issue_nonce(purpose),
        lang="en",
    )
