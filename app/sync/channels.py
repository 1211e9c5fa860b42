"""Push notification channels: one per connection, so Cronofy says when its calendars change.

A channel's callback URL carries a random token of its own (Cronofy sends no credentials,
so the URL is what says which connection a notification is about); only the token's
fingerprint is stored. Channels are made by a worker after Connect, checked every hour
against Cronofy's list (and made again if Cronofy closed them), and closed on Disconnect
before the authorization is revoked. Without a URL Cronofy can reach (real Cronofy and
127.0.0.1, say), no channel is made: the copy is then kept fresh by its maximum age.
"""

import hashlib
import ipaddress
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import select

from app.cronofy import errors
from app.cronofy.budget import background_calls
from app.cronofy.client import cronofy_client
from app.cronofy.tokens import call_with_token
from app.extensions import db
from app.models import ConnectionStatus, CronofyConnection
from app.sync.queue import app_task

log = logging.getLogger(__name__)

CALLBACK_PATH = "/cronofy/notifications/"


@dataclass(frozen=True)
class PushSetup:
    """Where Cronofy sends notifications, or why it cannot (`misconfigured`: a wrong setting)."""

    base_url: str | None
    problem: str | None = None
    misconfigured: bool = False

    @property
    def enabled(self) -> bool:
        return self.base_url is not None


def push_setup(config: Mapping[str, Any] | None = None) -> PushSetup:
    """This app's public base URL for Cronofy's callbacks, if Cronofy can reach it.

    Reads the current app's settings unless given others.
    """
    config = current_app.config if config is None else config
    base = config.get("CRONOFY_NOTIFICATION_URL")
    if not base and config.get("CRONOFY_REDIRECT_URI"):
        parts = urlsplit(str(config["CRONOFY_REDIRECT_URI"]))
        base = f"{parts.scheme}://{parts.netloc}"
    if not base:
        return PushSetup(
            None,
            "no public URL for Cronofy's notifications (CRONOFY_NOTIFICATION_URL or "
            "CRONOFY_REDIRECT_URI); copies are refreshed by their maximum age instead",
        )
    base = str(base).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return PushSetup(
            None, f"CRONOFY_NOTIFICATION_URL={base!r} is not an http(s) URL", misconfigured=True
        )
    if not config.get("CRONOFY_USES_SANDBOX") and _local(parts.hostname):
        return PushSetup(
            None,
            f"Cronofy cannot reach {base} (a local address), so no channels are made and "
            "copies are refreshed by their maximum age instead; to try push with real "
            "Cronofy, set CRONOFY_NOTIFICATION_URL to a tunnel's https URL",
        )
    return PushSetup(base)


def say_how_push_works(app: Flask) -> None:
    """Once per process, at start-up: push is off, and why (a warning if a URL was set)."""
    setup = push_setup(app.config)
    if setup.enabled:
        return
    configured = app.config.get("CRONOFY_NOTIFICATION_URL") or app.config.get(
        "CRONOFY_REDIRECT_URI"
    )
    level = logging.WARNING if configured else logging.INFO
    log.log(level, "Push notifications off: %s", setup.problem)


def _local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: assume it is public
    return address.is_loopback or address.is_private or address.is_link_local


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def connection_for_token(token: str) -> CronofyConnection | None:
    """The connection whose channel's callback URL carries `token`."""
    if not token or len(token) > 128:
        return None
    return db.session.scalar(
        select(CronofyConnection).filter_by(channel_token_hash=token_fingerprint(token))
    )


@app_task()
def ensure_channel(connection_id: int) -> None:
    """Make the connection's channel unless it has one (or push cannot work here)."""
    setup = push_setup()
    connection = db.session.get(CronofyConnection, connection_id)
    if not setup.enabled or connection is None or connection.channel_id:
        return
    if connection.status is not ConnectionStatus.ACTIVE or "read_events" not in connection.scopes:
        return
    token = secrets.token_urlsafe(32)
    callback = f"{setup.base_url}{CALLBACK_PATH}{token}"
    try:
        with background_calls():
            channel = call_with_token(
                connection, lambda access: cronofy_client().create_channel(access, callback)
            )
    except errors.CronofyError as exc:
        db.session.rollback()
        log.warning("Channel for connection %s not made (%s)", connection_id, type(exc).__name__)
        return  # the hourly check tries again
    connection.channel_id = str(channel["channel_id"])
    connection.channel_token_hash = token_fingerprint(token)
    connection.channel_verified_at = None
    db.session.commit()


def forget_channel(connection: CronofyConnection) -> None:
    """The channel is gone (closed, or never existed at Cronofy): make way for a new one."""
    connection.channel_id = None
    connection.channel_token_hash = None
    connection.channel_verified_at = None


def close_channel(connection: CronofyConnection) -> None:
    """Close the connection's channel at Cronofy (before revoking: after, the token cannot)."""
    channel_id = connection.channel_id
    if not channel_id:
        return
    try:
        call_with_token(
            connection, lambda access: cronofy_client().close_channel(access, channel_id)
        )
    except errors.CronofyError as exc:
        # Revoking the authorization stops its channels too; nothing more to do here.
        log.info("Channel of connection %s not closed (%s)", connection.id, type(exc).__name__)
    forget_channel(connection)


@app_task()
def check_channel(connection_id: int) -> None:
    """Make sure Cronofy still has the connection's channel, at today's URL; else make one.

    A channel Cronofy closed is made again; one whose callback URL is not under this app's
    notification URL any more (the domain or the tunnel changed) is closed and made again.
    """
    setup = push_setup()
    connection = db.session.get(CronofyConnection, connection_id)
    if connection is None or connection.status is not ConnectionStatus.ACTIVE:
        return
    if connection.channel_id:
        try:
            with background_calls():
                open_channels = {
                    str(c.get("channel_id")): str(c.get("callback_url") or "")
                    for c in call_with_token(connection, cronofy_client().channels)
                }
        except errors.CronofyError as exc:
            db.session.rollback()
            log.warning(
                "Channels of connection %s not checked (%s)", connection_id, type(exc).__name__
            )
            return
        callback_url = open_channels.get(connection.channel_id)
        if callback_url is not None and (
            not setup.enabled or callback_url.startswith(f"{setup.base_url}{CALLBACK_PATH}")
        ):
            return
        if callback_url is None:
            log.info("Connection %s: Cronofy closed its channel; making a new one", connection_id)
            forget_channel(connection)
        else:
            log.info("Connection %s: its channel goes to an old URL; moving it", connection_id)
            with background_calls():
                close_channel(connection)
        db.session.commit()
    ensure_channel(connection_id)
