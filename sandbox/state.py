"""Everything the sandbox remembers, behind one lock, optionally mirrored to a JSON file."""

import hmac
import itertools
import json
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sandbox import defaults, ids, provider, scopes
from sandbox.delivery import FAULT_KINDS, Deliveries
from sandbox.demo_data import PROVIDERS, build_account, extend_routine
from sandbox.models import Account, Channel, Code, Event, Grant
from sandbox.push import notification_body
from sandbox.rate_limits import RateLimiter

T = TypeVar("T")

DEFAULT_REDIRECT_URIS = defaults.REDIRECT_URIS  # the app as `make run` serves it
BROWSER_MEMORY = 10  # accounts remembered per browser, for the consent page's suggestions
DEFAULT_SETTINGS: dict[str, Any] = {
    "access_token_lifetime": 3600,
    "latency_ms": 0,
    "page_size": 25,
    "rotate_refresh_tokens": True,
    "hang_seconds": 30,
    # Push notifications (sandbox/delivery.py). Whether a client's own writes notify its
    # channels is not settled by Cronofy's documentation; by default they do.
    "notify_own_writes": True,
    "notification_timeout_seconds": 5,
    "notification_retry_seconds": 1,
    "notification_retry_window_seconds": 86_400,
    "close_failing_channels": True,
    # A second client secret, as while rotating: notifications then carry two signatures.
    "rotating_client_secret": None,
    # Cronofy's limits per application (every user together); off unless a test turns them on.
    "rate_limits": False,
    "rate_limit_per_second": 50,
    "rate_limit_per_minute": 500,
    "rate_limit_retry_after": None,  # seconds sent as Retry-After on a 429; None sends none
}
# name -> (accepted types, lowest, highest); bool is checked apart because bool is an int.
_SETTING_RULES: dict[str, tuple[tuple[type[int | float], ...], float, float]] = {
    "access_token_lifetime": ((int,), 1, 31_536_000),
    "latency_ms": ((int,), 0, 60_000),
    "page_size": ((int,), 1, 1000),
    "hang_seconds": ((int, float), 0, 600),
    "notification_timeout_seconds": ((int, float), 0.01, 60),
    "notification_retry_seconds": ((int, float), 0, 3600),
    "notification_retry_window_seconds": ((int, float), 0, 7 * 86_400),
    "rate_limit_per_second": ((int,), 1, 1_000_000),
    "rate_limit_per_minute": ((int,), 1, 1_000_000),
    "rate_limit_retry_after": ((int,), 0, 86_400),
}
_BOOLEAN_SETTINGS = (
    "rotate_refresh_tokens",
    "rate_limits",
    "notify_own_writes",
    "close_failing_channels",
)
_NULLABLE_SETTINGS = ("rate_limit_retry_after",)
MAX_CHANNELS = 128  # per account, as Cronofy documents
FAULT_STATUSES: tuple[int | str, ...] = (429, 500, 502, 503, "hang")
CODE_LIFETIME = 600  # seconds: Cronofy's authorization codes expire after 10 minutes
NONCE_LIFETIME = 1800  # seconds a rendered consent form stays usable
PAGE_LIFETIME = 3600  # seconds an events `next_page` link stays usable
LOG_LIMIT = 1000  # newest request-log entries kept; a long demo must not grow without bound
STATE_VERSION = 1  # files without channels (older) read fine: they have none


class NotFound(KeyError):
    """No account, profile or calendar with that id."""


@dataclass(frozen=True)
class TokenSet:
    """What a successful token request answers; sub and profile only for a code exchange."""

    access_token: str
    refresh_token: str
    expires_in: int
    scope: str
    account_id: str | None = None
    linking_profile: dict[str, str] | None = None


@dataclass(frozen=True)
class Session:
    """Who an access token speaks for."""

    account_id: str
    scope: str
    client_id: str


class TooManyChannels(ValueError):
    """The account already has MAX_CHANNELS channels."""


