"""Sustained booking throughput on PostgreSQL: concurrent clients booking distinct slots.

    .venv/bin/python bench/booking_bench.py [--db tandem_bench] [--layer service|http|both]
        [--clients 20] [--coaches 20] [--duration 15] [--web-workers 2]
        [--client lean|httpx] [--rate R] [--load-fraction 0.7] [--skip-insert]

Sets up its own data in the benchmark database (migrates it, and creates it if missing):
`--coaches` verified coaches open around the clock every day with a 30-minute session type,
and `--clients` client users with personal API tokens. Then, for `--duration` seconds, each
client books one distinct free slot after the other, as fast as it is answered:

- `service`: `--clients` worker processes (one database connection each) call
  `booking_create` with an Idempotency-Key, as the API does; the figure is the booking
  transaction itself (lock, availability check, insert, history, idempotency record, commit,
  the task enqueued in its transaction), without HTTP;
- `http`: uvicorn (started here, `--web-workers` processes, DEBUG off) serves the real
  API; one asyncio process holds the `--clients` concurrent clients, each on its own
  keep-alive connection with `Authorization: Bearer`. Against that one server it measures, in
  turn: the saturation rate (closed loop) of the trivial authenticated `GET /api/v1/me`; the
  saturation rate of `POST /api/v1/bookings` (with an Idempotency-Key); then bookings paced
  at `--load-fraction` (0.7) of that rate, for their latency. It prints both rates per web
  process, their ratio (target: booking >= 0.3 x /me) and the p99 at 70 % (target <= 100
  ms). With `--rate R` it runs only bookings paced at R. The figures include auth, routing,
  middleware, the response's own queries and the client, all on the same cores. The server
  runs the project's settings (a psycopg connection pool per process). The web workers' and
  the client's CPU per request are printed too.

  The client is hand-written HTTP/1.1 on asyncio streams (`LeanHTTP`) by default: real
  clients are not on the server's machine, and httpx spent ~1.4 ms of CPU per request here,
  taken from the server's two cores (the lean client ~0.2 ms). It is still strict: only a
  201 whose body is the confirmed booking (or a 200 with the profile) counts, any other
  status or a broken connection is an error. `--client httpx` measures with httpx instead.

Finally the same number of processes insert single rows into a plain table of the same
database for the same time (autocommit, psycopg directly): the database's own ceiling for
one-row write transactions here, and the booking rate is reported as a fraction of it.

Targets: service layer >= 200 bookings/s with p99 <= 100 ms; HTTP booking >= 0.3 x the /me
rate and p99 <= 100 ms at 70 % of its saturation. Exit status 0 when every measured layer
meets them, 1 otherwise. Bookings, history, idempotency records and tasks made by the
benchmark are deleted before each phase and at the end; the users, coaches and tokens are
kept for the next run. It refuses the database named `test` (the development and test one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing as mp
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchdb import database_url, ensure_database, free_port, percentile  # noqa: E402

THROUGHPUT_TARGET = 200.0  # bookings per second
P99_TARGET_MS = 100.0
RATIO_TARGET = 0.3  # HTTP bookings/s ÷ GET /api/v1/me per second, both at saturation
LOAD_FRACTION = 0.7  # of the booking saturation rate, where the HTTP p99 is measured
WARMUP = 3  # bookings per client before the clock starts (connections, caches, imports)
EMAIL_DOMAIN = "booking-bench.tandem.local"
INSERT_TABLE = "booking_bench_insert"
SERVER_LOG = Path("/tmp/booking_bench_uvicorn.log")
SLOT = timedelta(minutes=30)
TASK_PATHS = (
    "tandem.booking.tasks.booking_changed_task",
    "tandem.booking.tasks.expire_pending_task",
    "tandem.availability.tasks.refresh_next_available_task",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="tandem_bench", help="database name (default tandem_bench)")
    parser.add_argument(
        "--server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without the database name",
    )
    parser.add_argument("--layer", choices=["service", "http", "both"], default="both")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--coaches", type=int, default=20, help="coaches the clients book")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument(
        "--web-workers", type=int, default=2, help="uvicorn worker processes (default 2)"
    )
    parser.add_argument("--port", type=int, default=0, help="uvicorn port (default: a free one)")
    parser.add_argument(
        "--client",
        choices=["lean", "httpx"],
        default="lean",
        help="HTTP client: hand-written HTTP/1.1 on asyncio streams (default) or httpx",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="paced (open-loop) load: R bookings/s in all, spread evenly over the clients, "
        "latency measured from each request's scheduled time; 0 (default): closed loop, "
        "every client books again as soon as it is answered",
    )
    parser.add_argument(
        "--load-fraction",
        type=float,
        default=LOAD_FRACTION,
        help="HTTP without --rate: the paced phase runs at this fraction of the booking "
        f"saturation rate just measured (default {LOAD_FRACTION})",
    )
    parser.add_argument(
        "--shared-socket",
        action="store_true",
        help="uvicorn --workers N (one socket shared by the workers) instead of a socket per "
        "worker (tandem.core.webserver, what `manage.py serve` runs)",
    )
    parser.add_argument("--skip-insert", action="store_true", help="skip the INSERT baseline")
    args = parser.parse_args()
    if args.db == "test":
        sys.exit(
            "Refusing to benchmark the database named 'test' (the development/test one); "
            "use --db tandem_bench (the default)."
        )
    if args.clients < 1 or args.coaches < 1 or args.duration <= 0 or args.rate < 0:
        sys.exit("--clients and --coaches must be positive, --duration and --rate > 0")
    return args


def setup_django(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = database_url(args)
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    os.environ.pop("REDIS_URL", None)  # local-memory cache: the figure is the database's
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # One line per request from httpx would drown the figures.
    logging.getLogger("httpx").setLevel(logging.WARNING)


# --- data --------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Bench coaches (open 24/7, one 30-minute type) and clients with API tokens."""
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.db import transaction

    from tandem.accounts.models import ApiToken, CoachApplication, User
    from tandem.accounts.services import api_token_create
    from tandem.availability.models import WeeklyInterval
    from tandem.coaches.models import CoachProfile, SessionType

    call_command("migrate", verbosity=0, interactive=False)

    def user(email: str, name: str) -> User:
        found = User.objects.filter(email=email).first()
        if found:
            return found
        made = User.objects.create_user(
            email=email, password=None, display_name=name, timezone="UTC"
        )
        EmailAddress.objects.create(user=made, email=email, verified=True, primary=True)
        return made

    coaches = []
    with transaction.atomic():
        for i in range(args.coaches):
            coach_user = user(f"coach{i:03d}@{EMAIL_DOMAIN}", f"Bench Coach {i:03d}")
            profile = CoachProfile.objects.filter(user=coach_user).first()
            if profile is None:
                CoachApplication.objects.create(
                    user=coach_user,
                    headline="Benchmark coach",
                    status=CoachApplication.Status.APPROVED,
                )
                profile = CoachProfile.objects.create(
                    user=coach_user,
                    slug=f"booking-bench-{i:03d}",
                    headline="Benchmark coach",
                    timezone="UTC",
                    is_verified=True,
                    is_active=True,
                )
                WeeklyInterval.objects.bulk_create(
                    WeeklyInterval(coach=profile, weekday=d, start_minute=0, end_minute=1440)
                    for d in range(7)
                )
            session_type = SessionType.objects.filter(coach=profile, name="Bench").first()
            if session_type is None:
                session_type = SessionType.objects.create(
                    coach=profile,
                    name="Bench",
                    duration_minutes=30,
                    slot_step_minutes=30,
                    min_notice_minutes=0,
                    booking_window_days=366,
                    price=0,
                )
            coaches.append((profile.pk, session_type.pk, str(profile.public_id)))
        clients = []
        for i in range(args.clients):
            client = user(f"client{i:03d}@{EMAIL_DOMAIN}", f"Bench Client {i:03d}")
            ApiToken.objects.filter(user=client).delete()
            _, raw = api_token_create(user=client, name="booking bench")
            clients.append((client.pk, raw))
    types = dict(
        SessionType.objects.filter(pk__in=[t for _, t, _ in coaches]).values_list("pk", "public_id")
    )
    return {
        "coaches": [(c, t, ref, str(types[t])) for c, t, ref in coaches],
        "clients": clients,
    }


