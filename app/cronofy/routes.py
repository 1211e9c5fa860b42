"""Connect, the OAuth callback, and disconnect: the three steps a user takes."""

from collections.abc import Callable

import requests
from authlib.integrations.base_client import OAuthError
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.cronofy import bp, errors
from app.cronofy.client import cronofy_client
from app.cronofy.forms import ConnectForm
from app.cronofy.oauth import cronofy_oauth
from app.cronofy.tokens import call_with_token, save_authorization
from app.extensions import db
from app.forms import EmptyForm
from app.models import ConnectionStatus, CronofyConnection
from app.sync.channels import check_channel, close_channel, push_setup
from app.sync.tasks import nudge
from app.timezones import is_time_zone


@bp.post("/connect")
@login_required
def connect() -> Response:
    """Send the user to Cronofy's authorization page."""
    form = ConnectForm()
    if not form.validate_on_submit():
        abort(400)
    _forget_old_authorizations()
    return cronofy_oauth().authorize_redirect(
        _redirect_uri(),
        scope=form.requested_scope(current_app.config["CRONOFY_SCOPE"]),
        # Without this, Cronofy links the new authorization to any account authorized
        # earlier in the same browser: two app users sharing a browser would share tokens.
        avoid_linking="true",
    )


# Authlib keeps each authorization it starts in the session until it comes back. Someone who
# presses Connect over and over without finishing would grow the cookie past what browsers
# keep (4 KB), and be signed out: only the newest few are kept.
PENDING_AUTHORIZATIONS = 3


def _forget_old_authorizations() -> None:
    prefix = f"_state_{cronofy_oauth().name}_"
    pending = sorted(
        (key for key in session if key.startswith(prefix)),
        key=lambda key: float((session.get(key) or {}).get("exp") or 0),
    )
    for key in pending[: max(0, len(pending) - (PENDING_AUTHORIZATIONS - 1))]:
        session.pop(key, None)


@bp.get("/callback")
def callback() -> Response:
    """Finish the authorization: check state, exchange the code, store the tokens.

    Every way this can fail ends on the dashboard (or the login page) with a message and
    the Connect button, never on an error page.
    """
    if not current_user.is_authenticated:
        flash(
            "Your session ended before Cronofy sent you back. Log in and connect again.", "error"
        )
        return redirect(url_for("auth.login", next=url_for("dashboard.index")))

    client = cronofy_oauth()
    state = request.args.get("state", "")
    # Authlib keeps each state it issued in the session and deletes it once used, so a
    # missing, foreign or replayed state is simply not found there.
    state_known = bool(state and client.framework.get_state_data(session, state))
    error = request.args.get("error")
    if error:
        if state_known:
            client.framework.clear_state_data(session, state)
        if error == "access_denied":
            return _back_to_dashboard("You declined access, so no calendar was connected.", "info")
        current_app.logger.warning("Cronofy authorization failed: %s", _loggable(error))
        return _back_to_dashboard("Cronofy could not authorize the connection. Please try again.")
    if not state_known:
        if _has_working_connection():
            # Most likely Back to the consent page, or a reload of this URL, after it worked.
            return _back_to_dashboard(
                "That authorization link was already used. Your connected calendars are below.",
                "info",
            )
        return _back_to_dashboard(
            "That authorization link has expired or was already used. Please connect again."
        )
    if not request.args.get("code"):
        client.framework.clear_state_data(session, state)
        return _back_to_dashboard("Cronofy did not send an authorization code. Please try again.")

    try:
        token = client.authorize_access_token()
        connection = save_authorization(current_user, token)
    except OAuthError as exc:
        current_app.logger.warning("Cronofy code exchange refused: %s", _loggable(exc.error))
        return _back_to_dashboard("Cronofy did not accept the authorization. Please try again.")
    except errors.CronofyError as exc:
        db.session.rollback()
        current_app.logger.warning("Cronofy code exchange failed: %s", type(exc).__name__)
        return _back_to_dashboard(exc.user_message)
    except (requests.RequestException, ValueError) as exc:
        # Authlib raises these for timeouts, refused connections, 5xx and non-JSON bodies.
        current_app.logger.warning("Cronofy code exchange failed: %s", type(exc).__name__)
        return _back_to_dashboard(
            f"{errors.CronofyUnavailable.user_message} Your calendar was not connected."
        )
    _remember_time_zone(connection)
    # A worker fills the local copy (the sync is marked with the authorization); the
    # dashboard says so until it lands, then updates.
    nudge([connection.id])
    # And a channel, so Cronofy says when something changes (a reconnect checks the old one).
    if push_setup().enabled:
        _in_background(check_channel, connection.id)
    return _back_to_dashboard(f"Connected {connection.label}.", "success")


