"""Token and revoke endpoints, on both hosts as at Cronofy (SDKs differ in which they call)."""

from flask import Blueprint, Response, request

from sandbox.state import TokenSet
from sandbox.web import body_params, current_state, json_response, oauth_error

bp = Blueprint("oauth", __name__)


def _client_request() -> tuple[dict[str, str], str] | Response:
    """The body's parameters and the client id when it carries valid credentials, else the
    error response.

    Cronofy documents client credentials in the body only. Whether it answers 400 or 401 for
    invalid_client is unconfirmed; RFC 6749 section 5.2 allows 401, which we pick. Basic auth is
    refused even alongside body credentials: RFC 6749 forbids two methods in one request.
    """
    params = body_params()
    if params is None:
        return oauth_error(400, "invalid_request")
    uses_basic = request.headers.get("Authorization", "").lower().startswith("basic ")
    client_id = params.get("client_id", "")
    client_secret = params.get("client_secret", "")
    if uses_basic or not client_id or not client_secret:
        return oauth_error(401, "invalid_client")
    if not current_state().check_client(client_id, client_secret):
        return oauth_error(401, "invalid_client")
    return params, client_id


def _token_response(tokens: TokenSet) -> Response:
    body: dict[str, object] = {
        "token_type": "bearer",
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in,
        "refresh_token": tokens.refresh_token,
        "scope": tokens.scope,
    }
    if tokens.account_id is not None:
        body |= {
            "account_id": tokens.account_id,
            "sub": tokens.account_id,
            "linking_profile": tokens.linking_profile,
        }
    return json_response(200, body, **{"Cache-Control": "no-store", "Pragma": "no-cache"})


@bp.post("/oauth/token")
def token() -> Response:
    """Redeem an authorization code or a refresh token."""
    checked = _client_request()
    if isinstance(checked, Response):
        return checked
    params, client = checked
    state = current_state()
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        code, redirect_uri = params.get("code"), params.get("redirect_uri")
        if not code or not redirect_uri:
            return oauth_error(400, "invalid_request")
        tokens = state.redeem_code(code, client, redirect_uri, params.get("scope"))
    elif grant_type == "refresh_token":
        refresh_token = params.get("refresh_token")
        if not refresh_token:
            return oauth_error(400, "invalid_request")
        tokens = state.refresh(refresh_token, client)
    elif not grant_type:
        return oauth_error(400, "invalid_request")
    else:
        return oauth_error(400, "unsupported_grant_type")
    if tokens is None:
        return oauth_error(400, "invalid_grant")
    return _token_response(tokens)


@bp.post("/oauth/token/revoke")
def revoke() -> Response:
    """End a whole authorization by any of its tokens or by `sub` (RFC 7009: unknown is fine)."""
    checked = _client_request()
    if isinstance(checked, Response):
        return checked
    params, client = checked
    token, sub = params.get("token"), params.get("sub")
    if not token and not sub:
        return oauth_error(400, "invalid_request")
    current_state().revoke(client, token=token or None, sub=sub or None)
    return json_response(200)
