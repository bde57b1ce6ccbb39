"""Real-time delivery on one server process: many WebSocket clients, a steady message rate.

    .venv/bin/python bench/realtime_bench.py [--db tandem_bench] [--clients 1000]
        [--rate 200] [--duration 20] [--publishers 2] [--idle 0] [--skip-echo]

Sets up `--clients` users with API tokens in the PostgreSQL database `--db` (created and
migrated if missing; `test` is refused), paired into conversations (user 2k with 2k+1).
Starts ONE uvicorn process (DEBUG off, Redis channel layer at `--redis`) and, from this
process, connects every client to `/ws/events` (Bearer token, same-origin), waiting for each
one's `ready`. Then:

1. **steady rate** — `--publishers` processes publish `--rate` messages per second in all
   (paced on a schedule, so a slow server does not slow the offered load) for `--duration`
   seconds. Each message is what a sent chat message costs the real-time path: one
   transaction that appends an event to the sender's and the recipient's streams
   (`send_event_on_commit`), whose commit wakes both users' sockets through Redis; the
   server reads the new events from the database and sends them. Latency is measured at
   the recipient, from the publisher's commit to the frame's arrival (one machine, one
   clock). Every recipient checks its sequence numbers: lost and duplicated are counted.
2. **saturation** — the publishers publish as fast as they can for 10 s: Tandem's delivery
   rate (events received by recipients per second).
3. **echo baseline** — a bare WebSocket echo server (the `websockets` library, one
   process, no database) with the same number of clients, each sending back to back for
   10 s: echoes per second. Tandem's saturation rate is reported as a fraction of it.
4. **idle connections** — the server's resident memory before the clients connect and with
   all of them connected and idle: memory per connection. `--idle N` opens N more idle
   sockets to see how many one process holds.

Targets (issue 5): delivery p99 <= 100 ms at 200 messages/s with 1,000 clients. Exit status
0 when met (and nothing lost or duplicated), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EMAIL_DOMAIN = "realtime-bench.tandem.local"
KIND = "bench.message"
P99_TARGET_MS = 100.0
SERVER_LOG = Path("/tmp/realtime_bench_uvicorn.log")
CONNECT_CONCURRENCY = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="tandem_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--idle", type=int, default=0, help="extra idle sockets to open")
    parser.add_argument("--skip-echo", action="store_true")
    args = parser.parse_args()
    if args.db == "test":
        sys.exit("Refusing the database named 'test'; use --db tandem_bench (the default).")
    if args.clients < 2 or args.clients % 2:
        sys.exit("--clients must be an even number >= 2")
    return args


def environment(args: argparse.Namespace, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
        "REDIS_URL": args.redis,
        "CHANNEL_PREFIX": prefix,
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone():
            conn.execute(f'CREATE DATABASE "{args.db}"')


def prepare(args: argparse.Namespace) -> list[tuple[int, str]]:
    """(user id, raw API token) per client; old bench events and tokens are cleared."""
    from django.core.management import call_command
    from django.db import transaction

    from tandem.accounts.models import ApiToken, User
    from tandem.accounts.services import api_token_create
    from tandem.realtime.models import Event, Stream

    call_command("migrate", verbosity=0, interactive=False)
    clients = []
    with transaction.atomic():
        existing = {u.email: u for u in User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")}
        for i in range(args.clients):
            email = f"rt{i:05d}@{EMAIL_DOMAIN}"
            user = existing.get(email) or User.objects.create_user(
                email=email, password=None, display_name=f"Realtime {i}", timezone="UTC"
            )
            clients.append(user)
        ids = [u.pk for u in clients]
        Event.objects.filter(user_id__in=ids).delete()
        Stream.objects.filter(user_id__in=ids).delete()
        ApiToken.objects.filter(user_id__in=ids).delete()
        return [(u.pk, api_token_create(user=u, name="realtime bench")[1]) for u in clients]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_listening(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}; see {SERVER_LOG}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit("server did not listen within 60 s")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# --- publishers ------------------------------------------------------------------------------


def publisher(
    index: int, env: dict[str, str], pairs: list[tuple[int, int]], rate: float,
    duration: float, start_at: float, queue: Any,
) -> None:  # fmt: skip
    """Publish on a fixed schedule (rate > 0) or as fast as possible (rate == 0).

    Like a web server process: an event loop runs, and each message is a sync transaction in
    a worker thread (sync_to_async), whose on-commit wake-up goes out on that loop's Redis
    connections (a plain sync process would open new ones for every wake-up)."""
    setup_django(env)
    from asgiref.sync import sync_to_async
    from django.db import connection, transaction

    from tandem.realtime.services import send_event_on_commit

    def one(sender: int, recipient: int) -> None:
        with transaction.atomic():
            send_event_on_commit([sender, recipient], KIND, {"t": time.time(), "to": recipient})

    def close() -> None:
        connection.close()

    def warm() -> None:
        connection.ensure_connection()

    async def main() -> dict[str, int]:
        from channels.layers import get_channel_layer

        publish = sync_to_async(one)
        rng = random.Random(index)
        sent = late = 0
        # A web server is warm: open the database and Redis connections before the clock.
        await sync_to_async(warm)()
        await get_channel_layer().group_send("bench.warmup", {"type": "bench.warmup"})
        await asyncio.sleep(max(0.0, start_at - time.time()))
        end = start_at + duration
        while (now := time.time()) < end:
            if rate > 0:
                due = start_at + sent / rate
                if due > now:
                    await asyncio.sleep(due - now)
                elif now - due > 0.1:
                    late += 1  # the publisher itself fell behind its schedule
            await publish(*rng.choice(pairs))
            sent += 1
        await sync_to_async(close)()
        return {"sent": sent, "late": late}

    queue.put(asyncio.run(main()))


def run_publishers(
    args: argparse.Namespace, env: dict[str, str], pairs: list[tuple[int, int]],
    rate: float, duration: float,
) -> tuple[list[Any], Any, float]:  # fmt: skip
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 4.0  # spawned interpreters need time to import Django
    each = rate / args.publishers if rate > 0 else 0
    procs = [
        ctx.Process(target=publisher, args=(i, env, pairs, each, duration, start_at, queue))
        for i in range(args.publishers)
    ]
    for proc in procs:
        proc.start()
    return procs, queue, start_at


# --- clients ---------------------------------------------------------------------------------


class Clients:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.delivered = 0
        self.lost = 0
        self.duplicated = 0
        self.counting = False
        self.last_seq: dict[int, int] = {}
        self.expected_to: dict[int, int] = {}
        self.sockets: list[Any] = []
        self.delivered_at: list[float] = []


async def client(
    url: str, origin: str, user_id: int, token: str, state: Clients, ready: asyncio.Event,
    stop_event: asyncio.Event, gate: asyncio.Semaphore, connected: list[int],
) -> None:  # fmt: skip
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async with gate:
        ws = await connect(
            url,
            additional_headers={"Origin": origin, "Authorization": f"Bearer {token}"},
            open_timeout=60,
            max_queue=None,
        )
        frame = json.loads(await ws.recv())
        assert frame["type"] == "ready", frame
        state.last_seq[user_id] = frame["last_seq"]
    connected.append(user_id)
    state.sockets.append(ws)
    if len(connected) == len(state.expected_to):
        ready.set()
    try:
        # One waiting recv per socket (no polling timers: 1,000 of them would cost the load
        # generator more CPU than the frames). drive() closes the sockets to stop.
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] != "event":
                continue
            event = frame["event"]
            if event["seq"] <= state.last_seq[user_id]:
                state.duplicated += 1
                continue
            if event["seq"] != state.last_seq[user_id] + 1:
                state.lost += event["seq"] - state.last_seq[user_id] - 1
            state.last_seq[user_id] = event["seq"]
            if event["kind"] == KIND and event["data"]["to"] == user_id:
                state.delivered += 1
                state.delivered_at.append(time.time())
                if state.counting:
                    state.latencies.append(time.time() - event["data"]["t"])
    except ConnectionClosed:
        if not stop_event.is_set():
            raise


async def drive(
    args: argparse.Namespace, port: int, env: dict[str, str], tokens: list[tuple[int, str]],
    server_pid: int,
) -> dict[str, Any]:  # fmt: skip
    url = f"ws://127.0.0.1:{port}/ws/events"
    origin = f"http://127.0.0.1:{port}"
    state = Clients()
    state.expected_to = {uid: 0 for uid, _ in tokens}
    ready, stop_event = asyncio.Event(), asyncio.Event()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    connected: list[int] = []
    rss_before = rss_kib(server_pid)
    t0 = time.perf_counter()
    tasks = [
        asyncio.create_task(
            client(url, origin, uid, tok, state, ready, stop_event, gate, connected)
        )
        for uid, tok in tokens
    ]
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED, timeout=300)
    if waiter not in done:
        for task in done:
            task.result()  # raises the connection failure
        sys.exit("clients did not all connect within 300 s")
    connect_seconds = time.perf_counter() - t0
    await asyncio.sleep(2)
    rss_connected = rss_kib(server_pid)
    pairs = [(tokens[i][0], tokens[i + 1][0]) for i in range(0, len(tokens), 2)]
    pairs += [(b, a) for a, b in pairs]
    out: dict[str, Any] = {
        "connected": len(connected),
        "connect_seconds": connect_seconds,
        "rss_before_kib": rss_before,
        "rss_connected_kib": rss_connected,
    }

    async def phase(rate: float, duration: float, measure: bool) -> dict[str, Any]:
        state.counting = measure
        state.latencies = []
        delivered_before = state.delivered
        cpu_before = cpu_seconds(server_pid)
        procs, queue, start_at = await asyncio.to_thread(
            run_publishers, args, env, pairs, rate, duration
        )
        results = []
        for _ in procs:
            results.append(await asyncio.to_thread(queue.get, True, duration + 120))
        for proc in procs:
            await asyncio.to_thread(proc.join, 30)
        sent = sum(r["sent"] for r in results)
        # Drain: wait until every message reached its recipient, or 10 s.
        deadline = time.time() + 10
        while state.delivered - delivered_before < sent and time.time() < deadline:
            await asyncio.sleep(0.1)
        window = [t for t in state.delivered_at if start_at <= t < start_at + duration]
        return {
            "sent": sent,
            "delivered_in_window": len(window),
            "window": duration,
            "late_publishes": sum(r["late"] for r in results),
            "delivered": state.delivered - delivered_before,
            "latencies": list(state.latencies),
            "server_cpu": cpu_seconds(server_pid) - cpu_before,
        }

    out["steady"] = await phase(args.rate, args.duration, True)
    out["saturation"] = await phase(0, 10, False)
    out["lost"], out["duplicated"] = state.lost, state.duplicated
    if args.idle:
        extra = await open_idle(url, origin, tokens, args.idle)
        out["idle_extra"] = extra
        await asyncio.sleep(2)
        out["rss_idle_kib"] = rss_kib(server_pid)
    stop_event.set()
    await asyncio.gather(*(ws.close() for ws in state.sockets), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    return out


async def open_idle(url: str, origin: str, tokens: list[tuple[int, str]], count: int) -> int:
    from websockets.asyncio.client import connect

    opened = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int) -> None:
        _, tok = tokens[i % len(tokens)]
        async with gate:
            try:
                ws = await connect(
                    url,
                    additional_headers={"Origin": origin, "Authorization": f"Bearer {tok}"},
                    open_timeout=60,
                )
                await ws.recv()
                opened.append(ws)
            except Exception:  # counted as not opened; the figure is how many held
                return

    await asyncio.gather(*(one(i) for i in range(count)))
    return len(opened)


# --- echo baseline ---------------------------------------------------------------------------

ECHO_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", int(sys.argv[1]), max_queue=None):
        await asyncio.Future()

asyncio.run(main())
"""


