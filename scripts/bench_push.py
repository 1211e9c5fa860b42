"""The push part of `make bench`: from a change in someone's calendar to the copy and the screen.

This tree only, laid out as the rest of the bench (the app under gunicorn, one worker on
Redis, the sandbox with latency L on every Cronofy call, a fresh database), in two runs:

- *Push on*: the app talks to the sandbox with the sandbox's own credentials, so the sandbox
  delivers its signed notifications to the app. One user connects; the channel is verified.
  Then CHANGES changes are made at the provider, one after another (add an event, move it,
  delete it, and again), and for each the bench times
  - change -> copy: from asking the sandbox for the change to the copy's version having
    changed with the event as it now is (polled every 10 ms);
  - change -> screen: an open dashboard that polls as the page's script does (the copy's
    version every 2 s, then the page when it changed) shows it. Changes are made at a random
    moment of that 2 s cycle, as a person's would be.
  Also: every Cronofy request the app made meanwhile, the sandbox's log of each delivery
  (status, attempt, duration), and two storms of STORM notifications sent straight to the
  webhook, 32 at a time: validly signed ones (how fast each is answered, how many syncs they
  cause) and badly signed ones (all refused, no sync, no Cronofy call, few log lines).
- *Push off*, the baseline: the same tree where Cronofy cannot reach the app (a loopback URL
  with credentials that are not the sandbox's), so no channel is made and the copy is
  refreshed when a view finds it older than CRONOFY_SYNC_MAX_AGE, shortened to MAX_AGE_OFF
  seconds so the run stays short. The same open dashboard polls for OFF_WAIT seconds after
  a change; then a person reloads every 2 s until it shows.

Run on its own with `python scripts/bench_push.py [--quick]` (prints the figures); `make
bench` runs it after the dashboard figures and adds them to docs/benchmarks.md.
"""

import json
import math
import os
import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# scripts/bench.py: the servers, the load and the report's helpers; it also puts this tree
# on sys.path, for the imports from the app and the tests below.
import bench
import requests
from bench import ROOT, Setup, control, endpoint, met, ms, p50, p95, say, wait_until
from sqlalchemy import select

from app.cronofy.signatures import HEADER, expected_signature
from sandbox import defaults as sandbox_defaults
from tests.visitor import event_time_shown, register_and_connect

CHANGES = 50
STORM = 1000
MAX_AGE_OFF = 30  # the baseline's CRONOFY_SYNC_MAX_AGE (300 s by default)
OFF_WAIT = 10.0  # how long the baseline's open dashboard is watched before reloading
OFF_CHANGES = 3
PAGE_POLL = 2.0  # static/app.js: the open dashboard asks for the copy's version this often
EMAIL = "push@example.com"
# Targets: issue-level promises of the push design.
COPY_TARGET, SCREEN_TARGET, DELIVERY_TARGET = 1.0, 3.0, 0.100  # seconds, p95 / p95 / slowest
# A storm's syncs: the first, then at most one per CRONOFY_SYNC_AGAIN_AFTER (1 s) it lasts.
AGAIN_AFTER = 1.0
DASH = "\u2013"  # between an event's start and end on the dashboard


@dataclass
class Change:
    kind: str  # add, move or delete
    summary: str
    shown: str | None  # the time the dashboard should show; None once deleted
    to_copy: float = 0.0
    to_screen: float = 0.0


@dataclass
class Storm:
    statuses: Counter = field(default_factory=Counter)
    answers: list[float] = field(default_factory=list)  # seconds per notification
    seconds: float = 0.0  # the whole storm
    syncs: int = 0  # reads of the changes (first pages) it caused
    cronofy_requests: int = 0
    log_lines: int = 0  # the app's log lines about refused notifications
    marks_left: bool = False  # a sync was still wanted afterwards


@dataclass
class PushFigures:
    changes: list[Change] = field(default_factory=list)
    requests: Counter = field(default_factory=Counter)  # Cronofy endpoint -> count
    deliveries: list[dict] = field(default_factory=list)
    valid: Storm = field(default_factory=Storm)
    bad: Storm = field(default_factory=Storm)
    off_changes: list[Change] = field(default_factory=list)
    off_followed: int = 0  # baseline changes the open dashboard showed without a reload
    off_requests: Counter = field(default_factory=Counter)
    off_seconds: float = 0.0
    seconds: float = 0.0