def reset_bookings() -> int:
    """Delete the bench coaches' bookings (with history and idempotency records) and the
    booking tasks waiting in the benchmark database (the bench runs no task worker)."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from tandem.booking.models import Booking, Hold

    bench = {"coach__user__email__endswith": f"@{EMAIL_DOMAIN}"}
    with transaction.atomic():
        deleted, _ = Booking.objects.filter(**bench).delete()
        Hold.objects.filter(**bench).delete()
        DBTaskResult.objects.filter(task_path__in=TASK_PATHS, status="READY").delete()
    vacuum()
    return deleted


def vacuum() -> None:
    """Reclaim the rows the last phase deleted before the next one is measured: an index
    scan still visits dead entries until (auto)vacuum runs, so without this each phase
    would pay for the one before it."""
    from django.db import connection

    tables = (
        "booking_booking",
        "booking_bookingevent",
        "booking_idempotencyrecord",
        "booking_hold",
        "django_tasks_database_dbtaskresult",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def slot_plan(args: argparse.Namespace, data: dict[str, Any]) -> list[tuple[int, int, int]]:
    """For client i: (coach index, first slot index, stride). Clients sharing a coach take
    interleaved slots, so no two clients ever ask for the same one."""
    plan = []
    for i in range(args.clients):
        coach = i % len(data["coaches"])
        sharing = [j for j in range(args.clients) if j % len(data["coaches"]) == coach]
        plan.append((coach, sharing.index(i), len(sharing)))
    return plan


def first_slot() -> datetime:
    """Tomorrow, 00:00 UTC: every slot after it is open (window 366 days, no notice)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


