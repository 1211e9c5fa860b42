"""`make bench`: the dashboard on a local copy (this tree) against the old design, in one run.

The *baseline* is the old design, where every dashboard view called Cronofy: commit
2919e872 (or `--baseline REV`), checked out into a temporary `git worktree` and run from
there, on a database migrated with its own migrations. The *new design* is this tree: pages
read the local, encrypted copy, and one worker process (`flask --app wsgi worker`) on a
Redis queue keeps it fresh. Both run under gunicorn (2 workers x 16 threads by default)
against this tree's sandbox under gunicorn with an injected latency L per Cronofy call, each
with a fresh PostgreSQL database (SQLite and one web worker when PostgreSQL does not answer;
a SQLite queue when there is no redis-server; the report says so).

Measured for both designs, printed and written to docs/benchmarks.md with the targets:
Cronofy requests per 1,000 dashboard views; p50/p95 at concurrency 1 for L = 50 and 200 ms;
views/s at concurrency 32; with the sandbox enforcing Cronofy's rate limits and 1,000 users,
the highest dashboard rate with no error and no upstream 429 (runs of one whole wall-clock
minute, the sandbox's window); a Cronofy outage under load (5xx, views still showing the
last-known calendars); the time from pressing Allow to a dashboard with calendars; token
refreshes in a storm of views after expiry; p50 with 1,000 users against one. Then the push
figures (scripts/bench_push.py): from a change in a calendar to the copy and to the open
dashboard, Cronofy requests per change, webhook deliveries and storms, against push off.

    make bench                                  # about eleven minutes
    make bench BENCH_ARGS="--baseline v1.0 --workers 4"
    make bench BENCH_ARGS="--quick"             # shorter runs, to try the script out
"""

import argparse
import http.cookiejar
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from requests.adapters import HTTPAdapter
from sqlalchemy import MetaData, create_engine, insert, select, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from app import create_app  # noqa: E402
from sandbox import defaults as sandbox_defaults  # noqa: E402
from tests.live import (  # noqa: E402
    RedisServer,
    drop_postgres_database,
    free_port,
    fresh_postgres_database,
)
from tests.visitor import Visitor, register_and_connect  # noqa: E402

BASELINE = "2919e8724f19322f11c13168f9e70841ee7ec240"
POSTGRES_SERVER = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "benchmark password"  # noqa: S105 - throwaway local accounts
SECRET_KEY = "benchmark-" + "x" * 40
CONCURRENCY = 32
USERS = 1000
# What a dashboard that shows the measured account's calendars contains, in both designs;
# a problem with a part of a connection is a <div class="notice ...">.
CALENDARS_SHOWN = '<span class="calendar-name">Team holidays</span>'
PROBLEM_SHOWN = '<div class="notice'
# Every path at which the app calls Cronofy: what an outage makes fail.
CRONOFY_PATHS = (
    "/v1/calendars",
    "/v1/profiles",
    "/v1/events",
    "/v1/account",
    "/v1/userinfo",
    "/oauth/token",
)
# Cronofy's limits for one application, which the sandbox enforces when asked to.
PER_SECOND, PER_MINUTE = 50, 500
# The old design's calls to Cronofy at once per process (its CRONOFY_PARALLEL_CALLS).
OLD_PARALLEL_CALLS = 16
# Settings an inherited environment must not pass on to the servers.
INHERITED = (
    "CRONOFY_",
    "SANDBOX_",
    "TASK_QUEUE",
    "RATELIMIT_",
    "DATABASE_URL",
    "GUNICORN",
    "WEB_CONC",
)


# ----- what is measured ----------------------------------------------------------------------


@dataclass
class View:
    """One dashboard response, as the load generator saw it."""

    status: int
    seconds: float
    calendars: bool  # the measured account's calendar names are on the page
    problem: bool  # some part of a connection shows a problem notice

    @property
    def whole(self) -> bool:
        return self.status == 200 and self.calendars and not self.problem


@dataclass
class RateRun:
    """Dashboards driven for a while with the sandbox enforcing Cronofy's rate limits."""

    label: str
    seconds: float
    views: list[View]
    calls: int  # requests the sandbox saw
    rate_limited: int  # of them answered 429

    @property
    def per_minute(self) -> float:
        return len(self.views) / self.seconds * 60

    @property
    def errors(self) -> int:
        return sum(1 for v in self.views if not v.whole)

    @property
    def clean(self) -> bool:
        return self.errors == 0 and self.rate_limited == 0


@dataclass
class Figures:
    """Everything measured for one design."""

    name: str
    short: str
    calls_per_1000: int = 0
    calls_by_path: dict[str, float] = field(default_factory=dict)
    c1: dict[int, list[float]] = field(default_factory=dict)  # latency L -> seconds
    c32: list[float] = field(default_factory=list)
    c32_rps: float = 0.0
    c32_rps_high: float = 0.0  # at the higher L
    cpu: dict[str, float] = field(default_factory=dict)  # seconds of CPU per view at c=32
    storm_refreshes: int = 0
    storm_reads: int = 0
    storm_whole: int = 0
    connects: list[float] = field(default_factory=list)
    one_user_p50: float = 0.0
    many_users_p50: float = 0.0
    sample_checked: int = 0
    rate_runs: list[RateRun] = field(default_factory=list)
    outage_views: list[tuple[int, View]] = field(default_factory=list)  # (user, view)
    outage_calls: Counter = field(default_factory=Counter)  # status -> count
    seconds: float = 0.0


@dataclass
class Setup:
    """How the run is set up; the report describes it."""

    latency_ms: int
    high_latency_ms: int
    workers: int
    threads: int
    views: int
    quick: bool
    baseline_rev: str
    baseline_label: str
    postgres: bool
    redis: bool
    keys: str
    rate_seconds: float
    connects: int
    users: int
    outage_views: int
    notes: list[str] = field(default_factory=list)


# ----- the run -------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    setup = make_setup(args)
    results = []
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        baseline_tree = stack.enter_context(baseline_worktree(setup.baseline_rev, scratch))
        for design, tree in (("old", baseline_tree), ("new", ROOT)):
            name = (
                f"Baseline: the old design ({setup.baseline_label})"
                if design == "old"
                else "New design (this tree)"
            )
            print(f"\n== {name}", flush=True)
            began = time.monotonic()
            figures = Figures(name, "baseline" if design == "old" else "new")
            measure(figures, design, tree, setup, scratch)
            figures.seconds = time.monotonic() - began
            results.append(figures)
        # Push notifications, on this tree alone. bench_push uses this module by its name.
        sys.modules.setdefault("bench", sys.modules[__name__])
        import bench_push

        push = bench_push.measure(setup, scratch)
    total = time.monotonic() - started
    report = render(results, setup, total) + "\n".join(["", *bench_push.render(push, setup), ""])
    print("\n" + report)
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text(report)
    print(f"wrote {out.relative_to(ROOT)} ({total / 60:.1f} minutes)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="the old design's commit")
    parser.add_argument("--latency-ms", type=int, default=50, help="upstream latency L")
    parser.add_argument("--high-latency-ms", type=int, default=200, help="the second L")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--views", type=int, default=200, help="views per concurrency-1 run")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL answers")
    parser.add_argument(
        "--quick", action="store_true", help="short runs to try the script (figures mean little)"
    )
    return parser.parse_args()


