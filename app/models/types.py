"""Column types shared by the models."""

import logging
from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator

from app import crypto

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite drops the offset and hands back naive values; comparing those with aware ones
    raises. This type stores UTC and always returns an aware datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware and in UTC (a callable, so defaults are evaluated per row)."""
    return datetime.now(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted (see app/crypto.py); Python code only ever sees plaintext.

    A value that no configured key can decrypt loads as None instead of failing the whole
    page: the caller treats that connection as unusable, and the log says why.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else crypto.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return crypto.decrypt(value)
        except crypto.InvalidToken:
            log.error(
                "A stored token cannot be decrypted with TOKEN_ENCRYPTION_KEYS; "
                "was a key removed before `flask tokens reencrypt` ran?"
            )
            return None