# --- measurement helpers ----------------------------------------------------------------


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []  # seconds, successes only
        self.errors: Counter[str] = Counter()
        self.elapsed = 0.0
        self.cpu: dict[str, float] = {}  # seconds of CPU during the measured time, by process
        self.spread: list[int] = []  # client connections held by each web worker

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000

    def report(self, unit: str, targets: bool) -> bool:
        rate_ok = self.rate >= THROUGHPUT_TARGET
        p99_ok = self.ms(0.99) <= P99_TARGET_MS
        errors = sum(self.errors.values())
        print(f"\n{self.name}")
        line = f"  {len(self.latencies)} {unit} in {self.elapsed:.1f} s: {self.rate:.0f} {unit}/s"
        if targets:
            line += f"   target >= {THROUGHPUT_TARGET:.0f}  {verdict(rate_ok)}"
        print(line)
        line = (
            f"  latency p50 {self.ms(0.50):.1f} ms, p95 {self.ms(0.95):.1f} ms, "
            f"p99 {self.ms(0.99):.1f} ms, max {self.ms(1.0):.1f} ms"
        )
        if targets:
            line += f"   target p99 <= {P99_TARGET_MS:.0f} ms  {verdict(p99_ok)}"
        print(line)
        detail = ", ".join(f"{k}: {v}" for k, v in self.errors.most_common())
        print(f"  errors: {errors}" + (f" ({detail})" if detail else ""))
        if self.cpu and self.latencies:
            per = ", ".join(
                f"{k} {v * 1000 / len(self.latencies):.2f} ms" for k, v in self.cpu.items()
            )
            print(f"  CPU per {unit.rstrip('s')}: {per}")
        if self.spread:
            print(f"  client connections per web worker: {' / '.join(map(str, self.spread))}")
        return rate_ok and p99_ok and errors == 0


def verdict(good: bool) -> str:
    return "ok" if good else "MISSED"


