"""End-to-end timings of the programme report exports (issue 18): "XLSX export of all
sessions' aggregates <= 10 s in the background" for 5,000 participants and 50,000 sessions.

    .venv/bin/python bench/orgs_export_bench.py [--db-url URL] [--runs 5]
        [--participants 5000] [--sessions 50000]

Data: bench/orgs_data.py's `make_org` (one organisation, one programme, the participants,
their sponsored sessions, goals, surveys and ledger postings; made afresh each run). Then,
in this process, for each format (XLSX, CSV, PDF), `--runs` times after one warm-up:

  1. POST /api/v1/orgs/programmes/{id}/exports as the organisation's admin (Django's test
     client: routing, middleware, the API, the job row and its queued task);
  2. the queued task run as the worker runs it (`export_task.call(job_id)`: claim, the
     reporting gate's SQL aggregates, the writer, storage);
  3. GET /api/v1/orgs/exports/{id} (done) and GET .../download (the whole file read).

Printed: p50 and max of the whole, and of the task alone, the file's size, and a baseline
measured in the same run: `programme_report` alone (the gate's aggregates, which every
export reads and the dashboard shows). Without --db-url or DATABASE_URL the SQLite database
lives in /tmp/tandem-bench-orgs-export (TANDEM_VAR_DIR), never var/. A PostgreSQL database
named 'test' is refused: use tandem_bench_orgs_export.
"""

from __future__ import annotations

import argparse
import json
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

TARGET_S = {"xlsx": 10.0, "csv": 10.0, "pdf": 10.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", help="DATABASE_URL to benchmark (default: the environment)")
    parser.add_argument("--runs", type=int, default=5, help="timed exports per format")
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=50000)
    return parser.parse_args()


def setup_django(args: argparse.Namespace) -> None:
    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ.setdefault("TANDEM_VAR_DIR", "/tmp/tandem-bench-orgs-export")
    elif url.rstrip("/").rsplit("/", 1)[-1] == "test":
        sys.exit("Refusing to benchmark the database named 'test': use tandem_bench_orgs_export.")
    if url.startswith("postgres"):
        import psycopg

        server, name = url.rstrip("/").rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}")
    os.environ.setdefault("DEBUG", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)


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
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{platform.platform()}, python {platform.python_version()}, database {db}")  # fmt: skip


def export_once(client: Any, programme_id: Any, fmt: str) -> tuple[float, float, int]:
    """(whole seconds, task seconds, file bytes) of one export, end to end."""
    from django_tasks_db.models import DBTaskResult

    from tandem.orgs.exports.tasks import export_task

    started = time.perf_counter()
    response = client.post(
        f"/api/v1/orgs/programmes/{programme_id}/exports",
        json.dumps({"format": fmt}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    queued = DBTaskResult.objects.filter(
        task_path__endswith="export_task", status="READY", args_kwargs__args=[job_id]
    )
    assert queued.exists(), "the export's task was not queued"
    task_started = time.perf_counter()
    export_task.call(job_id)  # what the worker runs
    task_s = time.perf_counter() - task_started
    queued.delete()  # the worker would mark it done; nothing else is to run it
    body = client.get(f"/api/v1/orgs/exports/{job_id}").json()
    assert body["status"] == "done", body
    download = client.get(body["download_url"])
    assert download.status_code == 200
    size = sum(len(chunk) for chunk in download.streaming_content)
    return time.perf_counter() - started, task_s, size


def main() -> int:
    args = parse_args()
    setup_django(args)
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from orgs_data import make_org

    from tandem.orgs.reporting.selectors import programme_report

    call_command("migrate", interactive=False, verbosity=0)
    machine()
    bench = make_org(participants=args.participants, sessions=args.sessions)
    programme = bench.programme
    client = Client()
    client.force_login(bench.admin, backend="django.contrib.auth.backends.ModelBackend")

    programme_report(programme, now=timezone.now(), zone="UTC")
    gate = []
    for _ in range(max(args.runs, 5)):
        started = time.perf_counter()
        programme_report(programme, now=timezone.now(), zone="UTC")
        gate.append(time.perf_counter() - started)
    baseline = statistics.median(gate)
    print(f"\n{bench.participants:,} participants, {bench.sessions:,} sessions")
    print(f"baseline: programme_report (the gate's aggregates) p50 {baseline * 1000:.0f} ms, "
          f"max {max(gate) * 1000:.0f} ms")  # fmt: skip

    all_ok = True
    print(f"\nexports end to end (API POST, the task as the worker runs it, status, download); "
          f"{args.runs} each after one warm-up:")  # fmt: skip
    for fmt in ("xlsx", "csv", "pdf"):
        export_once(client, programme.public_id, fmt)
        runs = [export_once(client, programme.public_id, fmt) for _ in range(args.runs)]
        whole = [r[0] for r in runs]
        task = [r[1] for r in runs]
        p50, worst = statistics.median(whole), max(whole)
        ok = worst <= TARGET_S[fmt]
        all_ok &= ok
        print(
            f"  {fmt.upper():<5} whole p50 {p50 * 1000:7.0f} ms  max {worst * 1000:7.0f} ms  "
            f"task p50 {statistics.median(task) * 1000:7.0f} ms  "
            f"{runs[-1][2] / 1024:6.1f} KiB  {p50 / baseline:5.1f}x baseline  "
            f"(target <= {TARGET_S[fmt]:.0f} s: {'ok' if ok else 'MISSED'})"
        )
    print()
    print("all targets met" if all_ok else "some targets MISSED (see above)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
