"""Server-side timings of the directory and slots API on the benchmark dataset.

    .venv/bin/python bench/http_bench.py [--db-url URL] [--generate [--coaches N --bookings M]]

Requests go through Django's test client in this process: the full URL routing, middleware,
API and ORM stack, but no network and no web server, so the figures are server time. The
dataset comes from `manage.py gen_bench_data` (`--generate` runs it first, with --reset).

Without --db-url or DATABASE_URL the SQLite database lives under TANDEM_VAR_DIR, which this
script points at /tmp/tandem-bench unless it is set: a benchmark never touches var/.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLOTS_TARGET_MS = 30.0
DIRECTORY_TARGET_MS = 150.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", help="DATABASE_URL to benchmark (default: the environment)")
    parser.add_argument("--generate", action="store_true", help="run gen_bench_data first")
    parser.add_argument("--coaches", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--slot-requests", type=int, default=200)
    parser.add_argument("--directory-requests", type=int, default=100)
    parser.add_argument(
        "--allow-test-db",
        action="store_true",
        help="allow a PostgreSQL database named 'test' (refused by default: use tandem_bench)",
    )
    return parser.parse_args()


def setup_django(args: argparse.Namespace) -> None:
    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        os.environ.setdefault("TANDEM_VAR_DIR", "/tmp/tandem-bench")
    elif database_url.rstrip("/").rsplit("/", 1)[-1] == "test" and not args.allow_test_db:
        sys.exit(
            "Refusing to benchmark the database named 'test' (the development/test one). "
            "Create a separate one: psql postgres://postgres@127.0.0.1:5432/test "
            "-c 'create database tandem_bench'"
        )
    # Production-like request handling: no DEBUG query log, no debug pages.
    os.environ.setdefault("DEBUG", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # Expected 404s (a page not there yet) are reported below, not logged.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def timed_requests(client: Any, path: str, params: dict, count: int) -> tuple[list[float], Any]:
    """Milliseconds per request for `count` requests, after a few warm-up ones."""
    first = client.get(path, params)
    if first.status_code != 200:
        return [], first
    for _ in range(4):
        client.get(path, params)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, params, response.status_code)
    return timings, first


def report(label: str, timings: list[float], target: float) -> bool:
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(
        f"  {label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
        f"target p95 <= {target:.0f} ms: {verdict(p95, target)}"
    )
    return p95 <= target


def machine_info() -> None:
    from django.db import connection

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
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("show server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
        elif connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]} ({connection.settings_dict['NAME']})"
        else:
            version = connection.vendor
    print(f"machine: {os.cpu_count()} cores ({cpu}){memory}, {platform.platform()}")
    print(f"python {platform.python_version()}, database {version}")


def main() -> int:
    args = parse_args()
    setup_django(args)

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, F, Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tandem.availability.models import WeeklyInterval
    from tandem.booking.models import Booking
    from tandem.coaches.models import CoachProfile, SessionType, Specialty

    machine_info()
    if args.generate:
        call_command("migrate", interactive=False, verbosity=0)
        call_command(
            "gen_bench_data",
            coaches=args.coaches,
            bookings=args.bookings,
            reset=True,
        )

    listed = CoachProfile.objects.filter(is_verified=True, is_active=True)
    hot = (
        Booking.objects.filter(coach__in=listed, status__in=Booking.ACTIVE_STATUSES)
        .values("coach")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if hot is None:
        print("No bookings in this database: run with --generate (or manage.py gen_bench_data).")
        return 2
    now = timezone.now()
    end = now + timedelta(days=31)
    coach = CoachProfile.objects.select_related("user").get(pk=hot["coach"])
    in_window = Booking.objects.filter(
        coach=coach,
        status__in=Booking.ACTIVE_STATUSES,
        blocked_end__gt=now,
        blocked_start__lt=end,
    ).count()
    print(
        f"dataset: {listed.count()} listed coaches, {SessionType.objects.count()} session "
        f"types, {Booking.objects.count()} bookings "
        f"({Booking.objects.filter(status__in=Booking.ACTIVE_STATUSES).count()} active)"
    )
    print(
        f"hot coach: {coach.slug} ({coach.timezone}), {hot['n']} active bookings, "
        f"{in_window} in the next 31 days"
    )
    print()

    client = Client()
    all_ok = True

    # (a) slots for the next 31 days, shortest session type: the busiest coach (the target),
    # and for contrast the widest open calendar without bookings (most slots to return).
    open_coach = (
        WeeklyInterval.objects.filter(coach__in=listed)
        .exclude(
            coach__bookings__status__in=Booking.ACTIVE_STATUSES,
            coach__bookings__blocked_end__gt=now,
        )
        .values("coach")
        .annotate(minutes=Sum(F("end_minute") - F("start_minute")))
        .order_by("-minutes")
        .first()
    )
    cases = [("busiest coach", coach)]
    if open_coach is not None:
        cases.append(("widest open calendar", CoachProfile.objects.get(pk=open_coach["coach"])))
    print("slots (GET /api/v1/coaches/{id}/slots, 31 days):")
    for label, subject in cases:
        session_type = (
            subject.session_types.filter(is_active=True).order_by("duration_minutes").first()
        )
        # The bench data gives every coach active session types.
        assert session_type is not None, f"{label}: the coach has no active session type"
        slots_path = f"/api/v1/coaches/{subject.public_id}/slots"
        params = {
            "session_type": str(session_type.public_id),
            "start": now.isoformat(),
            "end": end.isoformat(),
        }
        timings, first = timed_requests(client, slots_path, params, args.slot_requests)
        if not timings:
            print(f"  not measured: {slots_path} answered {first.status_code}")
            all_ok = False
            break
        found = len(first.json().get("slots", []))
        label = f"{label}, {session_type.duration_minutes}-min type, {found} slots"
        all_ok &= report(label, timings, SLOTS_TARGET_MS)
    print()

    # (b) the directory: default order, each sort, a text query; queries per page size.
    names = list(Specialty.objects.values_list("name", flat=True))
    word = next((n for n in names if "leader" in n.lower()), names[0] if names else "coach")
    query = word.split()[0].lower()
    variants = [
        ("default order", {}),
        ("sort=next_available", {"sort": "next_available"}),
        ("sort=price&currency=EUR", {"sort": "price", "currency": "EUR"}),
        (f"q={query}", {"q": query}),
    ]
    print(f"directory (GET /api/v1/coaches, limit=20, {args.directory_requests} requests each):")
    directory_ok = True
    for label, extra in variants:
        timings, first = timed_requests(
            client, "/api/v1/coaches", {"limit": 20, **extra}, args.directory_requests
        )
        if not timings:
            print(f"  not measured: /api/v1/coaches answered {first.status_code}")
            directory_ok = all_ok = False
            break
        items = len(first.json().get("items", []))
        all_ok &= report(f"{label} ({items} items)", timings, DIRECTORY_TARGET_MS)
    if directory_ok:
        print("  SQL queries per request (limit 5 / 20 / 50 must be equal):")
        for label, extra in variants:
            counts = []
            for limit in (5, 20, 50):
                with CaptureQueriesContext(connection) as queries:
                    client.get("/api/v1/coaches", {"limit": limit, **extra})
                counts.append(len(queries))
            same = len(set(counts)) == 1
            all_ok &= same
            shown = " / ".join(str(n) for n in counts)
            print(f"    {label:<42} {shown:<12} {'ok' if same else 'MISSED: grows'}")
    print()

    # (c) the directory page, if it exists yet.
    print("directory page (GET /coaches/):")
    timings, first = timed_requests(client, "/coaches/", {}, args.directory_requests)
    if not timings:
        print(f"  skipped: /coaches/ answered {first.status_code}")
    else:
        all_ok &= report("first page", timings, DIRECTORY_TARGET_MS)
    print()
    print("all targets met" if all_ok else "some targets MISSED (see above)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
