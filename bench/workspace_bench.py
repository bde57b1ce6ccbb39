"""Server-side timings of the coaching workspace on a large client file (issue 17).

    .venv/bin/python bench/workspace_bench.py [--db-url URL] [--requests 100] [--pdf-runs 5]

One engagement gets 300 sessions, 40 goals, 600 session notes and 1,000 journal entries (every
fifth shared with the coach), plus 200 action items (tandem/demo/workspace.py's
bulk_client_file, made afresh on each run). Then, through Django's test client in this
process (full routing, middleware, templates, API and ORM; no network, no web server), p50
and p95 of: the client file page (/coach/clients/<id>/), the client's mirror
(/workspace/<id>/), the workspace API GETs, and the progress report PDF. Each figure is also
given as a ratio to a baseline measured in the same run: the signed-in dashboard (/dashboard/),
a page that every request of the app pays for too. A route that answers 404 (not built yet)
is reported as "missing".

Without --db-url or DATABASE_URL the SQLite database lives in /tmp/tandem-bench-workspace
(TANDEM_VAR_DIR), never var/. A PostgreSQL database named 'test' is refused.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import percentile  # noqa: E402

PAGE_TARGET_MS = 100.0
PDF_TARGET_MS = 2000.0
COACH_EMAIL, CLIENT_EMAIL = "bench-coach@workspace.bench", "bench-client@workspace.bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", help="DATABASE_URL to benchmark (default: the environment)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per route")
    parser.add_argument("--pdf-runs", type=int, default=5, help="timed PDFs per period")
    parser.add_argument(
        "--pdf-only", action="store_true", help="the baseline and the PDFs, no other route"
    )
    return parser.parse_args()


def setup_django(args: argparse.Namespace) -> None:
    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ.setdefault("TANDEM_VAR_DIR", "/tmp/tandem-bench-workspace")
    elif url.rstrip("/").rsplit("/", 1)[-1] == "test":
        sys.exit("Refusing to benchmark the database named 'test': create tandem_bench.")
    os.environ.setdefault("DEBUG", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    # WeasyPrint logs each layout step at INFO.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)


def make_file() -> Any:
    """A fresh bench engagement (an earlier run's rows are deleted first)."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.booking.models import Booking
    from tandem.coaches.models import CoachProfile, SessionType
    from tandem.demo.workspace import bulk_client_file
    from tandem.workspace.models import Engagement, JournalEntry, SearchTerm

    now = timezone.now()
    with transaction.atomic():
        coach_user, _ = User.objects.get_or_create(
            email=COACH_EMAIL, defaults={"display_name": "Bench Coach", "timezone": "UTC"}
        )
        client, _ = User.objects.get_or_create(
            email=CLIENT_EMAIL, defaults={"display_name": "Bench Client", "timezone": "UTC"}
        )
        coach, _ = CoachProfile.objects.get_or_create(
            user=coach_user,
            defaults={"slug": "bench-workspace-coach", "timezone": "UTC", "headline": "Bench"},
        )
        SessionType.objects.get_or_create(
            coach=coach,
            name="Coaching session",
            defaults={"duration_minutes": 60, "price": Decimal("0"), "currency": "EUR"},
        )
        Engagement.objects.filter(coach=coach).delete()
        Booking.objects.filter(coach=coach).delete()
        JournalEntry.objects.filter(author=client).delete()
        SearchTerm.objects.filter(owner__in=[coach_user, client]).delete()
        engagement = Engagement.objects.create(
            coach=coach, client=client, mood_in_reports=True, started_at=now
        )
        started = time.perf_counter()
        bulk_client_file(
            engagement, now=now, sessions=300, goals=40, notes=600, entries=1000, actions=200
        )
        print(f"generated the client file in {time.perf_counter() - started:.1f} s")
    return Engagement.objects.select_related("coach__user", "client").get(pk=engagement.pk)


def timed(
    client: Any, url: str, count: int, cpu: list[float] | None = None
) -> tuple[list[float], int]:
    """Wall times in ms of `count` GETs after 5 warm-ups; with `cpu`, this process's CPU
    time of each is appended to it too (steadier than wall time on a shared machine: other
    processes' load stretches the wall time, much less the CPU a request takes)."""
    first = client.get(url)
    if first.status_code != 200:
        return [], first.status_code
    for _ in range(4):
        client.get(url)
    timings = []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings, 200


def line(label: str, timings: list[float], target: float, baseline: float | None) -> bool:
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    ratio = f"  {p95 / baseline:5.1f}x baseline" if baseline else ""
    ok = p95 <= target
    print(
        f"  {label:<52} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms{ratio}  "
        f"(target p95 <= {target:.0f} ms: {'ok' if ok else 'MISSED'})"
    )
    return ok


def machine() -> None:
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("show server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("select sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]} ({connection.settings_dict['NAME']})"
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, python "
          f"{platform.python_version()}, database {db}")  # fmt: skip


