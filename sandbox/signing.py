"""The `Cronofy-HMAC-SHA256` header that signs every push notification.

Each value is the standard base64 (with padding) of HMAC-SHA256 over the exact bytes of the
body, keyed with a client secret. While a secret is being rotated both are active, and the
header holds one value per secret, joined by a comma with no space; a receiver accepts the
notification when any value matches one of its secrets.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable

HEADER = "Cronofy-HMAC-SHA256"


def signature(body: bytes, secret: str) -> str:
    """One header value: base64 of HMAC-SHA256(secret, body)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def header_value(body: bytes, secrets: Iterable[str]) -> str:
    """The header for every active secret, in the order given."""
    return ",".join(signature(body, secret) for secret in secrets)
