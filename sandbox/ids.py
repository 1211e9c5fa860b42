"""Identifiers and secrets in Cronofy's formats, so clients that check shapes are satisfied."""

import hashlib
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def _derived(seed: str, length: int) -> str:
    """Map a seed to lowercase alphanumerics: the same seed always gives the same id."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def account_id_for(email: str) -> str:
    """`acc_` + 24 characters (28 in all), stable per email so a restart keeps the same account."""
    return "acc_" + _derived("account:" + email.strip().lower(), 24)


def profile_id_for(account_id: str, provider: str) -> str:
    """`pro_` + 10 characters, like Cronofy's profile ids."""
    return "pro_" + _derived(f"profile:{account_id}:{provider}", 10)


def calendar_id_for(profile_id: str, name: str) -> str:
    """`cal_<profile part>_<calendar part>`, like Cronofy's calendar ids."""
    return f"cal_{profile_id.removeprefix('pro_')}_{_derived(f'calendar:{profile_id}:{name}', 11)}"


def event_uid_for(seed: str) -> str:
    """Cronofy's own id for an event (`evt_external_…`); derived so demo data is stable."""
    return "evt_external_" + _derived("event:" + seed, 24)


def channel_id() -> str:
    """`chn_` + 24 random characters, like Cronofy's channel ids."""
    return "chn_" + "".join(secrets.choice(_ALPHABET) for _ in range(24))


def new_secret() -> str:
    """A random url-safe token of 32 characters (access and refresh tokens, codes, nonces)."""
    return secrets.token_urlsafe(24)


def fingerprint(secret: str) -> str:
    """Only this digest is stored, so neither memory nor the state file holds usable tokens."""
    return hashlib.sha256(secret.encode()).hexdigest()