def _has_working_connection() -> bool:
    return (
        db.session.scalar(
            select(CronofyConnection.id)
            .filter_by(user_id=current_user.id, status=ConnectionStatus.ACTIVE)
            .limit(1)
        )
        is not None
    )


def _remember_time_zone(connection: CronofyConnection) -> None:
    """Read the account's time zone once, for the agenda; the connection works without it."""
    if "read_account" not in connection.scopes:
        return
    try:
        account = call_with_token(connection, cronofy_client().account)
    except errors.CronofyError:
        return  # the client logged why; the agenda falls back to the user's choice or UTC
    tzid = account.get("default_tzid")
    if isinstance(tzid, str) and is_time_zone(tzid):
        connection.default_tzid = tzid
        db.session.commit()


@bp.get("/connections/<int:connection_id>/disconnect")
@login_required
def confirm_disconnect(connection_id: int) -> str:
    """Ask once before revoking (without JavaScript; the dashboard asks in a dialog)."""
    connection = _own_connection(connection_id)
    return render_template(
        "confirm_disconnect.html",
        account=connection.label,
        action=url_for("cronofy.disconnect", connection_id=connection.id),
    )


@bp.post("/connections/<int:connection_id>/disconnect")
@login_required
def disconnect(connection_id: int) -> Response:
    """Revoke the authorization at Cronofy, then forget its tokens here."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    connection = _own_connection(connection_id)
    label, refresh_token = connection.label, connection.refresh_token
    close_channel(connection)  # before revoking: afterwards its token could not
    revoked = False
    if refresh_token is not None:
        try:
            # The refresh token cannot have expired, so it always identifies the authorization.
            cronofy_client().revoke(refresh_token)
            revoked = True
        except errors.CronofyError:
            pass
    db.session.delete(connection)
    db.session.commit()
    if revoked:
        flash(f"Disconnected {label}.", "success")
    else:
        flash(
            f"Disconnected {label} here, but Cronofy could not confirm the revocation. "
            "You can also remove this app's access in your Cronofy or calendar account settings.",
            "warning",
        )
    return redirect(url_for("dashboard.index"))


def _own_connection(connection_id: int) -> CronofyConnection:
    """The signed-in user's connection with this id; 404 for anyone else's."""
    connection = db.session.scalar(
        select(CronofyConnection).filter_by(id=connection_id, user_id=current_user.id)
    )
    if connection is None:
        abort(404)
    return connection


def _in_background(task: Callable[[int], object], connection_id: int) -> None:
    """Enqueue a task; if the queue is down, the hourly check does it later."""
    try:
        task(connection_id)
    except Exception as exc:  # the queue's store is unreachable: nobody waits for this
        current_app.logger.warning("Could not enqueue a task (%s)", type(exc).__name__)


def _back_to_dashboard(message: str, category: str = "error") -> Response:
    flash(message, category)
    return redirect(url_for("dashboard.index"))


def _loggable(value: object) -> str:
    """An OAuth error code fit for a log line; anything unexpected is not echoed."""
    text = str(value or "")
    return text if text.isascii() and text.replace("_", "").isalnum() and len(text) <= 64 else "?"


def _redirect_uri() -> str:
    """The URI Cronofy sends the user back to; it must match a registered one exactly."""
    return current_app.config["CRONOFY_REDIRECT_URI"] or url_for(
        "cronofy.callback", _external=True
    )