def run_processes(count: int, target: Any, args: tuple) -> tuple[list[Any], float]:
    """Start `count` processes running target(index, barrier, start_box, queue, *args);
    release them together; collect one result from each."""
    from django.db import connections

    connections.close_all()  # children open their own
    for connection in connections.all():
        # A pool's sockets would be inherited by every forked child and shared: close it.
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(count + 1)
    start_box = ctx.Value("d", 0.0)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(i, barrier, start_box, queue, *args)) for i in range(count)
    ]
    for proc in procs:
        proc.start()
    barrier.wait(timeout=120)  # everyone warmed up
    start_box.value = time.perf_counter()
    barrier.wait(timeout=10)  # go
    results = [queue.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    finished = max(r["finished"] for r in results)
    return results, finished - start_box.value


# --- service layer -----------------------------------------------------------------------


def service_worker(
    index: int,
    barrier: Any,
    start_box: Any,
    queue: Any,
    plan: tuple[int, int, int],
    data: dict[str, Any],
    duration: float,
    base: datetime,
    rate: float = 0,
    clients: int = 1,
) -> None:
    from tandem.accounts.models import User
    from tandem.booking import services
    from tandem.coaches.models import CoachProfile, SessionType

    coach_index, offset, stride = plan
    coach_pk, type_pk, _, _ = data["coaches"][coach_index]
    client = User.objects.get(pk=data["clients"][index][0])
    coach = CoachProfile.objects.select_related("user").get(pk=coach_pk)
    session_type = SessionType.objects.get(pk=type_pk)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    n = 0

    def book() -> None:
        nonlocal n
        start = base + SLOT * (offset + n * stride)
        n += 1
        services.booking_create(
            client=client,
            request=services.BookingRequest(coach=coach, session_type=session_type, start=start),
            idempotency_key=uuid.uuid4().hex,
        )

    for _ in range(WARMUP):
        book()
    barrier.wait()
    barrier.wait()
    deadline = start_box.value + duration
    pace = Pace(start_box.value, index, clients, rate)
    while time.perf_counter() < deadline:
        t0 = pace.next_start()
        time.sleep(max(0.0, t0 - time.perf_counter()))
        try:
            book()
        except Exception as exc:  # counted and reported, never hidden
            errors[type(exc).__name__] += 1
            continue
        latencies.append(time.perf_counter() - t0)
    queue.put({"latencies": latencies, "errors": errors, "finished": time.perf_counter()})


def paced(args: argparse.Namespace) -> str:
    return f", paced at {args.rate:g}/s" if args.rate else ""


class Pace:
    """When each request of one client is due.

    Closed loop (rate 0): now — the client books again as soon as it is answered. Paced:
    the client's k-th request is due at start + (index / clients + k) * clients / rate, so
    the clients together send `rate` requests per second, evenly interleaved. Latency is
    counted from that due time, not from when the request was actually sent: a server that
    falls behind is charged for the backlog (no "coordinated omission").
    """

    def __init__(self, start: float, index: int, clients: int, rate: float) -> None:
        self.interval = clients / rate if rate else 0.0
        self.due = start + index * self.interval / clients if rate else 0.0

    def next_start(self) -> float:
        if not self.interval:
            return time.perf_counter()
        due, self.due = self.due, self.due + self.interval
        return due


def measure_service(args: argparse.Namespace, data: dict[str, Any]) -> Result:
    result = Result(
        f"service layer: booking_create, {args.clients} processes, {len(data['coaches'])} coaches"
        + paced(args)
    )
    plan = slot_plan(args, data)
    base = first_slot()

    def target(i: int, barrier: Any, start_box: Any, queue: Any) -> None:
        service_worker(
            i,
            barrier,
            start_box,
            queue,
            plan[i],
            data,
            args.duration,
            base,
            args.rate,
            args.clients,
        )

    outcomes, result.elapsed = run_processes(args.clients, target, ())
    for outcome in outcomes:
        result.latencies.extend(outcome["latencies"])
        result.errors.update(outcome["errors"])
    reset_bookings()
    return result


# --- HTTP ------------------------------------------------------------------------------------


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    import httpx

    port = args.port or free_port()
    env = {**os.environ, "DATABASE_URL": database_url(args), "DEBUG": "false"}
    env.pop("REDIS_URL", None)
    cmd = [
        sys.executable, "-m", "uvicorn", "tandem.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
        "--workers", str(args.web_workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if args.web_workers > 1 and not args.shared_socket:
        # As `manage.py serve --workers N` runs them: a listening socket per worker.
        cmd = [
            sys.executable, "-m", "tandem.core.webserver", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(args.web_workers),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    # The server's log (tracebacks of any 500) goes to a file, not over the figures.
    with SERVER_LOG.open("w") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"uvicorn exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    sys.exit("uvicorn did not answer /healthz within 60 s")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes started by `pid`, but multiprocessing's resource tracker."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) != pid:
                continue
            with contextlib.suppress(OSError):
                if b"resource_tracker" not in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def connections_per_worker(workers: list[int], port: int) -> list[int]:
    """How many established client connections each web worker holds (Linux /proc): uvicorn's
    workers share one listening socket, and whichever wakes first accepts every connection
    waiting, so keep-alive clients that connect together are rarely split evenly."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    counts = []
    for pid in workers:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            links = []
        counts.append(sum(1 for link in links if link[8:-1] in inodes))
    return counts


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class LeanHTTP:
    """A keep-alive HTTP/1.1 connection on raw asyncio streams: writes a request by hand and
    reads the status line, the headers and a Content-Length (or chunked) body. No cookies,
    redirects or pools: a real client on another machine pays for those, not this server's
    cores (httpx costs ~1.4 ms of CPU per request here, a sixth of the server's budget)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        length = f"Content-Length: {len(body)}\r\n" if body or method != "GET" else ""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}"
            f"{length}\r\n".encode("latin-1")
            + body
        )
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        version, status, *_ = lines[0].split(" ", 2)
        if not version.startswith("HTTP/1."):
            raise ConnectionError(f"not an HTTP/1.x answer: {lines[0]!r}")
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            payload = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")  # no trailers expected
            payload = b"".join(c[:-2] for c in chunks)
        else:
            raise ConnectionError("answer without Content-Length or chunked body")
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return int(status), payload


# One HTTP request of one client: given the client's lean connection (or httpx client), it
# sends the next request and returns (status, body).
Send = Callable[[LeanHTTP, Any], Awaitable[tuple[int, bytes]]]


def booking_requests(args: argparse.Namespace, data: dict[str, Any]) -> list[Send]:
    """For each client: book its next distinct free slot (POST /api/v1/bookings)."""
    plan = slot_plan(args, data)
    base = first_slot()

    def for_client(i: int) -> Send:
        coach_index, offset, stride = plan[i]
        _, _, coach_ref, type_ref = data["coaches"][coach_index]
        auth = f"Bearer {data['clients'][i][1]}"
        n = 0

        async def send(lean: LeanHTTP, http: Any) -> tuple[int, bytes]:
            nonlocal n
            start = base + SLOT * (offset + n * stride)
            n += 1
            body = {"coach": coach_ref, "session_type": type_ref, "start": start.isoformat()}
            headers = {
                "Authorization": auth,
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            content = json.dumps(body).encode()
            if http is not None:
                answer = await http.post("/api/v1/bookings", content=content, headers=headers)
                return answer.status_code, answer.content
            return await lean.request("POST", "/api/v1/bookings", headers, content)

        return send

    return [for_client(i) for i in range(args.clients)]


def booked(status: int, payload: bytes) -> bool:
    """A 201 must carry the new, confirmed booking, not just the status."""
    return status == 201 and json.loads(payload).get("status") == "confirmed"


def me_requests(args: argparse.Namespace, data: dict[str, Any]) -> list[Send]:
    """For each client: the trivial authenticated read, GET /api/v1/me, same Bearer token."""

    def for_client(i: int) -> Send:
        headers = {"Authorization": f"Bearer {data['clients'][i][1]}"}

        async def send(lean: LeanHTTP, http: Any) -> tuple[int, bytes]:
            if http is not None:
                answer = await http.get("/api/v1/me", headers=headers)
                return answer.status_code, answer.content
            return await lean.request("GET", "/api/v1/me", headers)

        return send

    return [for_client(i) for i in range(args.clients)]


def answered_me(status: int, payload: bytes) -> bool:
    return status == 200 and "email" in json.loads(payload)


async def http_clients(
    url: str,
    args: argparse.Namespace,
    senders: list[Send],
    accepted: Callable[[int, bytes], bool],
    rate: float,
    result: Result,
    server_pid: int,
) -> None:
    """Each client sends its requests on its own keep-alive connection for --duration
    seconds (closed loop, or paced at `rate` in all); only accepted answers count."""
    import httpx

    go = asyncio.Event()
    ready = 0
    finished: list[float] = []
    host, port = url.removeprefix("http://").rsplit(":", 1)
    failures = (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ConnectionError)

    async def client(i: int) -> None:
        nonlocal ready
        lean = LeanHTTP(host, int(port))
        http = None if args.client == "lean" else httpx.AsyncClient(base_url=url, timeout=30)
        send = senders[i]
        try:
            for _ in range(WARMUP):
                status, payload = await send(lean, http)
                if not accepted(status, payload):
                    raise SystemExit(f"warm-up request failed: {status} {payload[:500]!r}")
            ready += 1
            await go.wait()
            deadline = start + args.duration
            pace = Pace(start, i, len(senders), rate)
            while time.perf_counter() < deadline:
                t0 = pace.next_start()
                await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
                try:
                    status, payload = await send(lean, http)
                except failures as exc:
                    result.errors[type(exc).__name__] += 1
                    await lean.close()  # a broken connection is not reused
                    continue
                if accepted(status, payload):
                    result.latencies.append(time.perf_counter() - t0)
                else:
                    result.errors[f"HTTP {status}"] += 1
        finally:
            await lean.close()
            if http is not None:
                await http.aclose()
        finished.append(time.perf_counter())

    tasks = [asyncio.create_task(client(i)) for i in range(len(senders))]
    while ready < len(senders):
        if any(t.done() for t in tasks):
            await asyncio.gather(*tasks)  # raises the warm-up failure
        await asyncio.sleep(0.05)
    workers = children(server_pid) or [server_pid]  # --web-workers 1: no supervisor
    result.spread = connections_per_worker(workers, int(port))
    cpu_before = sum(map(process_cpu, workers)), time.process_time()
    start = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    result.elapsed = max(finished) - start
    result.cpu = {
        "web workers": sum(map(process_cpu, workers)) - cpu_before[0],
        "client": time.process_time() - cpu_before[1],
    }


class HttpFigures:
    """The HTTP layer's phases against one running server."""

    def __init__(self) -> None:
        self.phases: list[Result] = []
        self.me: Result | None = None  # GET /api/v1/me, closed loop
        self.saturation: Result | None = None  # bookings, closed loop
        self.loaded: Result | None = None  # bookings paced at a fraction of saturation
        self.workers = 1


def measure_http(args: argparse.Namespace, data: dict[str, Any]) -> HttpFigures:
    """Against one server: with --rate, bookings paced at that rate. Without: the saturation
    rate of GET /api/v1/me, then of bookings (both closed loop), then bookings paced at
    --load-fraction of the booking saturation just measured, for its latency."""
    figures = HttpFigures()
    figures.workers = args.web_workers
    server = f"uvicorn ({args.web_workers} workers, pooled), {args.clients} clients ({args.client})"
    coaches = f"{len(data['coaches'])} coaches"
    proc, url = start_server(args)

    def run(name: str, senders: list[Send], accepted: Any, rate: float) -> Result:
        result = Result(name + (f", paced at {rate:.0f}/s" if rate else ", closed loop"))
        asyncio.run(http_clients(url, args, senders, accepted, rate, result, proc.pid))
        if result.errors:
            result.name += f"\n  (server log with the errors: {SERVER_LOG})"
        figures.phases.append(result)
        return result

    try:
        if args.rate:
            figures.loaded = run(
                f"HTTP: POST /api/v1/bookings via {server}, {coaches}",
                booking_requests(args, data),
                booked,
                args.rate,
            )
        else:
            figures.me = run(
                f"HTTP: GET /api/v1/me via {server}", me_requests(args, data), answered_me, 0
            )
            figures.saturation = run(
                f"HTTP: POST /api/v1/bookings via {server}, {coaches}",
                booking_requests(args, data),
                booked,
                0,
            )
            reset_bookings()
            figures.loaded = run(
                f"HTTP: POST /api/v1/bookings via {server}, {coaches}, "
                f"{args.load_fraction:.0%} of the saturation rate",
                booking_requests(args, data),
                booked,
                args.load_fraction * figures.saturation.rate,
            )
    finally:
        stop_server(proc)
        reset_bookings()
    return figures


def report_http(figures: HttpFigures, args: argparse.Namespace) -> bool:
    """The phases, then the figures issue 15 asks for, each next to its target."""
    for result in figures.phases:
        result.report("requests" if result is figures.me else "bookings", targets=False)
    errors = sum(sum(r.errors.values()) for r in figures.phases)
    loaded = figures.loaded
    assert loaded is not None
    p99 = loaded.ms(0.99)
    p99_ok = p99 <= P99_TARGET_MS
    per = figures.workers
    print(f"\nHTTP figures ({per} web worker process{'es' if per > 1 else ''}):")
    ok = p99_ok and errors == 0
    if figures.me is not None and figures.saturation is not None:
        me, sat = figures.me.rate, figures.saturation.rate
        ratio = sat / me if me else 0.0
        ratio_ok = ratio >= RATIO_TARGET
        ok &= ratio_ok
        print(f"  bookings/s at saturation: {sat:.0f} in all, {sat / per:.0f} per web process")
        print(f"  GET /api/v1/me at saturation: {me:.0f}/s in all, {me / per:.0f} per web process")
        print(
            f"  ratio booking ÷ /me: {sat:.0f} / {me:.0f} = {ratio:.3f}"
            f"   target >= {RATIO_TARGET}  {verdict(ratio_ok)}"
        )
        print(
            f"  booking at {args.load_fraction:.0%} of saturation ({loaded.rate:.0f}/s measured): "
            f"p50 {loaded.ms(0.5):.1f} ms, p99 {p99:.1f} ms"
            f"   target p99 <= {P99_TARGET_MS:.0f} ms  {verdict(p99_ok)}"
        )
    else:
        print(
            f"  booking paced at {args.rate:g}/s ({loaded.rate:.0f}/s measured): p99 {p99:.1f} ms"
            f"   target p99 <= {P99_TARGET_MS:.0f} ms  {verdict(p99_ok)}"
        )
    print(f"  errors: {errors}")
    return ok


# --- plain INSERT baseline -----------------------------------------------------------------


def insert_worker(
    index: int, barrier: Any, start_box: Any, queue: Any, url: str, duration: float
) -> None:
    import psycopg

    latencies: list[float] = []
    errors: Counter[str] = Counter()
    with psycopg.connect(url, autocommit=True) as conn:
        sql = f"INSERT INTO {INSERT_TABLE} (worker, n) VALUES (%s, %s)"
        for n in range(WARMUP):
            conn.execute(sql, (index, -n))
        barrier.wait()
        barrier.wait()
        deadline = start_box.value + duration
        n = 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                conn.execute(sql, (index, n))
            except psycopg.Error as exc:
                errors[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - t0)
            n += 1
    queue.put({"latencies": latencies, "errors": errors, "finished": time.perf_counter()})


def measure_insert(args: argparse.Namespace) -> Result:
    import psycopg

    url = database_url(args)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {INSERT_TABLE}")
        conn.execute(
            f"CREATE TABLE {INSERT_TABLE} (id bigserial PRIMARY KEY, worker integer NOT NULL, "
            "n integer NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    result = Result(f"plain INSERT: one row per transaction, {args.clients} processes")
    try:
        outcomes, result.elapsed = run_processes(args.clients, insert_worker, (url, args.duration))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {INSERT_TABLE}")
    for outcome in outcomes:
        result.latencies.extend(outcome["latencies"])
        result.errors.update(outcome["errors"])
    return result


# --- main ------------------------------------------------------------------------------------


def describe_machine(args: argparse.Namespace) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM booking_booking")
        rows = cursor.fetchone()[0]
    load = os.getloadavg()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"database: {version}, {args.db} (synchronous_commit={sync}), "
        f"{rows} bookings in booking_booking"
    )
    print(
        f"{args.clients} concurrent clients, {args.coaches} coaches, "
        f"{args.duration:g} s per phase; each client books distinct free 30-minute slots "
        "back to back"
    )


def main() -> int:
    args = parse_args()
    ensure_database(args)
    setup_django(args)
    started = time.perf_counter()
    data = prepare(args)
    removed = reset_bookings()
    describe_machine(args)
    if removed:
        print(f"(removed {removed} rows left by an earlier run)")
    print(f"setup: {time.perf_counter() - started:.1f} s")

    booking_results = []
    if args.layer in ("service", "both"):
        booking_results.append(measure_service(args, data))
    http = measure_http(args, data) if args.layer in ("http", "both") else None
    insert = None if args.skip_insert else measure_insert(args)

    all_ok = True
    for result in booking_results:
        all_ok &= result.report("bookings", targets=True)
    if http is not None:
        all_ok &= report_http(http, args)
        if http.saturation is not None:
            booking_results.append(http.saturation)
    if insert is not None:
        insert.report("inserts", targets=False)
        print()
        for result in booking_results:
            label = result.name.split(":")[0]
            print(
                f"{label}: bookings/s ÷ inserts/s = {result.rate:.0f} / {insert.rate:.0f} "
                f"= {result.rate / insert.rate:.3f} (one booking costs as much as "
                f"{insert.rate / max(result.rate, 1e-9):.0f} plain inserts)"
            )
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'all targets met' if all_ok else 'TARGET MISSED'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