def main() -> int:
    args = parse_args()
    setup_django(args)
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)
    machine()
    engagement = make_file()
    eid = engagement.public_id
    coach, client = Client(), Client()
    coach.force_login(engagement.coach.user)
    client.force_login(engagement.client)
    n = args.requests
    all_ok = True

    base, status = timed(coach, "/dashboard/", n)
    baseline = percentile(base, 0.95) if base else None
    print(f"\nbaseline ({n} requests each):")
    if base:
        line("GET /dashboard/ (coach)", base, PAGE_TARGET_MS, None)
    else:
        print(f"  /dashboard/ answered {status}: no ratios")

    routes = [
        ("client file /coach/clients/<id>/ (coach)", coach, f"/coach/clients/{eid}/"),
        ("mirror /workspace/<id>/ (client)", client, f"/workspace/{eid}/"),
        # The file's timeline arrives right after it (its own request); as a page here.
        (
            "timeline /workspace/<id>/part/timeline/ (coach)",
            coach,
            f"/workspace/{eid}/part/timeline/",
        ),
        ("journal /journal/ (client)", client, "/journal/"),
        ("journal insights, 365 days (client)", client, "/journal/insights/?days=365"),
        ("action items /actions/ (client)", client, "/actions/"),
        ("API engagement", coach, f"/api/v1/workspace/engagements/{eid}"),
        ("API engagements list", coach, "/api/v1/workspace/engagements"),
        ("API goals", coach, f"/api/v1/workspace/engagements/{eid}/goals"),
        ("API notes (coach)", coach, f"/api/v1/workspace/engagements/{eid}/notes"),
        ("API notes (client)", client, f"/api/v1/workspace/engagements/{eid}/notes"),
        ("API action items", coach, f"/api/v1/workspace/engagements/{eid}/action-items"),
        ("API journal entries (client)", client, "/api/v1/workspace/journal/entries"),
        ("API action items of the client", client, "/api/v1/workspace/action-items"),
    ]
    print(f"\nclient file: 300 sessions, 40 goals, 600 notes, 1,000 journal entries ({n} each):")
    for label, who, url in [] if args.pdf_only else routes:
        timings, status = timed(who, url, n)
        if not timings:
            print(f"  {label:<52} missing (answered {status})")
            continue
        all_ok &= line(label, timings, PAGE_TARGET_MS, baseline)

    print(f"\nprogress report PDF ({args.pdf_runs} each, after one warm-up):")
    today = engagement.started_at.date()
    two_years = f"?start={today - timedelta(days=730)}&end={today}"
    for label, query in [
        ("last 90 days (default)", ""),
        ("two years: all 300 sessions, 300 shared notes", two_years),
    ]:
        cpu: list[float] = []
        url = f"/workspace/{eid}/report.pdf{query}"
        timings, status = timed(client, url, args.pdf_runs, cpu)
        if not timings:
            print(f"  {label:<52} missing (answered {status})")
            continue
        pdf = client.get(url).content
        all_ok &= line(f"{label}, {len(pdf) // 1024} KiB", timings, PDF_TARGET_MS, baseline)
        print(
            f"  {'':<52} CPU p50 {statistics.median(cpu):7.1f} ms  p95 "
            f"{percentile(cpu, 0.95):7.1f} ms  (this process's CPU time)"
        )
    print()
    print("all targets met" if all_ok else "some targets MISSED (see above)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
