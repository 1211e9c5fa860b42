"""Checking that a push notification comes from Cronofy: its `Cronofy-HMAC-SHA256` header.

Cronofy signs the exact bytes of each notification's body with HMAC-SHA256, keyed with the
application's client secret, and sends the standard base64 of it. While a client secret is
being rotated, the header holds one value per active secret, joined by commas: any value
matching any secret this app holds is enough. Comparisons take constant time, and a missing
or empty header never matches. (docs/cronofy.md §9)
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable

HEADER = "Cronofy-HMAC-SHA256"


def expected_signature(body: bytes, secret: str) -> str:
    """The header value Cronofy sends for `body` when `secret` is the client secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_by(body: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """Whether any value of the header is the signature of `body` under any of `secrets`."""
    if not header:
        return False
    values = [value.strip() for value in header.split(",") if value.strip()]
    expected = [expected_signature(body, secret) for secret in secrets if secret]
    matched = False
    for value in values:
        for signature in expected:
            # No early exit: every pair is compared, so the time says nothing.
            matched |= hmac.compare_digest(value.encode("ascii", "replace"), signature.encode())
    return matched
