"""Reminders on time at volume: 100,000 reminders coming due within 10 minutes, on PostgreSQL,
sent by one `notify_worker` process, then by two.

    .venv/bin/python bench/reminder_bench.py [--db tandem_bench] [--count 100000]
        [--minutes 10] [--workers 1,2] [--burst 20000] [--redis redis://127.0.0.1:6379/0]

Sets up its own data in the benchmark database (migrated, created if missing): a coach with
`--bookings` confirmed sessions (rows written directly: this measures the reminders, not
booking) and `--users` recipients. For each worker count it then writes `--count` pending
in-app reminder deliveries for those sessions, due evenly over `--minutes` starting a few
seconds ahead, starts the workers (`manage.py notify_worker`, real processes, the project's
settings, the Redis channel layer unless `--redis ''`) and waits until all are sent.

Each reminder is the real path: claimed with a lease, its booking checked to still hold,
the notification-centre entry and its event written in one transaction with the "sent" mark.
Lateness is `sent_at - due_at` per reminder (from the database, afterwards); throughput is
reminders sent per second while they were coming due. `--burst` then measures capacity:
that many reminders due at once, drained as fast as the workers go.

Target: lateness p99 <= 2 s with one worker. Exit status 0 when it is met. The bench's
deliveries, notifications and events are deleted before each phase and at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchdb import database_url, ensure_database  # noqa: E402

EMAIL_DOMAIN = "reminder-bench.tandem.local"
LATENESS_P99_TARGET = 2.0  # seconds, with one worker
LEAD = 5.0  # seconds between writing the reminders and the first one coming due


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="tandem_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, in order")
    parser.add_argument("--burst", type=int, default=20_000, help="0 to skip the capacity run")
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200, help="the workers' claim size")
    args = parser.parse_args()
    if args.db == "test":
        parser.error("refusing the development/test database 'test'")
    return args


def setup_django(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = database_url(args)
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    os.environ.pop("REDIS_URL", None)  # this process only writes the rows
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- data --------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """A bench coach with `--bookings` confirmed future sessions and `--users` recipients."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.booking.models import Booking
    from tandem.coaches.models import CoachProfile, SessionType

    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        existing = set(
            User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").values_list("email", flat=True)
        )
        User.objects.bulk_create(
            User(email=email, display_name=f"Reminder Bench {i}", timezone="UTC")
            for i in range(args.users + 1)
            if (email := f"user{i:05d}@{EMAIL_DOMAIN}") not in existing
        )
        users = list(
            User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
            .order_by("email")
            .values_list("pk", flat=True)
        )
        coach_user = User.objects.get(email=f"user00000@{EMAIL_DOMAIN}")
        coach, _ = CoachProfile.objects.get_or_create(
            user=coach_user,
            defaults={"slug": "reminder-bench", "headline": "Bench", "is_verified": True},
        )
        session_type, _ = SessionType.objects.get_or_create(
            coach=coach, name="Bench", defaults={"duration_minutes": 30, "price": 0}
        )
        Booking.objects.filter(coach=coach).delete()
        base = (timezone.now() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        bookings = Booking.objects.bulk_create(
            Booking(
                coach=coach,
                client_id=users[1 + i % args.users],
                session_type=session_type,
                start=(start := base + timedelta(hours=i)),
                end=start + timedelta(minutes=30),
                blocked_start=start,
                blocked_end=start + timedelta(minutes=30),
                status=Booking.Status.CONFIRMED,
            )
            for i in range(args.bookings)
        )
    return {
        "users": users[1:],
        "bookings": [(b.pk, b.sequence, b.start) for b in bookings],
    }


def reset(data: dict[str, Any]) -> None:
    from django.db import connection

    from tandem.notifications.models import Delivery, Notification

    Delivery.objects.filter(key__startswith="bench:").delete()
    Notification.objects.filter(user_id__in=data["users"]).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM realtime_event WHERE user_id = ANY(%s)", [list(data["users"])])


def write_reminders(data: dict[str, Any], count: int, first_due, spread: timedelta) -> None:
    """`count` pending in-app reminders, due evenly over `spread` from `first_due`."""
    from tandem.notifications.models import Delivery

    users, bookings = data["users"], data["bookings"]
    step = spread / count if count else timedelta(0)
    rows = []
    for n in range(count):
        booking_id, sequence, start = bookings[n % len(bookings)]
        rows.append(
            Delivery(
                key=f"bench:{n}",
                user_id=users[n % len(users)],
                channel="inapp",
                kind="reminder",
                payload={"title": f"Reminder {n}", "body": "", "url": "/sessions/"},
                booking_id=booking_id,
                booking_sequence=sequence,
                session_start=start,
                offset_minutes=60,
                due_at=first_due + step * n,
            )
        )
        if len(rows) == 5000:
            Delivery.objects.bulk_create(rows)
            rows = []
    Delivery.objects.bulk_create(rows)


# --- a run -------------------------------------------------------------------------------


def start_workers(args: argparse.Namespace, count: int) -> list[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = database_url(args)
    if args.redis:
        env["REDIS_URL"] = args.redis
    manage = str(ROOT / "manage.py")
    log = open("/tmp/reminder_bench_workers.log", "ab")  # noqa: SIM115 (kept for the children)
    return [
        subprocess.Popen(
            [sys.executable, manage, "notify_worker", "--batch", str(args.batch), "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(count)
    ]


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_until_sent(total: int, deadline: float) -> None:
    from tandem.notifications.models import Delivery

    while time.monotonic() < deadline:
        if not Delivery.objects.filter(key__startswith="bench:", status="pending").exists():
            return
        time.sleep(0.5)
    raise SystemExit(f"not all {total} reminders were sent before the deadline")


def figures() -> dict[str, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE status = 'sent'),
                   count(*) FILTER (WHERE status <> 'sent'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY late),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY late),
                   max(late),
                   extract(epoch FROM max(sent_at) - min(due_at))
            FROM (SELECT *, extract(epoch FROM sent_at - due_at) AS late
                  FROM notifications_delivery WHERE key LIKE 'bench:%%') AS d
            """
        )
        sent, other, p50, p99, worst, span = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(DISTINCT dedupe_key) FROM notifications_notification"
            " WHERE dedupe_key LIKE 'bench:%%'"
        )
        notes, distinct = cursor.fetchone()
    return {
        "sent": sent,
        "other": other,
        "p50": float(p50 or math.nan),
        "p99": float(p99 or math.nan),
        "max": float(worst or math.nan),
        "span": float(span or math.nan),
        "notifications": notes,
        "distinct": distinct,
    }


def run(
    args: argparse.Namespace, data: dict[str, Any], workers: int, count: int, spread: timedelta
) -> dict[str, float]:
    from django.utils import timezone

    reset(data)
    first_due = timezone.now() + timedelta(seconds=LEAD)
    write_reminders(data, count, first_due, spread)
    procs = start_workers(args, workers)
    try:
        wait_until_sent(count, time.monotonic() + LEAD + spread.total_seconds() + 600)
    finally:
        stop(procs)
    result = figures()
    assert result["notifications"] == result["distinct"] == count, result  # exactly once
    return result


def main() -> int:
    args = parse_args()
    ensure_database(args)
    setup_django(args)
    from django.db import connection

    data = prepare(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    load = os.getloadavg()
    python = platform.python_version()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {python}")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"database: {version}, {args.db}; channel layer: {'Redis' if args.redis else 'in-memory'}"
    )
    spread = timedelta(minutes=args.minutes)
    print(
        f"{args.count} in-app reminders due evenly over {args.minutes:g} min "
        f"({args.count / spread.total_seconds():.0f}/s), {len(data['users'])} recipients"
    )
    ok = True
    for workers in [int(w) for w in args.workers.split(",") if w]:
        r = run(args, data, workers, args.count, spread)
        rate = r["sent"] / r["span"] if r["span"] else math.nan
        met = r["p99"] <= LATENESS_P99_TARGET
        if workers == 1:
            ok = ok and met
        print(
            f"{workers} worker(s): sent {r['sent']:.0f} (exactly once: {r['distinct']} entries), "
            f"{rate:.0f}/s over the window; lateness p50 {r['p50'] * 1000:.0f} ms, "
            f"p99 {r['p99'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms"
            + (f"  [target p99 <= 2 s: {'met' if met else 'MISSED'}]" if workers == 1 else "")
        )
        if args.burst:
            b = run(args, data, workers, args.burst, timedelta(0))
            print(
                f"{workers} worker(s), capacity: {args.burst} due at once drained in "
                f"{b['span']:.1f} s = {args.burst / b['span']:.0f} reminders/s"
            )
    reset(data)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