def measure(setup: Setup, scratch: Path) -> PushFigures:
    figures = PushFigures()
    began = time.monotonic()
    print("\n== Push notifications (this tree): push on", flush=True)
    with ExitStack() as stack:
        settings = {
            # No client id: the sandbox's credentials, and the sandbox may call a local URL.
            "CRONOFY_CLIENT_ID": "",
            "CRONOFY_CLIENT_SECRET": "",
            "CRONOFY_NOTIFICATION_URL": "{app_url}",
        }
        servers = bench.start_servers(stack, "push", ROOT, setup, scratch, settings)
        push_on(figures, servers, setup)
    print("\n== Push notifications (this tree): push off, the baseline", flush=True)
    with ExitStack() as stack:
        settings = {"CRONOFY_SYNC_MAX_AGE": str(MAX_AGE_OFF)}
        servers = bench.start_servers(stack, "push_off", ROOT, setup, scratch, settings)
        push_off(figures, servers, setup)
    figures.seconds = time.monotonic() - began
    return figures


# ----- push on -------------------------------------------------------------------------------


def push_on(figures: PushFigures, servers: bench.Servers, setup: Setup) -> None:
    app_url, sandbox = servers.app_url, servers.sandbox
    visitor = register_and_connect(app_url, EMAIL, bench.PASSWORD)
    visitor.reload_until(bench.CALENDARS_SHOWN, timeout=30)
    wait_until(lambda: channel_verified(servers.db), "the channel's verification")
    cookies = visitor.session.cookies.get_dict()
    account = only_account(sandbox)
    count = 10 if setup.quick else CHANGES

    uid = ""
    with Screen(app_url, cookies) as screen:
        for change, fields in planned(account, 3, "Warm-up"):
            uid = make(sandbox, account, change, fields, uid, app_url, cookies, screen)
        settle(servers)
        control(sandbox, "DELETE", "deliveries")
        with bench.RequestLog(sandbox) as log:
            for change, fields in planned(account, count, "Pushed"):
                uid = make(sandbox, account, change, fields, uid, app_url, cookies, screen)
                figures.changes.append(change)
            settle(servers)
    figures.requests = Counter(endpoint(e["path"]) for e in log.entries)
    figures.deliveries = change_deliveries(sandbox, count)
    copy, screen_ = [c.to_copy for c in figures.changes], [c.to_screen for c in figures.changes]
    say(f"change -> copy: p50 {ms(p50(copy))}, p95 {ms(p95(copy))}")
    say(f"change -> screen: p50 {ms(p50(screen_))}, p95 {ms(p95(screen_))}")
    say(f"Cronofy requests: {dict(figures.requests)}")

    callback = only_channel(sandbox)["callback_url"]
    figures.valid = storm(servers, callback, sandbox_defaults.CLIENT_SECRET, setup)
    say(
        f"{STORM} signed notifications: {dict(figures.valid.statuses)}, "
        f"p95 {ms(p95(figures.valid.answers))}, {figures.valid.syncs} syncs"
    )
    figures.bad = storm(servers, callback, "not-the-client-secret", setup)
    say(
        f"{STORM} badly signed: {dict(figures.bad.statuses)}, "
        f"{figures.bad.cronofy_requests} Cronofy requests, {figures.bad.log_lines} log lines"
    )


def planned(
    account: dict, count: int, name: str, kinds: tuple[str, ...] = ("add", "move", "delete")
) -> list[tuple[Change, dict[str, str]]]:
    """`count` changes: add an event tomorrow, move it by half an hour, delete it; again
    (or only the `kinds` given, in turn)."""
    primary = next(c for c in account["calendars"] if c["primary"])
    zone = ZoneInfo(account["default_tzid"])  # the dashboard shows the account's zone
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    changes = []
    for n in range(count):
        kind, index = kinds[n % len(kinds)], n // len(kinds)
        begins = tomorrow + timedelta(hours=index % 14, minutes=30 if kind == "move" else 0)
        ends = begins + timedelta(minutes=20)
        summary = f"{name} event {index:02d}"
        shown = f"{begins.astimezone(zone):%H:%M} {DASH} {ends.astimezone(zone):%H:%M}"
        fields = {
            "calendar_id": primary["calendar_id"],
            "summary": summary,
            "start": f"{begins:%Y-%m-%dT%H:%M:%SZ}",
            "end": f"{ends:%Y-%m-%dT%H:%M:%SZ}",
        }
        changes.append((Change(kind, summary, None if kind == "delete" else shown), fields))
    return changes


