"""Notification signatures: the published test vectors, rotation, and what must not pass."""

import hmac

import pytest

from sandbox.signing import header_value, signature
from tests.hmac_vectors import BODY, NEW, OLD, VECTORS


@pytest.mark.parametrize(("secret", "expected"), VECTORS)
def test_the_published_vectors(secret: str, expected: str) -> None:
    assert len(BODY) == 24
    assert signature(BODY, secret) == expected


def test_two_active_secrets_give_two_values_joined_by_a_bare_comma() -> None:
    assert header_value(BODY, [OLD, NEW]) == (
        "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0=,BmQmWVuZ70ILWjr1CAt5oC7YOolgnku4WZtlrKfx/6k="
    )


def accepts(header: str, secret: str, body: bytes = BODY) -> bool:
    """What a receiver does: any value may match, compared in constant time."""
    expected = signature(body, secret)
    return any(hmac.compare_digest(value, expected) for value in header.split(",") if value)


def test_a_foreign_value_is_refused_and_accepted_beside_a_good_one() -> None:
    foreign = "PNNVJ9J2e8N174koxcKDzktZ9Qkt8YUzP+V+l5lG8F4="
    assert not accepts(foreign, "pDY0Oi7TJSP2hfNmZNkm5")
    assert accepts(
        f"{foreign},6r2/HjBkqymGegX0wOfifieeUXbbHwtV/LohHS+jv6c=", "pDY0Oi7TJSP2hfNmZNkm5"
    )


def test_the_signature_covers_the_exact_bytes() -> None:
    respaced = b'{"example": "well-known"}'  # the same JSON, serialised differently
    assert not accepts(header_value(respaced, ["opposable thumbs"]), "opposable thumbs")