@dataclass
class Fault:
    """The next `remaining` requests to `path` fail with `status` (or hang)."""

    path: str
    status: int | str
    remaining: int


def _check_redirect_uri(uri: object) -> str:
    if not isinstance(uri, str):
        raise ValueError("uri must be a string")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise ValueError("uri must be an absolute http(s) URL without a fragment")
    return uri


class SandboxState:
    """The sandbox's memory. Every read and write of shared data happens under `_lock`."""

    def __init__(
        self,
        client_id: str = defaults.CLIENT_ID,
        client_secret: str = defaults.CLIENT_SECRET,
        app_name: str = "Calendar Connect",
        redirect_uris: list[str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_name = app_name
        self.state_file = Path(state_file) if state_file else None
        self.clock: Callable[[], float] = time.time  # tests swap this to move time
        self.app_url: str | None = None  # set by SandboxServer; used for relink URLs
        self._initial_redirect_uris = [
            _check_redirect_uri(u) for u in (redirect_uris or DEFAULT_REDIRECT_URIS)
        ]
        self._lock = threading.Lock()
        self.deliveries = Deliveries(lambda: self.settings, self._channel_failed)
        with self._lock:
            self._clear()
            if self.state_file and self.state_file.exists():
                self._load(self.state_file)

    # ----- internal bookkeeping -------------------------------------------------------------

    def _clear(self) -> None:
        self._settings = dict(DEFAULT_SETTINGS)
        self._redirect_uris = list(self._initial_redirect_uris)
        self._faults: list[Fault] = []
        self._rate_limiter = RateLimiter()
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self._accounts: dict[str, Account] = {}
        self._grants: dict[str, Grant] = {}
        self._codes: dict[str, Code] = {}  # code fingerprint -> code
        self._nonces: dict[str, tuple[str, float]] = {}  # fingerprint -> (purpose, expiry)
        self._browsers: dict[str, str] = {}  # linking-cookie fingerprint -> account id
        # linking-cookie fingerprint -> every account that browser authorized, latest last
        self._browser_accounts: dict[str, list[str]] = {}
        self._pages: dict[str, tuple[str, dict[str, Any], float]] = {}
        self._channels: dict[str, Channel] = {}

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            self._accounts = {
                a["account_id"]: Account.from_dict(a) for a in data.get("accounts", [])
            }
            self._grants = {g["grant_id"]: Grant.from_dict(g) for g in data.get("grants", [])}
            self._browsers = dict(data.get("browsers", {}))
            self._browser_accounts = {
                key: list(accounts) for key, accounts in data.get("browser_accounts", {}).items()
            }
            self._channels = {
                c["channel_id"]: Channel.from_dict(c) for c in data.get("channels", [])
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Refuse to start rather than silently throw away someone's demo.
            raise ValueError(f"cannot read sandbox state file {path}: {exc}") from exc

    def _save(self) -> None:
        """Write accounts and authorizations atomically; settings, faults, log stay in memory."""
        if not self.state_file:
            return
        data = {
            "version": STATE_VERSION,
            "accounts": [a.to_dict() for a in self._accounts.values()],
            "grants": [g.to_dict() for g in self._grants.values()],
            "browsers": self._browsers,
            "browser_accounts": self._browser_accounts,
            "channels": [c.to_dict() for c in self._channels.values()],
        }
        directory = self.state_file.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".sandbox-state-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.state_file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _prune(self, now: float) -> None:
        self._codes = {k: c for k, c in self._codes.items() if c.expires_at > now}
        self._nonces = {k: n for k, n in self._nonces.items() if n[1] > now}
        self._pages = {k: p for k, p in self._pages.items() if p[2] > now}

    def _account(self, account_id: str) -> Account:
        account = self._accounts.get(account_id)
        if account is None:
            raise NotFound(account_id)
        return account

    def _profile_owner(self, profile_id: str) -> Account:
        for account in self._accounts.values():
            if account.profile(profile_id):
                return account
        raise NotFound(profile_id)

    def _issue_access(self, grant: Grant, now: float) -> tuple[str, int]:
        lifetime = int(self._settings["access_token_lifetime"])
        grant.access_tokens = {k: v for k, v in grant.access_tokens.items() if v > now}
        token = ids.new_secret()
        grant.access_tokens[ids.fingerprint(token)] = now + lifetime
        return token, lifetime

    # ----- clients, redirect URIs, consent --------------------------------------------------

    def check_client(self, client_id: str, client_secret: str) -> bool:
        """Constant-time comparison of both credentials."""
        return hmac.compare_digest(
            client_id.encode(), self.client_id.encode()
        ) & hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def is_client_secret(self, secret: str) -> bool:
        """Constant-time check of a bearer credential against the client secret."""
        return hmac.compare_digest(secret.encode(), self.client_secret.encode())

    def is_registered(self, redirect_uri: str) -> bool:
        """Exact string match, as Cronofy checks verified apps' redirect URIs."""
        with self._lock:
            return redirect_uri in self._redirect_uris

    def register_redirect_uri(self, uri: object) -> None:
        """Allow one more redirect URI (e.g. the app's live-server port in a test)."""
        uri = _check_redirect_uri(uri)
        with self._lock:
            if uri not in self._redirect_uris:
                self._redirect_uris.append(uri)

    def issue_nonce(self, purpose: str) -> str:
        """A single-use form token bound to what the form is for (the consent page's query)."""
        nonce = ids.new_secret()
        with self._lock:
            now = self.clock()
            self._prune(now)
            self._nonces[ids.fingerprint(nonce)] = (purpose, now + NONCE_LIFETIME)
        return nonce

    def take_nonce(self, nonce: str, purpose: str) -> bool:
        """Consume a form token; true only once, only for the same purpose, only before expiry."""
        with self._lock:
            entry = self._nonces.pop(ids.fingerprint(nonce), None)
            return entry is not None and entry[0] == purpose and entry[1] > self.clock()

    def suggested_email(self, browser: str | None, client_id: str) -> str:
        """What the consent page fills in: the account this browser last authorized whose
        access for this client has ended (the person is reconnecting it), or else an address
        no sandbox account has yet, so each new connection is its own demo account."""
        with self._lock:
            for account_id in reversed(self._browser_accounts_of(browser)):
                account = self._accounts.get(account_id)
                live = any(
                    g.account_id == account_id and g.client_id == client_id
                    for g in self._grants.values()
                )
                if account is not None and not live:
                    return account.email
            taken = {account.email for account in self._accounts.values()}
            return next(
                email
                for email in (
                    "demo@example.com" if n == 1 else f"demo-{n}@example.com"
                    for n in itertools.count(1)
                )
                if email not in taken
            )

    def used_emails(self, browser: str | None) -> list[str]:
        """The addresses this browser authorized before, latest first (offered on the page)."""
        with self._lock:
            used = reversed(self._browser_accounts_of(browser))
            return [self._accounts[a].email for a in used if a in self._accounts]

    def _browser_accounts_of(self, browser: str | None) -> list[str]:
        return self._browser_accounts.get(ids.fingerprint(browser), []) if browser else []

    def approve(
        self,
        *,
        email: str,
        provider: str,
        client_id: str,
        redirect_uri: str,
        scope: str,
        browser: str | None,
        avoid_linking: bool,
    ) -> tuple[str, str]:
        """The user pressed Allow: returns a fresh code and the browser's linking cookie value."""
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}")
        with self._lock:
            now = self.clock()
            self._prune(now)
            browser_key = ids.fingerprint(browser) if browser else None
            account = None
            if not avoid_linking and browser_key:
                # Cronofy links an authorization to the account this browser authorized before.
                account = self._accounts.get(self._browsers.get(browser_key, ""))
            if account is None:
                account_id = ids.account_id_for(email)
                account = self._accounts.get(account_id)
                if account is None or not account.profiles:
                    # New, or every profile was revoked: connect fresh demo calendars.
                    moment = datetime.fromtimestamp(now, UTC)
                    account = build_account(email, provider, moment.date(), moment)
                    self._accounts[account_id] = account
            if browser_key is None or browser_key not in self._browsers:
                browser = ids.new_secret()
                browser_key = ids.fingerprint(browser)
            self._browsers[browser_key] = account.account_id
            earlier = self._browser_accounts.get(browser_key, [])
            used = [a for a in earlier if a != account.account_id] + [account.account_id]
            self._browser_accounts[browser_key] = used[-BROWSER_MEMORY:]
            provider_name = PROVIDERS[provider][0]
            linking = next(
                (p for p in account.profiles if p.provider_name == provider_name),
                account.profiles[0],
            )
            code = ids.new_secret()
            self._codes[ids.fingerprint(code)] = Code(
                account.account_id,
                client_id,
                redirect_uri,
                scope,
                linking.profile_id,
                now + CODE_LIFETIME,
            )
            self._save()
            assert browser is not None
            return code, browser

    # ----- tokens ----------------------------------------------------------------------------

    def redeem_code(
        self, code: str, client_id: str, redirect_uri: str, scope: str | None
    ) -> TokenSet | None:
        """Exchange a code for tokens, or None for any mismatch (the caller says invalid_grant)."""
        with self._lock:
            now = self.clock()
            # Any presentation uses the code up, even a failing one: single-use, strict reading.
            stored = self._codes.pop(ids.fingerprint(code), None)
            if (
                stored is None
                or stored.expires_at <= now
                or stored.client_id != client_id
                or stored.redirect_uri != redirect_uri
                or (
                    scope is not None
                    and set(scopes.parse(scope)) != set(scopes.parse(stored.scope))
                )
                or stored.account_id not in self._accounts
            ):
                return None
            profile = self._accounts[stored.account_id].profile(stored.profile_id)
            if profile is None:  # revoked between consent and exchange
                return None
            account = self._accounts[stored.account_id]
            refresh = ids.new_secret()
            grant = Grant(
                grant_id=ids.new_secret(),
                account_id=account.account_id,
                client_id=client_id,
                scope=stored.scope,
                profile_id=profile.profile_id,
                refresh_token=ids.fingerprint(refresh),
            )
            access, lifetime = self._issue_access(grant, now)
            self._grants[grant.grant_id] = grant
            self._save()
            return TokenSet(
                access_token=access,
                refresh_token=refresh,
                expires_in=lifetime,
                scope=grant.scope,
                account_id=account.account_id,
                linking_profile={
                    "provider_name": profile.provider_name,
                    "profile_id": profile.profile_id,
                    "profile_name": profile.profile_name,
                },
            )

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet | None:
        """New access token; with rotation the presented refresh token dies in the same step."""
        with self._lock:
            now = self.clock()
            key = ids.fingerprint(refresh_token)
            grant = next(
                (
                    g
                    for g in self._grants.values()
                    if g.refresh_token == key and g.client_id == client_id
                ),
                None,
            )
            if grant is None:
                return None
            access, lifetime = self._issue_access(grant, now)
            if self._settings["rotate_refresh_tokens"]:
                refresh_token = ids.new_secret()
                grant.refresh_token = ids.fingerprint(refresh_token)
            self._save()
            return TokenSet(access, refresh_token, lifetime, grant.scope)

    def revoke(self, client_id: str, *, token: str | None = None, sub: str | None = None) -> None:
        """End whole authorizations, found by any of their tokens or by account; unknown is ok."""
        with self._lock:
            key = ids.fingerprint(token) if token else None
            doomed = [
                g.grant_id
                for g in self._grants.values()
                if g.client_id == client_id
                and (
                    (key and (g.refresh_token == key or key in g.access_tokens))
                    or (sub and g.account_id == sub)
                )
            ]
            for grant_id in doomed:
                del self._grants[grant_id]
            if doomed:
                self._close_orphaned_channels()
                self._save()

    def session_for(self, access_token: str) -> Session | None:
        """The live authorization behind a bearer token, or None (unknown, expired, revoked)."""
        with self._lock:
            key = ids.fingerprint(access_token)
            now = self.clock()
            for grant in self._grants.values():
                expiry = grant.access_tokens.get(key)
                if expiry is not None:
                    if expiry > now and grant.account_id in self._accounts:
                        return Session(grant.account_id, grant.scope, grant.client_id)
                    return None
            return None

    # ----- account data for the API ----------------------------------------------------------

    def read(self, account_id: str, view: Callable[[Account], T]) -> T:
        """Run `view` on an account under the lock; NotFound if it is gone."""
        with self._lock:
            return view(self._account(account_id))

    def read_events(self, account_id: str, view: Callable[[Account], T]) -> T:
        """Like `read`, once the demo routine reaches two weeks from today again."""
        with self._lock:
            account = self._account(account_id)
            moment = datetime.fromtimestamp(self.clock(), UTC)
            if extend_routine(account, moment.date(), moment):
                self._save()
            return view(account)

    def granted_scopes(self, client_id: str) -> dict[str, str]:
        """Every account the client holds a live authorization of, and the scope granted."""
        with self._lock:
            granted: dict[str, str] = {}
            for grant in self._grants.values():
                if grant.client_id == client_id and grant.account_id in self._accounts:
                    earlier = granted.get(grant.account_id, "")
                    granted[grant.account_id] = f"{earlier} {grant.scope}".strip()
            return granted

    def read_many(self, account_ids: list[str], view: Callable[[dict[str, Account]], T]) -> T:
        """Like `read_events`, for several accounts read together under one lock."""
        with self._lock:
            moment = datetime.fromtimestamp(self.clock(), UTC)
            accounts = {account_id: self._account(account_id) for account_id in account_ids}
            if any([extend_routine(a, moment.date(), moment) for a in accounts.values()]):
                self._save()
            return view(accounts)

    def change(
        self, account_id: str, edit: Callable[[Account], T], *, by_client: bool = False
    ) -> T:
        """Run `edit` on an account under the lock, persist it, and notify its channels.

        Every event the edit creates, changes or deletes is news for the channels whose
        filters match it. An edit not `by_client` is a change at the provider: what
        `last_modified` then matches. A client's own writes notify only with the setting
        `notify_own_writes`.
        """
        with self._lock:
            account = self._account(account_id)
            before = {e.event_uid: _fingerprint(e) for e in account.events}
            result = edit(account)
            changed = [e for e in account.events if before.get(e.event_uid) != _fingerprint(e)]
            if not by_client:
                for event in changed:
                    event.changed_externally = event.updated
            if changed and (not by_client or self._settings["notify_own_writes"]):
                self._notify_change(account, changed)
            self._save()
            return result

    def save_pages(self, account_id: str, pages: dict[str, dict[str, Any]]) -> None:
        """Keep the later pages of an events answer under their opaque ids."""
        with self._lock:
            now = self.clock()
            self._prune(now)
            for page_id, page in pages.items():
                self._pages[page_id] = (account_id, page, now + PAGE_LIFETIME)

    def load_page(self, page_id: str, account_id: str) -> dict[str, Any] | None:
        """A stored page, only for the account that asked for it, only while fresh."""
        with self._lock:
            entry = self._pages.get(page_id)
            if entry is None or entry[0] != account_id or entry[2] <= self.clock():
                return None
            return entry[1]

    # ----- request log, rate limits, faults --------------------------------------------------

    def record_request(self, entry: dict[str, Any]) -> None:
        """Append one request-log entry."""
        with self._lock:
            self._log.append(entry)

    def admit(self) -> bool:
        """Whether a request may go ahead under the rate limits (always, when they are off).

        An admitted request is counted against both windows; a refused one is not.
        """
        with self._lock:
            settings = self._settings
            if not settings["rate_limits"]:
                return True
            return self._rate_limiter.admit(
                self.clock(),
                settings["rate_limit_per_second"],
                settings["rate_limit_per_minute"],
            )

    def take_fault(self, path: str) -> int | str | None:
        """The fault planned for this request, if any, counting it down."""
        with self._lock:
            for fault in self._faults:
                if fault.path == path:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.status
            return None

    # ----- controls (also reachable over HTTP under /_sandbox/) ------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        """A copy of the current settings."""
        with self._lock:
            return dict(self._settings)

    def set_settings(self, **changes: object) -> dict[str, Any]:
        """Validate all changes first, then apply them together; ValueError names the bad one."""
        for name, value in changes.items():
            if name in _BOOLEAN_SETTINGS:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
                continue
            if name == "rotating_client_secret":
                if value is not None and (not isinstance(value, str) or not value.strip()):
                    raise ValueError("rotating_client_secret must be a non-empty string or null")
                continue
            if name not in _SETTING_RULES:
                raise ValueError(f"unknown setting {name!r}")
            if value is None and name in _NULLABLE_SETTINGS:
                continue
            types, low, high = _SETTING_RULES[name]
            if isinstance(value, bool) or not isinstance(value, types) or not low <= value <= high:
                or_null = " or null" if name in _NULLABLE_SETTINGS else ""
                raise ValueError(f"{name} must be a number from {low} to {high}{or_null}")
        with self._lock:
            self._settings.update(changes)
            return dict(self._settings)

    def add_fault(self, path: object, status_or_hang: object, count: object = 1) -> None:
        """Make the next `count` requests to exactly `path` fail (429/500/502/503) or hang.

        The values may come straight from a JSON body: ValueError says which one is wrong.
        """
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("path must start with /")
        if isinstance(status_or_hang, bool) or status_or_hang not in FAULT_STATUSES:
            raise ValueError("status must be 429, 500, 502, 503 or 'hang'")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
            raise ValueError("count must be a whole number from 1 to 10000")
        with self._lock:
            self._faults.append(Fault(path, status_or_hang, count))

    def clear_faults(self) -> None:
        """Drop every planned fault."""
        with self._lock:
            self._faults.clear()

    def expire_all_tokens(self) -> None:
        """Every access token expires now; refresh tokens keep working."""
        with self._lock:
            now = self.clock()
            for grant in self._grants.values():
                grant.access_tokens = {k: min(v, now) for k, v in grant.access_tokens.items()}
            self._save()

    def revoke_account(self, account_id: str) -> None:
        """As if the user revoked access at Cronofy: every authorization of the account ends."""
        with self._lock:
            self._account(account_id)
            self._grants = {k: g for k, g in self._grants.items() if g.account_id != account_id}
            self._codes = {k: c for k, c in self._codes.items() if c.account_id != account_id}
            self._close_orphaned_channels()
            self._save()

    def disconnect_profile(self, profile_id: str) -> None:
        """The provider stopped accepting the profile's credentials; it needs relinking."""
        self._set_connected(profile_id, False)

    def reconnect_profile(self, profile_id: str) -> None:
        """The user relinked the profile."""
        self._set_connected(profile_id, True)

    def _set_connected(self, profile_id: str, connected: bool) -> None:
        with self._lock:
            account = self._profile_owner(profile_id)
            profile = account.profile(profile_id)
            assert profile is not None
            if profile.connected == connected:
                return
            profile.connected = connected
            self._save()
            # Relinking makes Cronofy read the profile again from the start.
            kind = "profile_initial_sync_completed" if connected else "profile_disconnected"
            for channel in self._account_channels(account.account_id):
                self._notify(channel, {"type": kind})

    def profile_name(self, profile_id: str) -> str | None:
        """The profile's display name (the relink page shows it), or None if unknown."""
        with self._lock:
            try:
                profile = self._profile_owner(profile_id).profile(profile_id)
            except NotFound:
                return None
            return profile.profile_name if profile else None

    def rename_calendar(self, calendar_id: str, name: object) -> None:
        """Give a calendar any name, e.g. one with HTML in it to test escaping."""
        if not isinstance(name, str) or not name or len(name) > 1024:
            raise ValueError("name must be a string of 1 to 1024 characters")
        with self._lock:
            for account in self._accounts.values():
                calendar = account.calendar(calendar_id)
                if calendar:
                    calendar.name = name
                    self._save()
                    return
            raise NotFound(calendar_id)

    def requests_log(self) -> list[dict[str, Any]]:
        """Copies of the request-log entries, oldest first."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def clear_log(self) -> None:
        """Forget logged requests."""
        with self._lock:
            self._log.clear()

    def reset(self) -> None:
        """A fresh start: no accounts, tokens, channels, faults or logs; default settings.

        The rate-limit windows start again from nothing too.
        """
        with self._lock:
            self._clear()
            self._save()
        self.deliveries.clear()

    def accounts(self) -> list[dict[str, Any]]:
        """Every account with its profiles, calendars and events, for tests to inspect."""
        with self._lock:
            return [account.to_dict() for account in self._accounts.values()]

    # ----- changes made at the provider --------------------------------------------------------

    def add_provider_event(self, account_id: str, calendar_id: object, **fields: Any) -> str:
        """Add an external event, as the person would in their calendar; its event_uid."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        event = self.change(account_id, lambda a: provider.add_event(a, calendar_id, fields, now))
        return event.event_uid

    def edit_provider_event(self, event_uid: str, **changes: Any) -> None:
        """Change an event's summary, description, start, end or location at the provider."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        account_id, _ = self._event_owner(event_uid)
        self.change(
            account_id,
            lambda a: provider.edit_event(a, self._event_in(a, event_uid), changes, now),
        )

    def delete_provider_event(self, event_uid: str) -> None:
        """Delete an event at the provider (a managed one too)."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        account_id, _ = self._event_owner(event_uid)
        self.change(account_id, lambda a: provider.delete_event(self._event_in(a, event_uid), now))

    def _event_owner(self, event_uid: str) -> tuple[str, Event]:
        with self._lock:
            for account in self._accounts.values():
                event = provider.find_event(account, event_uid)
                if event is not None:
                    return account.account_id, event
        raise NotFound(event_uid)

    @staticmethod
    def _event_in(account: Account, event_uid: str) -> Event:
        event = provider.find_event(account, event_uid)
        if event is None:
            raise NotFound(event_uid)
        return event

    # ----- push notification channels --------------------------------------------------------

    def create_channel(
        self,
        session: Session,
        callback_url: str,
        calendar_ids: list[str] | None,
        only_managed: bool,
    ) -> Channel:
        """A channel for the session's account and client; an identical one is returned again.

        A new channel is sent a `verification` notification. TooManyChannels past 128.
        """
        with self._lock:
            self._account(session.account_id)
            wanted = Channel(
                "", session.account_id, session.client_id, callback_url, calendar_ids, only_managed
            )
            mine = self._account_channels(session.account_id)
            for channel in mine:
                if (channel.client_id, channel.callback_url, channel.filters()) == (
                    wanted.client_id,
                    wanted.callback_url,
                    wanted.filters(),
                ):
                    return channel
            if len(mine) >= MAX_CHANNELS:
                raise TooManyChannels(f"an account has at most {MAX_CHANNELS} channels")
            wanted.channel_id = ids.channel_id()
            self._channels[wanted.channel_id] = wanted
            self._save()
            self._notify(wanted, {"type": "verification"})
            return wanted

    def channels_of(self, session: Session) -> list[Channel]:
        """The channels the session's client has on its account, oldest first."""
        with self._lock:
            return [
                c
                for c in self._account_channels(session.account_id)
                if c.client_id == session.client_id
            ]

    def close_channel(self, session: Session, channel_id: str) -> bool:
        """Close one of the session's channels; False if it has no such channel."""
        with self._lock:
            channel = self._channels.get(channel_id)
            if channel is None or (channel.account_id, channel.client_id) != (
                session.account_id,
                session.client_id,
            ):
                return False
            self._drop_channel(channel_id)
            self._save()
            return True

    def all_channels(self) -> list[dict[str, Any]]:
        """Every open channel, for tests and the controls to inspect."""
        with self._lock:
            return [c.to_dict() for c in self._channels.values()]

    def send_notification(self, account_id: str, kind: object) -> int:
        """Send a notification of any type (an unknown one too) to every channel of the account."""
        if not isinstance(kind, str) or not kind or len(kind) > 100:
            raise ValueError("type must be a string of 1 to 100 characters")
        with self._lock:
            channels = self._account_channels(self._account(account_id).account_id)
            for channel in channels:
                self._notify(channel, {"type": kind})
            return len(channels)

    def add_delivery_fault(
        self, kind: object, count: object = 1, seconds: object = 0, channel_id: object = None
    ) -> None:
        """Make the next `count` notifications dropped, delayed, duplicated, reordered or
        wrongly signed (`kind`); `seconds` is the delay; `channel_id` limits it to one channel.
        """
        if kind not in FAULT_KINDS:
            raise ValueError("kind must be one of " + ", ".join(FAULT_KINDS))
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
            raise ValueError("count must be a whole number from 1 to 10000")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("seconds must be a number")
        if not 0 <= seconds <= 600:
            raise ValueError("seconds must be from 0 to 600")
        if channel_id is not None and not isinstance(channel_id, str):
            raise ValueError("channel_id must be a string")
        assert isinstance(kind, str)
        self.deliveries.add_fault(kind, count, float(seconds), channel_id)

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued notification is delivered or given up (tests use this)."""
        return self.deliveries.wait_idle(timeout)

    def _account_channels(self, account_id: str) -> list[Channel]:
        return [c for c in self._channels.values() if c.account_id == account_id]

    def _secrets(self) -> list[str]:
        rotating = self._settings["rotating_client_secret"]
        return [self.client_secret, rotating] if rotating else [self.client_secret]

    def _notify(self, channel: Channel, notification: dict[str, str]) -> None:
        """Queue one notification (called under the lock; the sending happens elsewhere)."""
        body = notification_body(notification, channel)
        self.deliveries.send(channel, notification["type"], body, self._secrets())

    def _notify_change(self, account: Account, changed: list[Event]) -> None:
        # Read from here with last_modified: whole seconds, so never after the change itself.
        since = min(e.updated for e in changed)
        for channel in self._account_channels(account.account_id):
            if any(channel.matches(e) for e in changed):
                self._notify(channel, {"type": "change", "changes_since": since})

    def _drop_channel(self, channel_id: str) -> None:
        self._channels.pop(channel_id, None)
        self.deliveries.discard_channel(channel_id)

    def _close_orphaned_channels(self) -> None:
        """Channels stop when their client's authorization of the account has ended."""
        live = {(g.account_id, g.client_id) for g in self._grants.values()}
        for channel in list(self._channels.values()):
            if (channel.account_id, channel.client_id) not in live:
                self._drop_channel(channel.channel_id)

    def _channel_failed(self, channel: Channel) -> None:
        """Deliveries gave up on a notification: the channel is closed, as Cronofy does."""
        with self._lock:
            if channel.channel_id in self._channels:
                self._drop_channel(channel.channel_id)
                self._save()


def _fingerprint(event: Event) -> tuple[Any, ...]:
    """What makes an event different for a client reading it."""
    return tuple(v for k, v in event.to_dict().items() if k != "changed_externally")