class Screen:
    """An open dashboard, polling as static/app.js does: the copy's version every 2 s, then
    the page when the version changed. `watch(change)` starts timing a change."""

    def __init__(self, app_url: str, cookies: dict[str, str]) -> None:
        self.app_url, self.cookies = app_url, cookies
        self.http = requests.Session()
        self.version = self._version()
        self._change: Change | None = None
        self._started = 0.0
        self.seen = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def watch(self, change: Change, started: float) -> None:
        self.seen.clear()
        self._change, self._started = change, started

    def _version(self) -> str:
        answer = self.http.get(
            f"{self.app_url}/dashboard/copy-version", cookies=self.cookies, timeout=30
        )
        return answer.json()["version"]

    def _poll(self) -> None:
        while not self._stop.wait(PAGE_POLL):
            version = self._version()
            if version == self.version:
                continue
            self.version = version
            page = self.http.get(f"{self.app_url}/dashboard", cookies=self.cookies, timeout=30)
            change = self._change
            if change is not None and event_time_shown(page.text, change.summary) == change.shown:
                change.to_screen = time.perf_counter() - self._started
                self._change = None
                self.seen.set()

    def __enter__(self) -> "Screen":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def make(sandbox, account, change, fields, uid, app_url, cookies, screen: Screen) -> str:
    """Make one change at the provider; time it to the copy and to the open dashboard.

    `uid` is the event the last "add" made, which a "move" or "delete" changes; returns the
    event this change made or changed."""
    # Any moment of the page's polling cycle (timing, not security).
    time.sleep(random.uniform(0, PAGE_POLL))  # noqa: S311
    http = requests.Session()
    version = copy_version(http, app_url, cookies)
    started = time.perf_counter()
    screen.watch(change, started)
    if change.kind == "add":
        uid = control(sandbox, "POST", f"accounts/{account['account_id']}/events", fields)[
            "event_uid"
        ]
    elif change.kind == "move":
        control(
            sandbox, "PATCH", f"events/{uid}", {"start": fields["start"], "end": fields["end"]}
        )
    else:
        control(sandbox, "DELETE", f"events/{uid}")
    deadline = started + 30
    while True:
        now = time.perf_counter()
        if now > deadline:
            raise SystemExit(f"{change.kind} of {change.summary!r} never reached the copy")
        latest = copy_version(http, app_url, cookies)
        if latest != version:
            page = http.get(f"{app_url}/dashboard", cookies=cookies, timeout=30).text
            if event_time_shown(page, change.summary) == change.shown:
                change.to_copy = now - started
                break
            version = latest
        time.sleep(0.01)
    if not screen.seen.wait(30):
        raise SystemExit(f"the open dashboard never showed the {change.kind} of {change.summary}")
    return uid


def copy_version(http: requests.Session, app_url: str, cookies: dict[str, str]) -> str:
    answer = http.get(f"{app_url}/dashboard/copy-version", cookies=cookies, timeout=30)
    return answer.json()["version"]


