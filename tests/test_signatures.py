"""Verifying push notifications: the published vectors, rotation, and what must not pass."""

import pytest

from app.cronofy.signatures import expected_signature, signed_by
from tests.hmac_vectors import BODY, NEW, OLD, VECTORS


@pytest.mark.parametrize(("secret", "header"), VECTORS)
def test_the_published_vectors(secret: str, header: str) -> None:
    assert expected_signature(BODY, secret) == header
    assert signed_by(BODY, header, [secret])


def test_two_values_while_cronofy_rotates_its_secret() -> None:
    both = f"{expected_signature(BODY, OLD)},{expected_signature(BODY, NEW)}"
    assert both == (
        "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0=,BmQmWVuZ70ILWjr1CAt5oC7YOolgnku4WZtlrKfx/6k="
    )
    assert signed_by(BODY, both, [OLD])
    assert signed_by(BODY, both, [NEW])


def test_this_app_rotating_accepts_its_current_and_previous_secret() -> None:
    assert signed_by(BODY, expected_signature(BODY, OLD), [NEW, OLD])
    assert not signed_by(BODY, expected_signature(BODY, OLD), [NEW])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        ",",
        "PNNVJ9J2e8N174koxcKDzktZ9Qkt8YUzP+V+l5lG8F4=",
        "6r2/HjBkqymGegX0wOfifieeUXbbHwtV/LohHS+jv6c",  # padding missing
        "6r2_HjBkqymGegX0wOfifieeUXbbHwtV_LohHS-jv6c=",  # base64url, not base64
        "6r2/HjBkqymGegX0wOfifieeUXbbHwtV/LohHS+jv6c=x",
        "ß" * 44,
    ],
)
def test_what_must_be_refused(header: str | None) -> None:
    assert not signed_by(BODY, header, ["pDY0Oi7TJSP2hfNmZNkm5"])


def test_a_foreign_value_beside_a_good_one_is_accepted() -> None:
    header = (
        "PNNVJ9J2e8N174koxcKDzktZ9Qkt8YUzP+V+l5lG8F4=,6r2/HjBkqymGegX0wOfifieeUXbbHwtV/LohHS+jv6c="
    )
    assert signed_by(BODY, header, ["pDY0Oi7TJSP2hfNmZNkm5"])


def test_the_signature_covers_the_exact_bytes() -> None:
    header = expected_signature(BODY, "opposable thumbs")
    assert not signed_by(b'{"example": "well-known"}', header, ["opposable thumbs"])
    assert not signed_by(BODY, header, [""])  # an empty secret signs nothing
