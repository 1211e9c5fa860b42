"""Events this app created in a user's calendar, remembered so they can be edited and deleted."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import EncryptedText, UTCDateTime, utcnow

# What pages say for a title no configured key can decrypt (a key removed too early).
UNREADABLE_TITLE = "(an event whose title cannot be read)"

if TYPE_CHECKING:
    from app.models.connection import CronofyConnection


class ManagedEvent(Model):
    """An event created through Cronofy's upsert with an `event_id` this app chose."""

    __tablename__ = "managed_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("cronofy_connections.id", ondelete="CASCADE"), index=True
    )
    calendar_id: Mapped[str] = mapped_column(String(128))
    # Our id for the event at Cronofy (upsert and delete use it); Cronofy's is event_uid.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    # Calendar content, so encrypted like the copy; None only if no configured key reads it.
    summary: Mapped[str | None] = mapped_column(EncryptedText, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the edit form starts from (None for events recorded before these were kept).
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    description: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    connection: Mapped["CronofyConnection"] = relationship(back_populates="managed_events")

    @property
    def title(self) -> str:
        """The title as pages show it."""
        return self.summary if self.summary is not None else UNREADABLE_TITLE

    def __repr__(self) -> str:
        return f"<ManagedEvent {self.id} connection={self.connection_id}>"