def make_setup(args: argparse.Namespace) -> Setup:
    rev = git("rev-parse", "--verify", f"{args.baseline}^{{commit}}")
    label = git("log", "-1", "--format=%h, %cs", rev)
    postgres = False
    notes = []
    if not args.sqlite:
        try:
            engine = create_engine(POSTGRES_SERVER, connect_args={"connect_timeout": 3})
            with engine.connect():
                postgres = True
            engine.dispose()
        except Exception as exc:  # no server: fall back, and say so in the report
            print(f"PostgreSQL not reachable ({type(exc).__name__}); using SQLite, one worker")
    if not postgres:
        notes.append(
            "PostgreSQL did not answer (or --sqlite): SQLite databases, one gunicorn worker."
        )
    redis = shutil.which("redis-server") is not None
    if not redis:
        notes.append(
            "No redis-server on PATH: the new design's queue is a SQLite file (its consumer "
            "polls, so a first sync can wait longer), and the Cronofy budget and login limits "
            "are counted in each process's memory."
        )
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
        notes.append(f"Load average when the run began: {', '.join(load)} (1, 5, 15 minutes).")
    except OSError:
        pass
    if args.quick:
        notes.append("--quick: short runs and 100 users; these figures are not comparable.")
    return Setup(
        latency_ms=args.latency_ms,
        high_latency_ms=args.high_latency_ms,
        workers=args.workers if postgres else 1,
        threads=args.threads,
        views=30 if args.quick else args.views,
        quick=args.quick,
        baseline_rev=rev,
        baseline_label=label,
        postgres=postgres,
        redis=redis,
        keys=Fernet.generate_key().decode(),
        rate_seconds=15.0 if args.quick else 59.5,
        connects=3 if args.quick else 10,
        users=100 if args.quick else USERS,
        outage_views=200 if args.quick else 2 * USERS,
        notes=notes,
    )


def git(*arguments: str) -> str:
    return subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", *arguments],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@contextmanager
def baseline_worktree(rev: str, scratch: Path):
    """The old design checked out on its own, removed again at the end."""
    path = scratch / "baseline"
    git("worktree", "add", "--detach", str(path), rev)
    try:
        yield path
    finally:
        git("worktree", "remove", "--force", str(path))


def measure(figures: Figures, design: str, tree: Path, setup: Setup, scratch: Path) -> None:
    with ExitStack() as stack:
        servers = start_servers(stack, design, tree, setup, scratch)
        run(
            figures,
            design != "old",
            servers.app_url,
            servers.sandbox,
            servers.db,
            setup,
            servers.meter,
        )


@dataclass
class Servers:
    """One design's processes, running: the app, its worker, the sandbox, their database."""

    app_url: str
    sandbox: str  # the sandbox's API host, where its controls are
    db: "Database"
    meter: "CpuMeter"
    app_log: Path  # the app's stderr: its log lines


def start_servers(
    stack: ExitStack,
    design: str,
    tree: Path,
    setup: Setup,
    scratch: Path,
    settings: dict[str, str] | None = None,
) -> Servers:
    """Start a design from `tree` (and this tree's sandbox) until `stack` closes.

    Every design but "old" gets a worker, on Redis when there is one. `settings` are the
    app's environment on top of the bench's own.
    """
    new = design != "old"
    database = fresh_database(setup, design, scratch, stack)
    app_port, sandbox_app_port, sandbox_api_port = free_port(), free_port(), free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    sandbox = f"http://127.0.0.1:{sandbox_api_port}"
    env = server_environment(setup.keys, database, app_url, sandbox_app_port, sandbox_api_port)
    env |= {key: value.format(app_url=app_url) for key, value in (settings or {}).items()}
    meter = CpuMeter(database)
    if new:
        if setup.redis:
            redis = stack.enter_context(RedisServer())
            meter.add("Redis", redis.process)
            env["RATELIMIT_STORAGE_URI"] = redis.url
            env["TASK_QUEUE_URL"] = redis.url.replace("/0", "/1")
        else:
            env["TASK_QUEUE_URL"] = f"sqlite:///{scratch / f'{design}-tasks.db'}"
    run_logged(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        tree,
        env,
        scratch / f"{design}-migrate.log",
    )
    # The sandbox is the instrument: one process (one state), none of the app's
    # gunicorn.conf.py. The app runs with its tree's gunicorn.conf.py (access log on).
    sandbox_cmd = [
        *gunicorn("sandbox.wsgi:app", [sandbox_app_port, sandbox_api_port], 1, 192),
        "--config=/dev/null",
    ]
    service = stack.enter_context(
        Service(sandbox_cmd, ROOT, env, scratch / f"{design}-sandbox.log").ready(
            f"{sandbox}/_sandbox/settings"
        )
    )
    meter.add("sandbox", service.process)
    if new:
        worker_cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        service = stack.enter_context(
            Service(worker_cmd, tree, env, scratch / f"{design}-worker.log")
        )
        meter.add("worker", service.process)
    app_cmd = gunicorn("wsgi:app", [app_port], setup.workers, setup.threads)
    app_log = scratch / f"{design}-app.log"
    service = stack.enter_context(
        Service(app_cmd, tree, env, app_log).ready(f"{app_url}/auth/login")
    )
    meter.add("app (gunicorn)", service.process)
    control(sandbox, "PATCH", "settings", {"latency_ms": setup.latency_ms, "page_size": 100})
    db = Database(database)
    stack.callback(db.dispose)
    return Servers(app_url, sandbox, db, meter, app_log)


