"""Encryption of the OAuth tokens kept in the database.

A database dump or backup must not hand out working Cronofy tokens, so tokens are stored
as Fernet ciphertexts. Keys come from TOKEN_ENCRYPTION_KEYS, newest first: MultiFernet
encrypts with the first and decrypts with any, which is what lets a key be rotated out.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from config import ConfigError

__all__ = ["InvalidToken", "decrypt", "encrypt", "init_cipher"]


def init_cipher(app: Flask) -> None:
    """Build the app's cipher from its keys; a malformed key stops start-up."""
    keys = app.config.get("TOKEN_ENCRYPTION_KEYS") or []
    if not keys:
        raise ConfigError("TOKEN_ENCRYPTION_KEYS is empty; see .env.example.")
    try:
        app.extensions["token_cipher"] = MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ConfigError(
            "TOKEN_ENCRYPTION_KEYS holds a malformed key: each must be 32 url-safe "
            "base64-encoded bytes, as Fernet.generate_key() makes them."
        ) from exc


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Raises InvalidToken if no configured key can read it."""
    return _cipher().decrypt(ciphertext.encode()).decode()


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the newest key (raises InvalidToken if no key can read it)."""
    return _cipher().rotate(ciphertext.encode()).decode()


def _cipher() -> MultiFernet:
    cipher: MultiFernet = current_app.extensions["token_cipher"]
    return cipher
