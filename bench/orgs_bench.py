"""Server-side timings of a sponsor's programme report on a large programme (issue 18).

    .venv/bin/python bench/orgs_bench.py [--db-url URL] [--requests 50]
        [--participants 5000] [--sessions 50000]

An organisation with 5,000 participants and 50,000 sponsored sessions (bench/orgs_data.py's
make_org: bulk rows, made afresh on each run). Then, through Django's test client in this
process (full routing, middleware, templates, API and ORM; no network, no web server), p50
and p95 of the programme dashboard (/org/programmes/<id>/), the ROI view, the report API
and the admin's /dashboard/ with its programmes card, each also as a ratio to a baseline
measured in the same run: /dashboard/ of a signed-in user with no organisation (a page every
request of the app pays for too). Twice: with the report computed on every request
(TANDEM_ORGS_REPORT_CACHE_SECONDS=0) and as served (cached a minute per change of the
programme's sessions and participants: reporting.selectors.report_for_viewer); the target
applies to the second. Also the number of queries of each, which must not grow
with the data (the same as on a programme of 5 participants, asserted in the tests).

Without --db-url or DATABASE_URL the SQLite database lives in /tmp/tandem-bench-orgs
(TANDEM_VAR_DIR), never var/. A PostgreSQL database named 'test' is refused: create
tandem_bench_orgs (`createdb -h 127.0.0.1 -U postgres tandem_bench_orgs`).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import percentile  # noqa: E402

DASHBOARD_TARGET_MS = 200.0
BASELINE_EMAIL = "bench-baseline@orgs.bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", help="DATABASE_URL to benchmark (default: the environment)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per route")
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=50000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep an earlier run's data when it has these sizes"
    )
    return parser.parse_args()


def setup_django(args: argparse.Namespace) -> None:
    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ.setdefault("TANDEM_VAR_DIR", "/tmp/tandem-bench-orgs")
    elif url.rstrip("/").rsplit("/", 1)[-1] == "test":
        sys.exit("Refusing to benchmark the database named 'test': create tandem_bench_orgs.")
    os.environ.setdefault("DEBUG", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def timed(client: Any, url: str, count: int) -> tuple[list[float], int, int]:
    """Timings in ms of `count` GETs after 5 warm-ups, the status, and one request's queries."""
    from django.db import connection

    first = client.get(url)
    if first.status_code != 200:
        return [], first.status_code, 0
    for _ in range(4):
        client.get(url)
    queries: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(url)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings, 200, len(queries)


def line(
    label: str, timings: list[float], queries: int, target: float | None, baseline: float | None
) -> bool:
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    ratio = f"  {p95 / baseline:5.1f}x baseline" if baseline else ""
    ok = target is None or p95 <= target
    verdict = f"  (target p95 <= {target:.0f} ms: {'ok' if ok else 'MISSED'})" if target else ""
    print(
        f"  {label:<44} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} queries{ratio}{verdict}"
    )
    return ok


def reused(args: argparse.Namespace) -> Any:
    """The earlier run's organisation when it has the sizes asked for, else None."""
    from orgs_data import ADMIN_EMAIL, ORG_SLUG, BenchOrg

    from tandem.accounts.models import User
    from tandem.orgs.models import Participant, Programme, SponsoredSession

    programme = Programme.objects.filter(organisation__slug=ORG_SLUG).first()
    if programme is None:
        return None
    people = Participant.objects.filter(programme=programme).count()
    sessions = SponsoredSession.objects.filter(programme=programme).count()
    if (people, sessions) != (args.participants, args.sessions):
        return None
    return BenchOrg(
        organisation=programme.organisation,
        admin=User.objects.get(email=ADMIN_EMAIL),
        programme=programme,
        participants=people,
        sessions=sessions,
    )


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
    from django.db import connection
    from django.test import Client
    from orgs_data import make_org

    from tandem.accounts.models import User

    call_command("migrate", interactive=False, verbosity=0)
    machine()
    bench = reused(args) if args.reuse else None
    if bench is None:
        print(f"generating {args.participants} participants and {args.sessions} sessions:")
        started = time.perf_counter()
        bench = make_org(participants=args.participants, sessions=args.sessions)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    else:
        print("reusing the earlier run's data")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    pid = bench.programme.public_id
    admin = Client()
    admin.force_login(bench.admin)
    plain_user, _ = User.objects.get_or_create(
        email=BASELINE_EMAIL, defaults={"display_name": "Bench Baseline", "password": "!"}
    )
    plain = Client()
    plain.force_login(plain_user)
    n = args.requests
    all_ok = True

    base, status, queries = timed(plain, "/dashboard/", n)
    baseline = percentile(base, 0.95) if base else None
    print(f"\nbaseline ({n} requests each):")
    if base:
        line("GET /dashboard/ (a user in no organisation)", base, queries, None, None)
    else:
        print(f"  /dashboard/ answered {status}: no ratios")

    routes = [
        ("programme dashboard /org/programmes/<id>/", f"/org/programmes/{pid}/", True),
        ("ROI view /org/programmes/<id>/roi/", f"/org/programmes/{pid}/roi/", True),
        ("API /api/v1/orgs/programmes/{id}/report", f"/api/v1/orgs/programmes/{pid}/report", True),
        ("/dashboard/ of the admin (programmes card)", "/dashboard/", False),
    ]
    from django.test import override_settings

    for mode, seconds in (
        ("the report computed on every request (cache off)", 0),
        ("as served: the report cached a minute per change (default)", None),
    ):
        print(
            f"\nprogramme of {bench.participants:,} participants, {bench.sessions:,} sessions; "
            f"{mode} ({n} requests each):"
        )
        overrides = {} if seconds is None else {"TANDEM_ORGS_REPORT_CACHE_SECONDS": seconds}
        with override_settings(**overrides):
            for label, url, targeted in routes:
                timings, status, queries = timed(admin, url, n)
                if not timings:
                    print(f"  {label:<44} missing (answered {status})")
                    all_ok = False
                    continue
                target = DASHBOARD_TARGET_MS if targeted and seconds is None else None
                all_ok &= line(label, timings, queries, target, baseline)
    print()
    print("all targets met" if all_ok else "some targets MISSED (see above)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
