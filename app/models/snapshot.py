"""The local copy of a connection's calendar data: what pages show instead of asking Cronofy."""

import enum
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import EncryptedText, UTCDateTime

if TYPE_CHECKING:
    from app.models.connection import CronofyConnection


class DataSet(enum.StrEnum):
    """The parts of a connection that are copied, each with the scope that reads it."""

    CALENDARS = "calendars"
    PROFILES = "profiles"
    EVENTS = "events"

    @property
    def scope(self) -> str:
        return {"calendars": "list_calendars", "profiles": "read_account"}.get(
            self.value, "read_events"
        )


class Snapshot(Model):
    """One data set of one connection, as Cronofy last answered it, encrypted at rest.

    `data` is the JSON Cronofy sent (for events, with the window it covers); it is kept
    when a later refresh fails, so pages can show it "as of" `synced_at` with `error`
    saying why it is not newer. Calendar data is personal data: it is encrypted with the
    token keys and deleted with the connection, or when its authorization ends.
    """

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("connection_id", "data_set"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("cronofy_connections.id", ondelete="CASCADE")
    )
    data_set: Mapped[DataSet] = mapped_column(
        Enum(
            DataSet,
            native_enum=False,
            length=16,
            validate_strings=True,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    # Encrypted JSON; None until the first successful read (or after the data was dropped).
    data: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why the latest attempt failed (app/sync/outcomes.py), and when; None after a success.
    error: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    connection: Mapped["CronofyConnection"] = relationship(back_populates="snapshots")

    @property
    def content(self) -> Any:
        """The decoded JSON, or None (never loaded, dropped, or unreadable with the keys)."""
        return json.loads(self.data) if self.data else None

    def __repr__(self) -> str:
        return f"<Snapshot {self.data_set.value} connection={self.connection_id}>"
