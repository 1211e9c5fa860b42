"""The bodies of push notifications: what a channel's callback URL receives.

A notification carries no calendar data, only a signal to read: its `type` (`verification`
once a channel is made, `change` with `changes_since` to read from, `profile_disconnected`,
`profile_initial_sync_completed`, or types a client should ignore) and the channel it was
sent on. The bytes built here are exactly the bytes signed and sent.
"""

import json

from sandbox.models import Channel


def notification_body(notification: dict[str, str], channel: Channel) -> bytes:
    """The JSON body, compact and in Cronofy's field order, as UTF-8 bytes."""
    document = {"notification": notification, "channel": channel.json()}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
