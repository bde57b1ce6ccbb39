"""Book now: time from a dispatch offer to the coach's open page receiving it.

    .venv/bin/python bench/dispatch_bench.py [--db tandem_bench] [--coaches 20]
        [--requests 300] [--rate 10] [--redis redis://127.0.0.1:6379/0]

Sets up `--coaches` verified coaches of one specialty, open around the clock with a 30-minute
session type that needs no notice, and as many clients, in the benchmark database (migrated,
created if missing). One uvicorn process serves the project (its settings, the Redis channel
layer). This process holds each coach's WebSocket (`/ws/events`, as their browser's
events.js does — which also marks them online) and, at `--rate` per second, has a client ask
for a session now through the service (`dispatch_request_create`, as the API does: rank,
store, offer to the first coach, commit, wake). When the offer's `dispatch.offer` frame
arrives on that coach's socket the request is withdrawn, so clients and coaches stay free.

Latency is from the offer's `offered_at` (stamped in its transaction, before the commit) to
the frame's arrival, on the same clock. Target: p99 <= 200 ms. Exit status 0 when met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchdb import database_url, ensure_database, free_port, percentile  # noqa: E402

EMAIL_DOMAIN = "dispatch-bench.tandem.local"
SPECIALTY = "dispatch-bench"
P99_TARGET_MS = 200.0
SERVER_LOG = Path("/tmp/dispatch_bench_uvicorn.log")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="tandem_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--coaches", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second")
    parser.add_argument("--warmup", type=int, default=10, help="first requests not measured")
    args = parser.parse_args()
    if args.db == "test":
        parser.error("refusing the development/test database 'test'")
    return args


def setup_django(args: argparse.Namespace) -> None:
    ensure_database(args)
    os.environ.update(
        DATABASE_URL=database_url(args),
        REDIS_URL=args.redis,
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="tandem.settings",
    )
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import transaction

    from tandem.accounts.models import ApiToken, CoachApplication, User
    from tandem.accounts.services import api_token_create
    from tandem.availability.models import WeeklyInterval
    from tandem.coaches.models import CoachProfile, SessionType, Specialty
    from tandem.dispatch.models import DispatchRequest

    call_command("migrate", verbosity=0, interactive=False)
    specialty, _ = Specialty.objects.get_or_create(
        slug=SPECIALTY, defaults={"name": "Dispatch bench"}
    )

    def user(email: str, name: str) -> User:
        found = User.objects.filter(email=email).first()
        return found or User.objects.create_user(
            email=email, password=None, display_name=name, timezone="UTC"
        )

    coaches, clients = [], []
    with transaction.atomic():
        for i in range(args.coaches):
            coach_user = user(f"coach{i:03d}@{EMAIL_DOMAIN}", f"Dispatch Coach {i:03d}")
            profile = CoachProfile.objects.filter(user=coach_user).first()
            if profile is None:
                CoachApplication.objects.create(
                    user=coach_user, headline="Bench", status=CoachApplication.Status.APPROVED
                )
                profile = CoachProfile.objects.create(
                    user=coach_user,
                    slug=f"dispatch-bench-{i:03d}",
                    headline="Bench",
                    timezone="UTC",
                    is_verified=True,
                )
                profile.specialties.add(specialty)
                WeeklyInterval.objects.bulk_create(
                    WeeklyInterval(coach=profile, weekday=d, start_minute=0, end_minute=1440)
                    for d in range(7)
                )
                SessionType.objects.create(
                    coach=profile,
                    name="Now",
                    duration_minutes=30,
                    slot_step_minutes=5,
                    min_notice_minutes=0,
                    booking_window_days=30,
                    price=0,
                )
            ApiToken.objects.filter(user=coach_user).delete()
            coaches.append((coach_user.pk, api_token_create(user=coach_user, name="bench")[1]))
        for i in range(args.coaches):
            clients.append(user(f"client{i:03d}@{EMAIL_DOMAIN}", f"Dispatch Client {i:03d}"))
    DispatchRequest.objects.filter(client__in=clients).delete()
    return {"coaches": coaches, "clients": clients}


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, int]:
    import httpx

    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "tandem.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with SERVER_LOG.open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=dict(os.environ), start_new_session=True, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    sys.exit("uvicorn did not answer /healthz within 60 s")


async def run(args: argparse.Namespace, data: dict[str, Any], port: int) -> dict[str, float]:
    import websockets

    from tandem.dispatch.services import dispatch_request_create, dispatch_request_withdraw

    arrivals: dict[str, float] = {}  # offer public id -> wall-clock arrival
    got = asyncio.Event()

    async def listen(token: str) -> None:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/events",
            additional_headers={
                "Origin": f"http://127.0.0.1:{port}",
                "Authorization": f"Bearer {token}",
            },
            proxy=None,
        ) as ws:
            ready.release()
            async for raw in ws:
                frame = json.loads(raw)
                event = frame.get("event") or {}
                if event.get("kind") == "dispatch.offer" and event["data"]["status"] == "offered":
                    arrivals.setdefault(event["data"]["offer"], time.time())
                    got.set()

    ready = asyncio.Semaphore(0)
    listeners = [asyncio.create_task(listen(token)) for _, token in data["coaches"]]
    for _ in listeners:
        await asyncio.wait_for(ready.acquire(), 30)
    await asyncio.sleep(1)  # presence marks written

    made: list[str] = []
    missing = 0
    clients = data["clients"]
    for n in range(args.warmup + args.requests):
        client = clients[n % len(clients)]
        started = time.monotonic()
        outcome = await asyncio.to_thread(
            dispatch_request_create,
            client=client,
            specialty=SPECIALTY,
            duration_minutes=30,
            within_minutes=30,
        )
        request = outcome.request
        # The query is built here and run in the thread (a QuerySet is lazy).
        offer = await asyncio.to_thread(request.offers.order_by("rank").first)
        if offer is None:
            missing += 1
        else:
            if n >= args.warmup:  # the first ones also pay for imports and connections
                made.append(str(offer.public_id))
            deadline = time.monotonic() + 5
            while str(offer.public_id) not in arrivals and time.monotonic() < deadline:
                got.clear()
                with_timeout = max(0.01, deadline - time.monotonic())
                try:
                    await asyncio.wait_for(got.wait(), with_timeout)
                except TimeoutError:
                    break
        await asyncio.to_thread(
            dispatch_request_withdraw, client=client, request_id=request.public_id
        )
        pause = 1 / args.rate - (time.monotonic() - started)
        if pause > 0:
            await asyncio.sleep(pause)
    for task in listeners:
        task.cancel()

    from tandem.dispatch.models import DispatchOffer

    offered = dict(
        (str(pid), at)
        for pid, at in await asyncio.to_thread(
            lambda: list(
                DispatchOffer.objects.filter(public_id__in=made).values_list(
                    "public_id", "offered_at"
                )
            )
        )
    )
    latencies = [
        (arrivals[pid] - offered[pid].timestamp()) * 1000 for pid in made if pid in arrivals
    ]
    return {
        "offers": len(made),
        "received": len(latencies),
        "no_coach": missing,
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies) if latencies else math.nan,
    }


def main() -> int:
    args = parse_args()
    setup_django(args)
    data = prepare(args)
    proc, port = start_server(args)
    try:
        load = os.getloadavg()
        print(
            f"machine: {platform.platform()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; load before {load[0]:.2f}"
        )
        print(
            f"{args.coaches} coaches online over WebSockets (one uvicorn process, Redis layer), "
            f"{args.requests} book-now requests at {args.rate:g}/s, each offered then withdrawn"
        )
        r = asyncio.run(run(args, data, port))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    met = r["p99"] <= P99_TARGET_MS and r["received"] == r["offers"] > 0
    print(
        f"offers {r['offers']:.0f}, frames received {r['received']:.0f}, no coach found "
        f"{r['no_coach']:.0f}; offer -> coach's socket p50 {r['p50']:.1f} ms, p95 "
        f"{r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.1f} ms  "
        f"[target p99 <= 200 ms: {'met' if met else 'MISSED'}]"
    )
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
