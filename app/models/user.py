"""The app's own user accounts."""

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.connection import CronofyConnection


class User(UserMixin, Model):
    """Someone who signs in to this app and may connect calendar accounts."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # An IANA time zone chosen by the user; None means "use my calendar account's".
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    connections: Mapped[list["CronofyConnection"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="CronofyConnection.id",
    )

    def __repr__(self) -> str:
        return f"<User {self.id}>"