def storm(servers: bench.Servers, callback: str, secret: str, setup: Setup) -> Storm:
    """STORM change notifications for the connection, 32 at a time, signed with `secret`."""
    result = Storm()
    count = 200 if setup.quick else STORM
    channel = only_channel(servers.sandbox)
    lines_before = refused_lines(servers.app_log)

    def send(n: int) -> tuple[int, float]:
        since = datetime.now(UTC) - timedelta(seconds=n % 5)
        body = json.dumps(
            {
                "notification": {"type": "change", "changes_since": f"{since:%Y-%m-%dT%H:%M:%SZ}"},
                "channel": channel,
            }
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            HEADER: expected_signature(body, secret),
        }
        start = time.perf_counter()
        answer = bench.http_session().post(callback, data=body, headers=headers, timeout=30)
        return answer.status_code, time.perf_counter() - start

    with bench.RequestLog(servers.sandbox) as log:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=bench.CONCURRENCY) as pool:
            answers = list(pool.map(send, range(count)))
        result.seconds = time.perf_counter() - start
        settle(servers)
    result.statuses = Counter(status for status, _ in answers)
    result.answers = [seconds for _, seconds in answers]
    result.cronofy_requests = len(log.entries)
    result.syncs = sum(1 for e in log.entries if e["path"] == "/v1/events")
    result.log_lines = refused_lines(servers.app_log) - lines_before
    result.marks_left = not idle(servers.db)
    return result


def settle(servers: bench.Servers) -> None:
    """Wait until no sync is wanted or running, and a moment more for anything queued."""
    time.sleep(0.5)
    wait_until(lambda: idle(servers.db), "the syncs to finish")
    time.sleep(0.5)


# ----- push off ------------------------------------------------------------------------------


def push_off(figures: PushFigures, servers: bench.Servers, setup: Setup) -> None:
    began = time.monotonic()
    app_url, sandbox = servers.app_url, servers.sandbox
    visitor = register_and_connect(app_url, EMAIL, bench.PASSWORD)
    visitor.reload_until(bench.CALENDARS_SHOWN, timeout=30)
    if only_channel(sandbox, required=False) is not None:
        raise SystemExit("the push-off baseline made a channel")
    cookies = visitor.session.cookies.get_dict()
    account = only_account(sandbox)
    count = 1 if setup.quick else OFF_CHANGES
    http = requests.Session()
    with bench.RequestLog(sandbox) as log:
        for change, fields in planned(account, count, "Unpushed", kinds=("add",)):
            time.sleep(random.uniform(0, MAX_AGE_OFF))  # noqa: S311 - any moment of the copy's age
            started = time.perf_counter()
            version = copy_version(http, app_url, cookies)
            control(sandbox, "POST", f"accounts/{account['account_id']}/events", fields)
            # The open page: its version poll finds nothing new, as nothing syncs the copy.
            while time.perf_counter() - started < OFF_WAIT:
                time.sleep(PAGE_POLL)
                if copy_version(http, app_url, cookies) != version:
                    page = http.get(f"{app_url}/dashboard", cookies=cookies, timeout=30).text
                    if event_time_shown(page, change.summary) == change.shown:
                        figures.off_followed += 1
                        break
            # A person reloading every 2 s: a view of a copy older than the maximum age
            # asks for a sync, and a later reload shows it.
            while True:
                page = http.get(f"{app_url}/dashboard", cookies=cookies, timeout=30).text
                if event_time_shown(page, change.summary) == change.shown:
                    change.to_screen = change.to_copy = time.perf_counter() - started
                    break
                if time.perf_counter() - started > MAX_AGE_OFF + 60:
                    raise SystemExit(f"{change.summary!r} never showed without push")
                time.sleep(PAGE_POLL)
            figures.off_changes.append(change)
            say(f"push off: {change.summary} shown after {change.to_screen:.1f} s")
    figures.off_requests = Counter(endpoint(e["path"]) for e in log.entries)
    figures.off_seconds = time.monotonic() - began


# ----- reading the servers -------------------------------------------------------------------


def channel_verified(db: bench.Database) -> bool:
    connections = db.table("cronofy_connections")
    with db.engine.connect() as conn:
        return conn.scalar(select(connections.c.channel_verified_at)) is not None


def idle(db: bench.Database) -> bool:
    """No sync wanted, running, or waiting on a noted change."""
    c = db.table("cronofy_connections")
    with db.engine.connect() as conn:
        busy = conn.scalar(
            select(c.c.id).where(
                c.c.sync_wanted_at.is_not(None)
                | c.c.sync_lease_until.is_not(None)
                | c.c.changes_since.is_not(None)
            )
        )
    return busy is None


def only_account(sandbox: str) -> dict:
    [account] = control(sandbox, "GET", "accounts")["accounts"]
    return account