def server_environment(
    keys: str, database: str, app_url: str, sandbox_app_port: int, sandbox_api_port: int
) -> dict[str, str]:
    """What the app, its worker and the sandbox see: this environment without the settings
    it must not pass on, and the app pointed at the sandbox with the sandbox's published
    credentials (the sandbox, given none, uses the same ones)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED)}
    env.pop("PYTHONPATH", None)
    return env | {
        "APP_CONFIG": "development",
        "SECRET_KEY": SECRET_KEY,
        "TOKEN_ENCRYPTION_KEYS": keys,
        "DATABASE_URL": database,
        "CRONOFY_CLIENT_ID": sandbox_defaults.CLIENT_ID,
        "CRONOFY_CLIENT_SECRET": sandbox_defaults.CLIENT_SECRET,
        "CRONOFY_APP_URL": f"http://127.0.0.1:{sandbox_app_port}",
        "CRONOFY_API_URL": f"http://127.0.0.1:{sandbox_api_port}",
        "SANDBOX_APP_PORT": str(sandbox_app_port),
        "SANDBOX_API_PORT": str(sandbox_api_port),
        "SANDBOX_REDIRECT_URIS": f"{app_url}{sandbox_defaults.CALLBACK_PATH}",
    }


def fresh_database(setup: Setup, design: str, scratch: Path, stack: ExitStack) -> str:
    if setup.postgres:
        name = f"calendar_connect_bench_{design}"
        url = fresh_postgres_database(POSTGRES_SERVER, name)
        stack.callback(drop_postgres_database, POSTGRES_SERVER, name)
        return url
    return f"sqlite:///{scratch / f'{design}.db'}"


def run(figures: Figures, new: bool, app_url: str, sandbox: str, db, setup: Setup, meter) -> None:
    """Every measurement, in an order that leaves each the state it needs."""
    L, high = setup.latency_ms, setup.high_latency_ms

    visitor = register_and_connect(app_url, "bench@example.com", PASSWORD)
    visitor.reload_until(CALENDARS_SHOWN, timeout=30)  # new design: the first sync landed
    me = db.user_id("bench@example.com")
    cookies = [visitor.session.cookies.get_dict()]
    views(app_url, cookies, 2 * CONCURRENCY, CONCURRENCY)  # warm up every worker and pool
    views(app_url, cookies, 10, 1)

    # 1. Cronofy requests in steady state: the copy is fresh (the new design's first sync
    # has just landed), the token valid.
    with RequestLog(sandbox) as log:
        views(app_url, cookies, 1000, CONCURRENCY)
    figures.calls_per_1000 = len(log.entries)
    paths = Counter(endpoint(e["path"]) for e in log.entries)
    figures.calls_by_path = {p: n / 1000 for p, n in sorted(paths.items())}
    say(f"Cronofy requests per 1,000 views: {figures.calls_per_1000}")

    # 2. Concurrency 1, at L and at the higher L. 3. Concurrency 32.
    figures.c1[L] = latencies(views(app_url, cookies, setup.views, 1))
    say(f"c=1, L={L}: p50 {ms(p50(figures.c1[L]))}, p95 {ms(p95(figures.c1[L]))}")
    count = CONCURRENCY * 20
    before = meter.read()
    start = time.perf_counter()
    figures.c32 = latencies(views(app_url, cookies, count, CONCURRENCY))
    figures.c32_rps = count / (time.perf_counter() - start)
    figures.cpu = {k: v / count for k, v in meter.since(before).items()}
    say(f"c=32, L={L}: {figures.c32_rps:.0f} views/s")
    say("CPU per view: " + ", ".join(f"{k} {ms(v)}" for k, v in figures.cpu.items()))
    control(sandbox, "PATCH", "settings", {"latency_ms": high})
    views(app_url, cookies, 5, 1)
    figures.c1[high] = latencies(views(app_url, cookies, setup.views, 1))
    say(f"c=1, L={high}: p50 {ms(p50(figures.c1[high]))}, p95 {ms(p95(figures.c1[high]))}")
    start = time.perf_counter()
    latencies(views(app_url, cookies, count, CONCURRENCY))
    figures.c32_rps_high = count / (time.perf_counter() - start)
    say(f"c=32, L={high}: {figures.c32_rps_high:.0f} views/s")
    control(sandbox, "PATCH", "settings", {"latency_ms": L})

    # A storm: the token has expired (and, new design, the copy is stale) when 32 views
    # arrive at once. Then the new design's worker gets the copy fresh again.
    db.expire_tokens(me)
    control(sandbox, "POST", "expire-tokens")
    if new:
        db.make_stale(db.connection_ids(me))
    storm_start = datetime.now(UTC)
    with RequestLog(sandbox) as log:
        storm = views(app_url, cookies, CONCURRENCY, CONCURRENCY)
        if new:
            wait_until(lambda: db.synced_since(me, storm_start), "the storm's sync")
            time.sleep(0.5)  # anything else queued would run now
    figures.storm_refreshes = sum(1 for e in log.entries if e["grant_type"] == "refresh_token")
    figures.storm_reads = sum(1 for e in log.entries if e["path"].startswith("/v1/"))
    figures.storm_whole = sum(1 for v in storm if v.whole)
    say(f"storm: {figures.storm_refreshes} refreshes, {figures.storm_reads} reads")

    # 6. Connecting: from pressing Allow to a dashboard showing the calendars.
    figures.connects = [connect_time(app_url, n) for n in range(setup.connects)]
    say(f"connect -> calendars: p50 {ms(p50(figures.connects))}")

    # 4. 1,000 users with connections (and, new design, copies), as copies of this one.
    figures.one_user_p50 = p50(latencies(views(app_url, cookies, setup.views, 1)))
    users = db.add_users(me, setup.users - 1)
    everyone = [cookies[0], *(session_cookie(user) for user in users)]
    sample = [everyone[0], *random.sample(everyone[1:], min(50, len(users)))]
    checked = views(app_url, sample, len(sample), 8)
    if not all(v.whole for v in checked):
        raise SystemExit("a sampled user's dashboard does not show the calendars")
    figures.sample_checked = len(sample)
    views(app_url, cookies, 5, 1)
    figures.many_users_p50 = p50(latencies(views(app_url, cookies, setup.views, 1)))
    say(f"{setup.users} users: every sampled dashboard ({len(sample)}) shows the calendars")

    limits = {
        "rate_limits": True,
        "rate_limit_per_second": PER_SECOND,
        "rate_limit_per_minute": PER_MINUTE,
    }
    control(sandbox, "PATCH", "settings", limits)
    if new:
        figures.rate_runs.append(driven_run(app_url, sandbox, everyone, setup))
    else:
        per_view = figures.calls_per_1000 / 1000
        ceiling = PER_MINUTE / per_view  # views a minute the limit allows, in theory
        for share in (0.95, 1.05):
            figures.rate_runs.append(
                paced_run(app_url, sandbox, everyone, ceiling * share, share, setup)
            )
    for r in figures.rate_runs:
        say(
            f"{r.label}: {r.per_minute:.0f} views/min, {r.errors} errors, "
            f"{r.rate_limited} of {r.calls} calls answered 429"
        )
    control(sandbox, "PATCH", "settings", {"rate_limits": False})

    # 5. An outage at Cronofy during load. The new design's copies are made stale first,
    # so the views ask for syncs and the worker's calls really fail.
    if new:
        db.make_stale()
    for path in CRONOFY_PATHS:
        control(sandbox, "POST", "faults", {"path": path, "status": 503, "count": 10_000})
    order = [n % len(everyone) for n in range(setup.outage_views)]
    with RequestLog(sandbox) as log:
        seen = views(app_url, [everyone[n] for n in order], len(order), 16)
        time.sleep(2 if new else 0)  # the worker's syncs meanwhile
    control(sandbox, "DELETE", "faults")
    figures.outage_views = list(zip(order, seen, strict=True))
    figures.outage_calls = Counter(e["status"] for e in log.entries)
    fivexx = sum(1 for v in seen if v.status >= 500)
    shown = sum(1 for v in seen if v.calendars)
    say(f"outage: {fivexx} 5xx, {shown} of {len(seen)} views show the calendars")


# ----- servers -------------------------------------------------------------------------------


class Service:
    """A server or worker as its own process, its stderr kept in a log; stopped on exit."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.command, self.cwd, self.env, self.log = command, cwd, env, log
        self.process: subprocess.Popen | None = None
        self.url: str | None = None

    def ready(self, url: str) -> "Service":
        self.url = url
        return self

    def __enter__(self) -> "Service":
        with self.log.open("wb") as errors:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own commands
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.DEVNULL,  # e.g. gunicorn's access log
                stderr=errors,
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                self.fail("exited while starting")
            if self.url is None:
                time.sleep(1.0)  # a worker: give it a moment to fail if it is going to
                if self.process.poll() is not None:
                    self.fail("exited while starting")
                return self
            try:
                requests.get(self.url, timeout=1)
                return self
            except requests.RequestException:
                if time.monotonic() > deadline:
                    self.fail("did not come up")
                time.sleep(0.1)

    def fail(self, what: str) -> None:
        self.__exit__()
        tail = self.log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(self.command[:4])} {what}:\n{tail}")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def run_logged(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    with log.open("wb") as out:
        done = subprocess.run(  # noqa: S603 - the project's own command
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{log.read_text()[-3000:]}")


def gunicorn(target: str, ports: list[int], workers: int, threads: int) -> list[str]:
    binds = [f"--bind=127.0.0.1:{port}" for port in ports]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        *binds,
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--keep-alive=30",
        target,
    ]