async def echo_rate(clients: int, seconds: float) -> tuple[float, int]:
    from websockets.asyncio.client import connect

    port = free_port()
    proc = start(
        [sys.executable, "-c", ECHO_SERVER, str(port)], dict(os.environ), Path("/tmp/echo.log")
    )
    wait_listening(port, proc)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    sockets = []

    async def open_one() -> None:
        async with gate:
            sockets.append(await connect(f"ws://127.0.0.1:{port}", open_timeout=60))

    await asyncio.gather(*(open_one() for _ in range(clients)))
    count = 0
    end = time.perf_counter() + seconds
    payload = json.dumps({"type": "event", "event": {"seq": 1, "kind": KIND, "data": {"t": 0}}})

    async def loop(ws: Any) -> None:
        nonlocal count
        while time.perf_counter() < end:
            await ws.send(payload)
            await ws.recv()
            count += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(loop(ws) for ws in sockets))
    elapsed = time.perf_counter() - t0
    for ws in sockets:
        await ws.close()
    stop(proc)
    return count / elapsed, len(sockets)


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    prefix = f"rtbench-{uuid.uuid4().hex[:8]}"
    env = environment(args, prefix)
    machine = f"{platform.platform()}, {os.cpu_count()} cores"
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ensure_database(args)
    setup_django(env)
    tokens = prepare(args)
    from django.db import connections

    connections.close_all()
    for conn in connections.all():
        if hasattr(conn, "close_pool"):
            conn.close_pool()
    port = free_port()
    # The server's own origin (TANDEM_SITE_URL's default, from HOST/PORT) is the only one that
    # may open a WebSocket (core/origins.py): the clients send it.
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    server = start(
        [sys.executable, "-m", "uvicorn", "tandem.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning"],
        env, SERVER_LOG,
    )  # fmt: skip
    try:
        wait_listening(port, server)
        result = asyncio.run(drive(args, port, env, tokens, server.pid))
    finally:
        stop(server)
    echo = None if args.skip_echo else asyncio.run(echo_rate(args.clients, 10))

    steady, saturation = result["steady"], result["saturation"]
    lat = steady["latencies"]
    p = {q: percentile(lat, q) * 1000 for q in (0.5, 0.95, 0.99, 1.0)}
    per_conn = (result["rss_connected_kib"] - result["rss_before_kib"]) / max(
        result["connected"], 1
    )
    print(f"\n{result['connected']} WebSocket clients on one uvicorn process "
          f"(connected in {result['connect_seconds']:.1f} s)")  # fmt: skip
    print(
        f"server memory: {result['rss_before_kib'] / 1024:.0f} MiB before, "
        f"{result['rss_connected_kib'] / 1024:.0f} MiB connected "
        f"({per_conn:.0f} KiB per idle connection)"
    )
    if "idle_extra" in result:
        print(f"extra idle sockets held: {result['idle_extra']} of {args.idle} "
              f"(server {result['rss_idle_kib'] / 1024:.0f} MiB)")  # fmt: skip
    print(
        f"\nsteady: {steady['sent']} messages in {args.duration:.0f} s "
        f"({steady['sent'] / args.duration:.0f}/s offered), {steady['delivered']} delivered, "
        f"server CPU {steady['server_cpu'] / args.duration * 100:.0f} % of one core"
    )
    met = p[0.99] <= P99_TARGET_MS
    print(
        f"  delivery latency p50 {p[0.5]:.1f} ms, p95 {p[0.95]:.1f} ms, p99 {p[0.99]:.1f} ms, "
        f"max {p[1.0]:.1f} ms   target p99 <= {P99_TARGET_MS:.0f} ms  {'ok' if met else 'MISSED'}"
    )
    if steady["late_publishes"]:
        print(f"  (publishers fell behind schedule {steady['late_publishes']} times)")
    print(f"  lost: {result['lost']}, duplicated: {result['duplicated']}")
    rate = saturation["delivered_in_window"] / saturation["window"]
    print(
        f"\nsaturation: publishers as fast as they go, {saturation['sent']} sent in "
        f"{saturation['window']:.0f} s; {rate:.0f} messages/s delivered to recipients "
        f"(server CPU {saturation['server_cpu'] / saturation['window'] * 100:.0f} % of one core)"
    )
    if echo:
        echo_per_s, echo_clients = echo
        print(f"bare websocket echo server, {echo_clients} clients: {echo_per_s:.0f} echoes/s")
        print(f"ratio: {rate:.0f} / {echo_per_s:.0f} = {rate / echo_per_s:.3f}")
    ok = met and result["lost"] == 0 and result["duplicated"] == 0
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
