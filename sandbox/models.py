"""The sandbox's records: plain dataclasses, so the whole state can be written to JSON and back."""

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self


@dataclass
class Record:
    """JSON round-tripping shared by every record (each a dataclass)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild from `to_dict` output, ignoring keys a newer or older version may have."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Profile(Record):
    """One calendar provider account linked into a Cronofy account."""

    profile_id: str
    provider_name: str
    provider_service: str
    profile_name: str
    connected: bool = True


@dataclass
class Calendar(Record):
    """A calendar of a profile."""

    calendar_id: str
    profile_id: str
    name: str
    readonly: bool = False
    deleted: bool = False
    primary: bool = False


@dataclass
class Event(Record):
    """An event; `start`/`end` are `YYYY-MM-DD` for all-day events, UTC times otherwise."""

    event_uid: str
    calendar_id: str
    summary: str
    start: str
    end: str
    created: str
    updated: str
    description: str = ""
    location: str | None = None
    tzid: str = "Etc/UTC"
    # Set only on events a client created through the API ("managed" events).
    event_id: str | None = None
    deleted: bool = False
    # "opaque" (the person is busy) or "transparent" (shown as free), as Cronofy names them.
    transparency: str = "opaque"
    # When the event was last created, changed or deleted at the provider (not by a client):
    # what `last_modified` matches. None on a managed event no one changed elsewhere.
    changed_externally: str | None = None

    def free_busy_status(self) -> str:
        """What free/busy reports for this event: its transparency decides, as at Cronofy.

        Cronofy also knows "tentative" (an invitation not yet answered) and "unknown"; the
        sandbox has no invitations, so its events are only ever busy or free.
        """
        return "free" if self.transparency == "transparent" else "busy"

    def last_external_change(self) -> str | None:
        """The time `last_modified` compares: an external event's changes are all external."""
        if self.changed_externally is not None:
            return self.changed_externally
        return self.updated if self.event_id is None else None


@dataclass
class Account(Record):
    """A Cronofy account: one per email typed on the consent page."""

    account_id: str
    email: str
    name: str | None
    default_tzid: str
    provider: str
    profiles: list[Profile] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # The last day (YYYY-MM-DD) the demo routine has been generated for (sandbox/demo_data.py).
    routine_through: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild the nested records too."""
        account = super().from_dict(data)
        account.profiles = [Profile.from_dict(p) for p in data.get("profiles", [])]
        account.calendars = [Calendar.from_dict(c) for c in data.get("calendars", [])]
        account.events = [Event.from_dict(e) for e in data.get("events", [])]
        return account

    def profile(self, profile_id: str) -> Profile | None:
        """The profile with this id, if the account has it."""
        return next((p for p in self.profiles if p.profile_id == profile_id), None)

    def calendar(self, calendar_id: str) -> Calendar | None:
        """The calendar with this id, if the account has it."""
        return next((c for c in self.calendars if c.calendar_id == calendar_id), None)


@dataclass
class Channel(Record):
    """A push notification channel of one client on one account."""

    channel_id: str
    account_id: str
    client_id: str
    callback_url: str
    calendar_ids: list[str] | None = None  # None: every calendar
    only_managed: bool = False

    def filters(self) -> dict[str, Any]:
        """The non-default filters, as Cronofy echoes them."""
        filters: dict[str, Any] = {}
        if self.calendar_ids is not None:
            filters["calendar_ids"] = list(self.calendar_ids)
        if self.only_managed:
            filters["only_managed"] = True
        return filters

    def matches(self, event: Event) -> bool:
        """Whether a change to `event` is news for this channel."""
        if self.calendar_ids is not None and event.calendar_id not in self.calendar_ids:
            return False
        return not self.only_managed or event.event_id is not None

    def json(self) -> dict[str, Any]:
        return {
            "channel_id": self.channel_id,
            "callback_url": self.callback_url,
            "filters": self.filters(),
        }


@dataclass
class Grant(Record):
    """One authorization of one client: what revoking ends. Tokens are kept as fingerprints."""

    grant_id: str
    account_id: str
    client_id: str
    scope: str
    profile_id: str
    refresh_token: str
    # access-token fingerprint -> expiry (time.time() seconds)
    access_tokens: dict[str, float] = field(default_factory=dict)


@dataclass
class Code(Record):
    """An authorization code waiting to be redeemed; what it is bound to."""

    account_id: str
    client_id: str
    redirect_uri: str
    scope: str
    profile_id: str
    expires_at: float
