"""One Cronofy authorization that a user granted to this app."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import EncryptedText, UTCDateTime, utcnow
from app.scopes import expand

if TYPE_CHECKING:
    from app.models.event import ManagedEvent
    from app.models.snapshot import Snapshot
    from app.models.user import User


class ConnectionStatus(enum.StrEnum):
    """Whether the stored tokens still work."""

    ACTIVE = "active"
    # Cronofy refused the refresh token: the user revoked access or the authorization ended.
    NEEDS_RECONNECT = "needs_reconnect"


class CronofyConnection(Model):
    """A user's authorization of one Cronofy account, with the tokens that use it.

    Connecting the same Cronofy account again updates this row instead of adding one.
    Tokens never leave the server: no repr, template or log line shows them.
    """

    __tablename__ = "cronofy_connections"
    # Also the index for "this user's connections" (user_id leads).
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Cronofy's `sub` (== `account_id`), e.g. acc_5ba21743f408617d1269ea1e.
    account_id: Mapped[str] = mapped_column(String(64))
    # Encrypted at rest; None only when no configured key can decrypt the stored value.
    access_token: Mapped[str | None] = mapped_column(EncryptedText, nullable=False)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scope: Mapped[str] = mapped_column(String(1024))
    provider_name: Mapped[str | None] = mapped_column(String(64))
    profile_id: Mapped[str | None] = mapped_column(String(64))
    profile_name: Mapped[str | None] = mapped_column(String(320))
    # The account's time zone (`default_tzid` of /v1/account), read once at connect time.
    default_tzid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ConnectionStatus] = mapped_column(
        Enum(
            ConnectionStatus,
            native_enum=False,
            length=32,
            validate_strings=True,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        default=ConnectionStatus.ACTIVE,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Background sync (app/sync/marks.py). The database, not the queue, says what needs doing:
    # a job is only a nudge. `sync_wanted_at` is set by every nudge and cleared by the sync
    # that consumed exactly that value; `sync_lease_until` is held by the one running sync;
    # `full_synced_at` is when the last full read was made, whatever its outcome;
    # `changes_read_at` is when the last read of events that succeeded (full, or only the
    # changes) began: the copy holds every change made before it.
    sync_wanted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sync_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    full_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Push notifications (app/sync/channels.py): Cronofy's channel for this connection, the
    # fingerprint of the secret token its callback URL carries (the token itself is never
    # stored), when Cronofy first reached it, the earliest change it has told of that no
    # sync has read yet, and how many changes it has told of (a sync clears `changes_since`
    # only if none came while it ran).
    channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes_told: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped["User"] = relationship(back_populates="connections")
    managed_events: Mapped[list["ManagedEvent"]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", passive_deletes=True
    )
    snapshots: Mapped[list["Snapshot"]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def scopes(self) -> frozenset[str]:
        """The plain scopes Cronofy granted (simplified ones like read_write expanded)."""
        return expand(self.scope)

    def lose_access(self) -> None:
        """The authorization ended (its refresh token was refused), wherever that was found
        out: mark the connection for reconnecting and drop what was copied through it. The
        row stays, so reconnecting the same account restores it."""
        self.status = ConnectionStatus.NEEDS_RECONNECT
        self.forget_copy()

    def forget_copy(self) -> None:
        """Drop every copied data set (kept: when each last failed, and why)."""
        for row in self.snapshots:
            row.data, row.synced_at = None, None

    @property
    def label(self) -> str:
        """How the dashboard names this connection: the linking profile, else the account."""
        return self.profile_name or self.account_id

    def __repr__(self) -> str:
        return f"<CronofyConnection {self.id} user={self.user_id} {self.status.value}>"