def control(api_url: str, method: str, what: str, body: dict | None = None):
    response = requests.request(method, f"{api_url}/_sandbox/{what}", json=body, timeout=30)
    response.raise_for_status()
    return response.json() if response.content else None


class RequestLog:
    """Every request the sandbox logs while the block runs.

    The sandbox keeps only its newest 1,000 entries, so a thread reads the log every half
    second and keeps each entry once.
    """

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self._seen: dict[tuple, dict] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @property
    def entries(self) -> list[dict]:
        return sorted(self._seen.values(), key=lambda e: e["started_at"])

    def _read(self) -> None:
        for e in control(self.api_url, "GET", "requests")["requests"]:
            self._seen[(e["started_at"], e["client_port"], e["path"], e["method"])] = e

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self._read()

    def __enter__(self) -> "RequestLog":
        control(self.api_url, "DELETE", "requests")
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()


class CpuMeter:
    """CPU time used by each of the run's processes, and by everything else on the machine.

    Read from /proc (Linux); elsewhere every reading is empty.
    """

    def __init__(self, database_url: str) -> None:
        self.roots: dict[str, int] = {}
        # PostgreSQL names each backend's database in its process title.
        self.database = database_url.rsplit("/", 1)[-1] if "postgresql" in database_url else None
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def add(self, name: str, process) -> None:
        if process is not None:
            self.roots[name] = process.pid

    def read(self) -> dict[str, dict[int, float]]:
        """{group: {pid: CPU seconds}}, and the machine's busy seconds under "machine"."""
        try:
            stats = {
                int(p.name): self._stat(p) for p in Path("/proc").iterdir() if p.name.isdigit()
            }
            busy = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except OSError:
            return {}
        stats = {pid: st for pid, st in stats.items() if st is not None}
        parents = {pid: st[0] for pid, st in stats.items()}

        def under(root: int, pid: int) -> bool:
            while pid > 1:
                if pid == root:
                    return True
                pid = parents.get(pid, 0)
            return False

        groups: dict[str, dict[int, float]] = {name: {} for name in self.roots}
        groups["load generator (this script)"] = {}
        groups["database"] = {}
        for pid, (_, seconds, title) in stats.items():
            name = next((n for n, root in self.roots.items() if under(root, pid)), None)
            if pid == os.getpid():
                name = "load generator (this script)"
            elif name is None and self.database and title.startswith("postgres:"):
                name = "database" if f" {self.database} " in title else None
            if name is not None:
                groups[name][pid] = seconds
        # user nice system idle iowait irq softirq steal: busy is this machine's own work
        # (not idle, not waiting on disks, not time the hypervisor gave to other machines).
        groups["machine"] = {0: (sum(busy[:3]) + busy[5] + busy[6]) / self.tick}
        return groups

    def _stat(self, path: Path) -> tuple[int, float, str] | None:
        try:
            fields = (path / "stat").read_text().rsplit(")", 1)[1].split()
            title = (path / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            return None
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick, title

    def since(self, before: dict[str, dict[int, float]]) -> dict[str, float]:
        """CPU seconds per group since `before`; "others on this machine" is the rest."""
        after = self.read()
        if not after or not before:
            return {}
        used = {
            name: sum(s - before.get(name, {}).get(pid, 0.0) for pid, s in pids.items())
            for name, pids in after.items()
        }
        machine = used.pop("machine")
        used = {name: seconds for name, seconds in used.items() if seconds > 0}
        used[OTHERS] = max(0.0, machine - sum(used.values()))
        return used


# ----- the database, directly ------------------------------------------------------------------


class Database:
    """The bench's own access to a design's database, through its tables as they are.

    The old design's schema is not this tree's, so nothing here uses the app's models.
    """

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.meta = MetaData()
        self.meta.reflect(self.engine)
        self.sqlite = self.engine.dialect.name == "sqlite"

    def table(self, name: str):
        return self.meta.tables[name]

    def now(self, delta: timedelta = timedelta()) -> datetime:
        moment = datetime.now(UTC) + delta
        return moment.replace(tzinfo=None) if self.sqlite else moment

    def dispose(self) -> None:
        self.engine.dispose()

    def user_id(self, email: str) -> int:
        users = self.table("users")
        with self.engine.connect() as conn:
            return conn.scalar(select(users.c.id).where(users.c.email == email))

    def connection_ids(self, user_id: int) -> list[int]:
        connections = self.table("cronofy_connections")
        with self.engine.connect() as conn:
            return list(
                conn.scalars(select(connections.c.id).where(connections.c.user_id == user_id))
            )

    def expire_tokens(self, user_id: int) -> None:
        """The stored access token expired a moment ago (the sandbox is told separately)."""
        connections = self.table("cronofy_connections")
        with self.engine.begin() as conn:
            conn.execute(
                update(connections)
                .where(connections.c.user_id == user_id)
                .values(expires_at=self.now(timedelta(seconds=-5)))
            )

    def make_stale(self, connection_ids: list[int] | None = None) -> None:
        """Every copy (or these connections' copies) was last synced an hour ago."""
        snapshots = self.table("snapshots")
        statement = update(snapshots).values(synced_at=self.now(timedelta(hours=-1)))
        if connection_ids is not None:
            statement = statement.where(snapshots.c.connection_id.in_(connection_ids))
        with self.engine.begin() as conn:
            conn.execute(statement.where(snapshots.c.synced_at.is_not(None)))

    def synced_since(self, user_id: int, moment: datetime) -> bool:
        """The user's copies were synced after `moment`, and no sync is wanted or running."""
        connections, snapshots = self.table("cronofy_connections"), self.table("snapshots")
        with self.engine.connect() as conn:
            busy = conn.scalar(
                select(connections.c.id).where(
                    connections.c.user_id == user_id,
                    (connections.c.sync_wanted_at.is_not(None))
                    | (connections.c.sync_lease_until.is_not(None)),
                )
            )
            stamps = conn.scalars(
                select(snapshots.c.synced_at)
                .join(connections, connections.c.id == snapshots.c.connection_id)
                .where(connections.c.user_id == user_id)
            ).all()
        moment = moment.replace(tzinfo=None) if self.sqlite else moment
        return busy is None and bool(stamps) and all(s and s > moment for s in stamps)

    def add_users(self, user_id: int, count: int) -> list[int]:
        """`count` more users, each with a copy of this user's connection (and its copied
        data): the same encrypted tokens and rows, so every one of them sees the same
        calendars. Returns their ids."""
        users = self.table("users")
        connections = self.table("cronofy_connections")
        with self.engine.begin() as conn:
            me = dict(conn.execute(select(users).where(users.c.id == user_id)).mappings().one())
            mine = [
                dict(row)
                for row in conn.execute(
                    select(connections).where(connections.c.user_id == user_id)
                ).mappings()
            ]
            snapshots = self.meta.tables.get("snapshots")  # the old design has none
            copied = []
            if snapshots is not None:
                copied = [
                    dict(row)
                    for row in conn.execute(
                        select(snapshots).where(
                            snapshots.c.connection_id.in_([c["id"] for c in mine])
                        )
                    ).mappings()
                ]
            conn.execute(
                insert(users),
                [{**without_id(me), "email": f"filler{n:05d}@example.com"} for n in range(count)],
            )
            ids = list(
                conn.scalars(
                    select(users.c.id).where(users.c.email.like("filler%")).order_by(users.c.id)
                )
            )
            conn.execute(
                insert(connections),
                [{**without_id(c), "user_id": user} for user in ids for c in mine],
            )
            if snapshots is None:
                return ids
            theirs = conn.execute(
                select(connections.c.id, connections.c.account_id).where(
                    connections.c.user_id.in_(ids)
                )
            ).all()
            source = {c["account_id"]: c["id"] for c in mine}
            now = self.now()
            rows = [
                {
                    **without_id(row),
                    "connection_id": connection_id,
                    "synced_at": now if row["synced_at"] else None,
                }
                for connection_id, account_id in theirs
                for row in copied
                if row["connection_id"] == source[account_id]
            ]
            for chunk in range(0, len(rows), 1000):
                conn.execute(insert(snapshots), rows[chunk : chunk + 1000])
            return ids


def without_id(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "id"}


_serializer = None


def session_cookie(user_id: int) -> dict[str, str]:
    """A signed-in session for this user, signed by the app's own session serializer."""
    global _serializer
    if _serializer is None:
        app = create_app("testing", {"SECRET_KEY": SECRET_KEY})
        _serializer = app.session_interface.get_signing_serializer(app)
    return {"session": _serializer.dumps({"_user_id": str(user_id), "_fresh": False})}


# ----- load --------------------------------------------------------------------------------


_local = threading.local()


def http_session() -> requests.Session:
    """This thread's kept-alive connection to the app; it keeps no cookies of its own."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        _local.session = session
    return session


def view(app_url: str, cookies: dict[str, str]) -> View:
    start = time.perf_counter()
    try:
        response = http_session().get(f"{app_url}/dashboard", cookies=cookies, timeout=60)
    except requests.RequestException:
        return View(0, time.perf_counter() - start, False, True)
    elapsed = time.perf_counter() - start
    text = response.text
    return View(response.status_code, elapsed, CALENDARS_SHOWN in text, PROBLEM_SHOWN in text)


def views(app_url: str, cookies: list[dict[str, str]], count: int, concurrency: int) -> list[View]:
    """`count` dashboard views, `concurrency` at once, the users' cookies taken in turn."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda n: view(app_url, cookies[n % len(cookies)]), range(count)))


def latencies(seen: list[View]) -> list[float]:
    if not all(v.whole for v in seen):
        bad = next(v for v in seen if not v.whole)
        raise SystemExit(f"a dashboard view was not whole: {bad}")
    return [v.seconds for v in seen]


def next_minute() -> float:
    """Sleep until just after the sandbox's rate-limit minute turns (its clock is ours)."""
    start = (int(time.time()) // 60 + 1) * 60 + 0.1
    say(f"waiting {start - time.time():.0f} s for the next wall-clock minute")
    time.sleep(max(0.0, start - time.time()))
    return start


def paced_run(app_url, sandbox, everyone, per_minute, share, setup: Setup) -> RateRun:
    """Views at a steady rate, one user after another, for one whole rate-limit minute."""
    rate = per_minute / 60
    start = time.time() if setup.quick else next_minute()
    count = int(rate * setup.rate_seconds)

    def one(n: int) -> View:
        time.sleep(max(0.0, start + n / rate - time.time()))
        return view(app_url, everyone[n % len(everyone)])

    with RequestLog(sandbox) as log, ThreadPoolExecutor(max_workers=16) as pool:
        seen = list(pool.map(one, range(count)))
    seconds = count / rate
    label = f"{share:.0%} of the theoretical ceiling ({per_minute:.0f}/min offered)"
    return rate_run(label, seconds, seen, log)


def driven_run(app_url, sandbox, everyone, setup: Setup) -> RateRun:
    """Views as fast as 32 clients go, one user after another, for a minute."""
    seen: list[View] = []
    counter = iter(range(10**9))
    lock = threading.Lock()

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            v = view(app_url, everyone[n % len(everyone)])
            with lock:
                seen.append(v)

    with RequestLog(sandbox) as log:
        start = time.perf_counter()
        deadline = start + setup.rate_seconds
        threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
    return rate_run("as fast as 32 clients go", seconds, seen, log)


def rate_run(label: str, seconds: float, seen: list[View], log: RequestLog) -> RateRun:
    entries = log.entries
    limited = sum(1 for e in entries if e["rate_limited"] or e["status"] == 429)
    return RateRun(label, seconds, seen, len(entries), limited)


class SourceAddress(HTTPAdapter):
    """Connections from one loopback address: each person connecting comes from their own,
    so the app's per-address limits on registering and connecting apply as they would."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def connect_time(app_url: str, n: int) -> float:
    """Register, open the consent page; then time Allow until the calendars are shown."""
    visitor = Visitor()
    visitor.session.mount("http://", SourceAddress(f"127.0.{n // 200 + 1}.{n % 200 + 10}"))
    email = f"connect{n}@example.com"
    visitor.get(f"{app_url}/auth/register")
    visitor.press("Create account", email=email, password=PASSWORD, confirm=PASSWORD)
    visitor.press("Connect calendar")
    start = time.perf_counter()
    visitor.press("Allow", email=email)
    if f"Connected {email}." not in visitor.text:
        raise SystemExit(f"connecting {email} through the sandbox failed")
    deadline = start + 30
    while CALENDARS_SHOWN not in visitor.text:
        if time.perf_counter() > deadline:
            raise SystemExit(f"{email}'s calendars never appeared")
        time.sleep(0.05)
        visitor.get(f"{app_url}/dashboard")
    return time.perf_counter() - start


def wait_until(done: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def endpoint(path: str) -> str:
    return "/v1/events (next pages)" if path.startswith("/v1/events/pages/") else path


def say(message: str) -> None:
    print(f"  {message}", flush=True)


# ----- the report --------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def met(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def best_clean(runs: list[RateRun]) -> RateRun | None:
    clean = [r for r in runs if r.clean]
    return max(clean, key=lambda r: r.per_minute) if clean else None


def outage_share(figures: Figures) -> tuple[int, int, int, int]:
    """(views showing calendars, views, users always shown calendars, users)."""
    shown = sum(1 for _, v in figures.outage_views if v.calendars)
    by_user: dict[int, bool] = {}
    for user, v in figures.outage_views:
        by_user[user] = by_user.get(user, True) and v.calendars
    return shown, len(figures.outage_views), sum(by_user.values()), len(by_user)


def render(results: list[Figures], setup: Setup, total: float) -> str:
    old, new = results
    L, high = setup.latency_ms, setup.high_latency_ms
    backend = "PostgreSQL" if setup.postgres else "SQLite"
    queue = "Redis" if setup.redis else "SQLite"
    ratio = p50(new.c1[high]) / p50(new.c1[L])
    speedup = new.c32_rps / old.c32_rps
    old_best, new_best = best_clean(old.rate_runs), best_clean(new.rate_runs)
    old_over = [r for r in old.rate_runs if not r.clean]
    shown_new = outage_share(new)
    fivexx = {f.short: sum(1 for _, v in f.outage_views if v.status >= 500) for f in results}
    budget_l = 0.3 * L / 1000

    def row(label: str, fn, target: str = "", ok: bool | None = None) -> str:
        verdict = "" if ok is None else met(ok)
        return f"| {label} | {fn(old)} | {fn(new)} | {target} | {verdict} |"

    def rate(runs: list[RateRun]) -> str:
        best = best_clean(runs)
        text = f"{best.per_minute:.0f}/min" if best else "none of the runs"
        over = [r for r in runs if not r.clean]
        if over:
            text += "; " + "; ".join(
                f"at {r.per_minute:.0f}/min {r.rate_limited} x 429, {r.errors} errors"
                for r in over
            )
        return text

    endpoints = sorted(set(old.calls_by_path) | set(new.calls_by_path))
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); rerun it to refresh these figures. "
        "It measures the dashboard on a local copy (this tree) against the old design, "
        "where every view called Cronofy, in the same run.",
        "",
        f"- Machine: {machine()}.",
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {total / 60:.1f} minutes in all "
        f"(baseline {old.seconds / 60:.1f}, new design {new.seconds / 60:.1f}).",
        f"- *Baseline*: the old design, commit {setup.baseline_rev[:8]} ({setup.baseline_label})"
        ", checked out into a temporary git worktree and run from there on a database "
        "migrated with its own migrations. Every view reads calendars, profiles and events "
        "from Cronofy, in parallel over pooled connections (it was the shipped design).",
        "- *New design*: this tree. Views read the local, encrypted copy and make no Cronofy "
        f"call; one worker process (`flask --app wsgi worker`, 4 threads) on a {queue} queue "
        "keeps the copies fresh, under the shared Cronofy budget "
        "(45/s, 450/min; counted in Redis).",
        f"- Both: {backend}, a fresh database each; the app under gunicorn with its tree's "
        f"gunicorn.conf.py (access log on), {setup.workers} workers x {setup.threads} threads "
        "(gthread); this tree's sandbox under gunicorn (one process, keep-alive) with an "
        f"injected latency L = {L} ms on every Cronofy call (unless said otherwise) and "
        "events pages of 100, so each data set is one call. The load generator runs on the "
        f"same machine; everything shares its {os.cpu_count()} cores.",
        *[f"- {note}" for note in setup.notes],
        "",
        "## Figures",
        "",
        "| figure | baseline (old design) | new design | target (new design) | |",
        "|---|---|---|---|---|",
        row(
            "1. Cronofy requests per 1,000 dashboard views, steady state",
            lambda f: str(f.calls_per_1000),
            "0",
            new.calls_per_1000 == 0,
        ),
        row(
            f"2. dashboard p50, concurrency 1, L = {L} ms",
            lambda f: ms(p50(f.c1[L])),
            f"≤ 0.3 x L = {ms(budget_l)}",
            p50(new.c1[L]) <= budget_l,
        ),
        row(f"dashboard p95, concurrency 1, L = {L} ms", lambda f: ms(p95(f.c1[L]))),
        row(f"dashboard p50, concurrency 1, L = {high} ms", lambda f: ms(p50(f.c1[high]))),
        row(f"dashboard p95, concurrency 1, L = {high} ms", lambda f: ms(p95(f.c1[high]))),
        row(
            f"p50 at L = {high} ms / p50 at L = {L} ms",
            lambda f: f"{p50(f.c1[high]) / p50(f.c1[L]):.2f}",
            "≤ 1.10",
            ratio <= 1.10,
        ),
        row(
            f"3. views/s, concurrency 32, L = {L} ms",
            lambda f: f"{f.c32_rps:.0f}",
            f"≥ 3 x baseline = {3 * old.c32_rps:.0f}",
            speedup >= 3,
        ),
        row(
            "dashboard p50 / p95, concurrency 32", lambda f: f"{ms(p50(f.c32))} / {ms(p95(f.c32))}"
        ),
        row(
            f"views/s, concurrency 32, L = {high} ms",
            lambda f: f"{f.c32_rps_high:.0f}",
        ),
        row(
            "CPU per view, concurrency 32, all processes of the run (see below)",
            lambda f: ms(sum(v for k, v in f.cpu.items() if k != OTHERS)),
        ),
        row(
            f"4. highest dashboard rate with 0 errors and 0 upstream 429s, Cronofy's "
            f"limits on ({PER_SECOND}/s, {PER_MINUTE}/min), {setup.users:,} users",
            lambda f: rate(f.rate_runs),
            "0 errors and 0 429s as fast as it goes",
            new_best is not None and new_best is new.rate_runs[-1],
        ),
        row(
            "5. Cronofy outage under load: 5xx responses",
            lambda f: str(fivexx[f.short]),
            "0",
            fivexx["new"] == 0,
        ),
        row(
            "outage: views showing the last-known calendars",
            lambda f: "{} of {} ({:.0%})".format(*outage_share(f)[:2], share(outage_share(f))),
            "100% of users who had data",
            shown_new[2] == shown_new[3],
        ),
        row(
            "6. from pressing Allow to a dashboard with calendars, p50 / p95",
            lambda f: f"{ms(p50(f.connects))} / {ms(p95(f.connects))}",
        ),
        row(
            "token refreshes / Cronofy reads after 32 simultaneous views of an expired "
            "token (new design: and a stale copy)",
            lambda f: f"{f.storm_refreshes} / {f.storm_reads} ({f.storm_whole} of 32 views whole)",
            "1 refresh",
            new.storm_refreshes == 1,
        ),
        row(
            f"dashboard p50, concurrency 1: with {setup.users:,} users / with 1",
            lambda f: f"{f.many_users_p50 / f.one_user_p50:.2f}",
        ),
        "",
        "Cronofy requests per view, by endpoint (steady state): "
        + "; ".join(
            f"`{e}` {old.calls_by_path.get(e, 0):.2f} (baseline), "
            f"{new.calls_by_path.get(e, 0):.2f} (new)"
            for e in endpoints
        )
        + ("." if endpoints else "none."),
        "",
        "### 3. Where the CPU went at concurrency 32",
        "",
        f"CPU time per view during the concurrency-32 run at L = {L} ms, read from /proc; "
        f'"{OTHERS}" is whatever else ran on the machine meanwhile (other work that '
        "competed for the same cores).",
        "",
        "| process | baseline | new design |",
        "|---|---|---|",
        *[
            f"| {name} | {ms(old.cpu.get(name, 0.0))} | {ms(new.cpu.get(name, 0.0))} |"
            for name in cpu_rows(old, new)
        ],
        "",
        "### 4. Rate-limited runs",
        "",
        f"The sandbox enforced Cronofy's limits ({PER_SECOND} a second, {PER_MINUTE} a minute, "
        "all users together, counted in fixed wall-clock seconds and minutes) while "
        f"dashboards were viewed by {setup.users:,} users in turn (signed-in sessions of "
        "users inserted as copies of the measured one, with the same encrypted tokens and, "
        f"in the new design, copied snapshots; {old.sample_checked} sampled dashboards of each "
        "design were checked to show the calendars first). An error is any view that is not "
        "a 200 showing the calendars without a problem notice.",
        "",
        "| design | run | views | views/min | errors | Cronofy requests | of them 429 |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {f.short} | {r.label}, {r.seconds:.1f} s | {len(r.views)} | "
            f"{r.per_minute:.0f} | {r.errors} | {r.calls} | {r.rate_limited} |"
            for f in results
            for r in f.rate_runs
        ],
        "",
        "### 5. Outage",
        "",
        "Every Cronofy path answered 503 while "
        f"{setup.outage_views:,} dashboards were viewed, 16 at a time, each of the "
        f"{setup.users:,} users in turn. The new design's copies had been made stale first "
        "(synced an hour ago), so the views asked for syncs and the worker's reads failed.",
        "",
        "| design | views | 5xx | views showing calendars | users shown their calendars "
        "on every view | Cronofy requests (by status) |",
        "|---|---|---|---|---|---|",
        *[
            f"| {f.short} | {len(f.outage_views)} | {fivexx[f.short]} | "
            f"{outage_share(f)[0]} | {outage_share(f)[2]} of {outage_share(f)[3]} | "
            + ", ".join(f"{n} x {status}" for status, n in sorted(f.outage_calls.items()))
            + " |"
            for f in results
        ],
        "",
        "## Reading the figures",
        "",
    ]
    lines += reading(old, new, setup, ratio, speedup, old_best, new_best, old_over)
    lines.append("")
    return "\n".join(lines)


OTHERS = "others on this machine"


def cpu_rows(old: Figures, new: Figures) -> list[str]:
    names = list(dict.fromkeys([*old.cpu, *new.cpu]))
    return [n for n in names if n != OTHERS] + ([OTHERS] if OTHERS in names else [])


def share(counts: tuple[int, int, int, int]) -> float:
    return counts[0] / counts[1] if counts[1] else 0.0


def reading(old, new, setup, ratio, speedup, old_best, new_best, old_over) -> list[str]:
    L, high = setup.latency_ms, setup.high_latency_ms
    per_view = old.calls_per_1000 / 1000
    ceiling = PER_MINUTE / per_view if per_view else 0
    notes = [
        f"- **1. Requests.** The baseline makes {per_view:.2f} Cronofy requests per view "
        f"(calendars, profiles, events); the new design made {new.calls_per_1000} in 1,000 "
        "views of a fresh copy. That is the steady state while copies are younger than "
        "CRONOFY_SYNC_MAX_AGE (300 s): after that, the next view of a connection asks the "
        "worker for one sync (three reads, and a token refresh when one is due), however "
        "many views follow, so Cronofy calls follow connections viewed, not views.",
        f"- **2. Latency.** The baseline waits on Cronofy in every view, so its p50 grows "
        f"with L (x{p50(old.c1[high]) / p50(old.c1[L]):.1f} from {L} to {high} ms). The new "
        f"design's views do not wait on Cronofy: p50 {ms(p50(new.c1[L]))} at L = {L} ms "
        f"and {ms(p50(new.c1[high]))} at {high} ms (ratio {ratio:.2f}). What remains is the "
        "app's own work (the session, four queries, decrypting and parsing the copy, "
        "building and rendering the page) plus gunicorn's and the client's HTTP handling.",
    ]
    own_old = sum(v for k, v in old.cpu.items() if k != OTHERS)
    own_new = sum(v for k, v in new.cpu.items() if k != OTHERS)
    app_old, app_new = old.cpu.get("app (gunicorn)", 0.0), new.cpu.get("app (gunicorn)", 0.0)
    verdict = "met" if speedup >= 3 else "missed"
    text = (
        f"- **3. Throughput (target {verdict}).** At concurrency 32 and L = {L} ms the new "
        f"design served {new.c32_rps:.0f} views/s, {speedup:.1f}x the baseline's "
        f"{old.c32_rps:.0f}; the target is 3x. "
    )
    if own_old and own_new:
        others = max(new.cpu.get(OTHERS, 0.0), old.cpu.get(OTHERS, 0.0))
        text += (
            f"Here both designs are bound by CPU ({os.cpu_count()} cores for the app, the "
            "sandbox, the database and the load generator): per view, the run's processes "
            f"used {ms(own_old)} of CPU in the baseline (the app {ms(app_old)}, the sandbox "
            f"{ms(old.cpu.get('sandbox', 0.0))}) and {ms(own_new)} in the new design (the app "
            f"{ms(app_new)}). A view of the copy still costs the app's own work: the session, "
            "four queries, decrypting and parsing the copy, building and rendering the page, "
            "all of which the old design did too, before its upstream calls. So where CPU is "
            f"the bound the speed-up is about {own_old / own_new:.1f}x, and 3x would need a "
            f"whole view to cost {ms(own_old / 3)}"
            + (", less than the app's own part alone. " if own_old / 3 < app_new else ". ")
        )
        if others > 0.0005:
            text += (
                f"Other work on the machine took {ms(old.cpu.get(OTHERS, 0.0))} (baseline) and "
                f"{ms(new.cpu.get(OTHERS, 0.0))} (new design) of CPU per view from the same "
                "cores, which lowers both figures. "
            )
        cores = os.cpu_count() or 1
        text += (
            f"With the {cores} cores to themselves, that CPU per view would allow about "
            f"{cores / own_old:.0f} (baseline) and {cores / own_new:.0f} (new design) views/s. "
        )
    bound = setup.workers * OLD_PARALLEL_CALLS / (high / 1000) / per_view if per_view else 0
    text += (
        f"Where the baseline is bound by waiting, not CPU, the ratio is larger: at L = {high} "
        f"ms its views queue for each process's pool of {OLD_PARALLEL_CALLS} parallel Cronofy "
        f"calls ({setup.workers} x {OLD_PARALLEL_CALLS} / {high / 1000:g} s / {per_view:.0f} "
        f"calls ≈ {bound:.0f} views/s), and it served {old.c32_rps_high:.0f} views/s against "
        f"the new design's {new.c32_rps_high:.0f} "
        f"({new.c32_rps_high / old.c32_rps_high:.1f}x)."
    )
    notes.append(text)
    over = "; ".join(
        f"at {r.per_minute:.0f}/min, {r.rate_limited} of {r.calls} requests were answered "
        f"429 and {r.errors} views showed an error"
        for r in old_over
    )
    notes.append(
        f"- **4. Under Cronofy's limits.** With {per_view:.0f} requests per view, the "
        f"baseline can serve at most {PER_MINUTE} / {per_view:.0f} ≈ {ceiling:.0f} views a "
        "minute for all users together: "
        + (f"it stayed clean at {old_best.per_minute:.0f}/min; " if old_best else "")
        + (over or "no run went over")
        + ". The new design's views do not spend Cronofy's allowance: "
        + (
            f"{new_best.per_minute:.0f} views/min ({new_best.per_minute / 60:.0f}/s) with "
            f"{new_best.calls} Cronofy requests and no 429, bound by CPU"
            if new_best
            else "its run had errors or 429s (see the table)"
        )
        + ". Its background syncs are held under the limits by the shared budget."
    )
    o_old, o_new = outage_share(old), outage_share(new)
    notes.append(
        f"- **5. Outage.** Neither design answers 5xx when Cronofy fails. The baseline has "
        f"nothing to show but the error: {o_old[0]} of {o_old[1]} views showed calendars. The "
        f"new design showed the last-known calendars in {o_new[0]} of {o_new[1]} views "
        f"({o_new[2]} of {o_new[3]} users on every view), marked with the time of the copy "
        "and the reason it is not newer. The views of stale copies asked for syncs, and the "
        f"worker's {sum(new.outage_calls.values())} requests were answered "
        + ", ".join(f"{n} x {status}" for status, n in sorted(new.outage_calls.items()))
        + " (background syncs may spend 80% of the Cronofy budget, 360 of 450 a minute; "
        "syncs beyond it wait for budget). A page does not ask again for a part that "
        "failed in the last minute."
    )
    notes.append(
        f"- **6. Connecting.** In the baseline the dashboard after the callback reads "
        f"Cronofy itself (p50 {ms(p50(old.connects))}). In the new design it says "
        '"Syncing your calendars" until the worker\'s first sync lands; the bench reloads '
        f"every 50 ms (p50 {ms(p50(new.connects))}, "
        f"{ms(p50(new.connects) - p50(old.connects))} more than the baseline: the worker takes "
        "the job from the queue, makes the same three reads, writes the copy, and the next "
        "reload finds it). A real browser's page first polls after 500 ms, so a person sees "
        "the calendars up to half a second later than that. The p95 of "
        f"{len(new.connects)} connects is close to their slowest."
    )
    notes.append(
        f"- **Storm.** 32 simultaneous views after the token expired: the baseline refreshed "
        f"{old.storm_refreshes} time(s) and read Cronofy {old.storm_reads} times (every view "
        f"reads); the new design's views read nothing, the worker refreshed "
        f"{new.storm_refreshes} time(s) and made {new.storm_reads} reads ("
        + (
            "one sync"
            if new.storm_reads <= 3
            else f"{new.storm_reads / 3:.0f} syncs: a view "
            "that asked while the first sync ran leaves its mark for one more"
        )
        + ")."
    )
    return notes


if __name__ == "__main__":
    main()