def only_channel(sandbox: str, required: bool = True) -> dict | None:
    channels = control(sandbox, "GET", "channels")["channels"]
    if not channels and not required:
        return None
    [channel] = channels
    return channel


def change_deliveries(sandbox: str, count: int) -> list[dict]:
    """The sandbox's log of the change notifications it delivered, once all `count` are in."""

    def changes() -> list[dict]:
        log = control(sandbox, "GET", "deliveries")["deliveries"]
        return [d for d in log if d["type"] == "change"]

    wait_until(lambda: len(changes()) >= count, "the sandbox's deliveries", timeout=60)
    return changes()


def refused_lines(log: Path) -> int:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return 0
    return sum(1 for line in text.splitlines() if "notification" in line and "refused" in line)


# ----- the report --------------------------------------------------------------------------


def render(figures: PushFigures, setup: Setup) -> list[str]:
    """The push section of docs/benchmarks.md."""
    changes, off = figures.changes, figures.off_changes
    copy = [c.to_copy for c in changes]
    screen = [c.to_screen for c in changes]
    n = len(changes)
    first_reads = figures.requests.get("/v1/events", 0)
    pages = figures.requests.get("/v1/events (next pages)", 0)
    other = sum(figures.requests.values()) - first_reads - pages
    durations = [d["duration_ms"] / 1000 for d in figures.deliveries]
    statuses = Counter(d["status"] for d in figures.deliveries)
    retried = sum(1 for d in figures.deliveries if d["attempt"] > 1)
    all_2xx = bool(statuses) and all(isinstance(s, int) and 200 <= s < 300 for s in statuses)
    valid, bad = figures.valid, figures.bad
    off_screen = [c.to_screen for c in off]
    syncs_allowed = 1 + math.ceil(valid.seconds / AGAIN_AFTER)
    bad_refused = (
        set(bad.statuses) == {401}
        and bad.cronofy_requests == 0
        and not bad.marks_left
        and bad.log_lines <= setup.workers  # each web process logs its own bursts
    )
    off_total = sum(figures.off_requests.values())

    def storm_answers(s: Storm) -> str:
        codes = ", ".join(f"{k} x {v}" for k, v in sorted(s.statuses.items()))
        return (
            f"{codes}; answered p50 {ms(p50(s.answers))}, p95 {ms(p95(s.answers))}, "
            f"slowest {ms(max(s.answers))}; {len(s.answers) / s.seconds:.0f}/s"
        )

    off_range = (
        f"{min(off_screen):.1f} to {max(off_screen):.1f} s over {len(off)} change(s)"
        if off_screen
        else "not measured"
    )
    lines = [
        "## Push notifications",
        "",
        f"From a change in someone's calendar to the copy and to the open dashboard: this tree "
        f"with push on, and with push off as the baseline (no channel; the copy refreshed when "
        f"a view finds it older than CRONOFY_SYNC_MAX_AGE, shortened from 300 s to "
        f"{MAX_AGE_OFF} s for the run). {figures.seconds / 60:.1f} minutes. The same layout as "
        f"above: gunicorn, one worker on a {'Redis' if setup.redis else 'SQLite'} queue, "
        f"L = {setup.latency_ms} ms on every Cronofy call. {n} changes were made at the "
        "provider (through the sandbox's controls, as a person would in Google Calendar): "
        "add an event, move it, delete it, and again. *Copy*: until the copy's version "
        "changed with the event as it now is (polled every 10 ms). *Screen*: until an open "
        f"dashboard polling as the page's script does (the version every {PAGE_POLL:g} s, "
        "then the page) showed it; each change was made at a random moment of that cycle.",
        "",
        "| figure | push off (baseline) | push on | target (push on) | |",
        "|---|---|---|---|---|",
        f"| change → copy, p50 / p95 | when a view finds the copy older than the maximum age "
        f"| {ms(p50(copy))} / {ms(p95(copy))} | p95 ≤ {COPY_TARGET:g} s "
        f"| {met(p95(copy) <= COPY_TARGET)} |",
        f"| change → open dashboard, p50 / p95 | not followed: {len(off) - figures.off_followed}"
        f" of {len(off)} change(s) unseen after {OFF_WAIT:.0f} s; reloading every "
        f"{PAGE_POLL:g} s, {off_range} | {ms(p50(screen))} / {ms(p95(screen))} "
        f"| p95 ≤ {SCREEN_TARGET:g} s | {met(p95(screen) <= SCREEN_TARGET)} |",
        f"| Cronofy requests per change | {off_total} in {figures.off_seconds:.0f} s for "
        f"{len(off)} change(s) (full reads of a viewed copy, every {MAX_AGE_OFF} s) "
        f"| {first_reads / n:.2f} reads of the changes + {pages / n:.2f} next pages + "
        f"{other / n:.2f} other | ≤ 1 + pages | {met(first_reads <= n and other == 0)} |",
        f"| webhook deliveries ({len(figures.deliveries)} change notifications, the sandbox's "
        "log) | none (no channel) | "
        + ", ".join(f"{k} x {v}" for k, v in sorted(statuses.items(), key=str))
        + f", {retried} retried; p50 {ms(p50(durations))}, p95 {ms(p95(durations))}, "
        f"slowest {ms(max(durations))} | all 2xx, each < {DELIVERY_TARGET * 1000:.0f} ms "
        f"| {met(all_2xx and retried == 0 and max(durations) < DELIVERY_TARGET)} |",
        f"| {len(valid.answers):,} validly signed notifications, 32 at a time | no webhook in use "
        f"| {storm_answers(valid)}; {valid.syncs} syncs | all 2xx; a few syncs: one, then at "
        f"most one a second (here ≤ {syncs_allowed}) "
        f"| {met(set(valid.statuses) == {200} and valid.syncs <= syncs_allowed)} |",
        f"| {len(bad.answers):,} badly signed notifications, 32 at a time | no webhook in use "
        f"| {storm_answers(bad)}; {bad.cronofy_requests} Cronofy requests, "
        f"{'a sync wanted' if bad.marks_left else 'no sync wanted'}, {bad.log_lines} log "
        "line(s) | all 401, no job, no Cronofy call, one log line per burst and process "
        f"| {met(bad_refused)} |",
        "",
        "- **Change → copy** is the sandbox delivering the signed notification (from a thread "
        "of its own, as Cronofy would), the webhook checking it, noting `changes_since` and "
        "queueing a sync, the worker taking the job, reading just the changes from Cronofy "
        f"(one call, {setup.latency_ms} ms of injected latency) and writing the copy. "
        "**Change → screen** adds the page's wait for its next poll (on average half of "
        f"{PAGE_POLL:g} s) and the fetch of the page.",
        f"- **Requests.** {first_reads} reads of the changes for {n} changes"
        + (f", {pages} next pages" if pages else "")
        + (f", {other} other requests" if other else ", nothing else")
        + ": no full read, and no request from any page view. Without push, a copy that is "
        "viewed is read in full (calendars, profiles, events) once per maximum age, however "
        "little changed, and a change waits up to that age to be seen.",
        f"- **Storms.** The validly signed storm ({len(valid.answers):,} notifications in "
        f"{valid.seconds:.1f} s) lands on one mark in the database: {valid.syncs} sync(s) read "
        "the changes. A connection nudged while its sync runs is synced once more a second "
        "later (CRONOFY_SYNC_AGAIN_AFTER), so a burst costs a read a second at most, however "
        "many notifications it holds. Answering 32 at a time, the web processes share the "
        f"{os.cpu_count()} cores with everything else here, so answers queue for CPU; one at a "
        "time, as the "
        "sandbox delivers them, each takes the milliseconds in the deliveries row. "
        "Badly signed notifications are refused before anything is read or written; the app "
        "logs the first refusal and then one summary a minute, not a line each.",
    ]
    return lines


def main() -> None:
    """The push figures alone, printed (`make bench` writes them with the rest); the same
    options as scripts/bench.py."""
    setup = bench.make_setup(bench.parse_args())
    with tempfile.TemporaryDirectory(prefix="bench-push-") as scratch:
        figures = measure(setup, Path(scratch))
    print("\n" + "\n".join(render(figures, setup)))


if __name__ == "__main__":
    main()
