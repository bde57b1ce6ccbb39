"""Workers killed with SIGKILL while 1,000 reminders come due: after a restart every one is
delivered exactly once — 0 duplicates, 0 missing.

Real processes (`manage.py notify_worker`) on the test database (PostgreSQL, or on SQLite the
file copy the booking concurrency tests use), two at a time, each killed at a random moment
again and again; then one is left to finish. The lease is shortened to 2 s so takeovers
happen within the test's time. Checked with SQL of the test's own, not through the services.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from conftest import make_user
from tandem.booking.tests.test_concurrency import file_database
from tandem.notifications.models import Delivery
from tandem.realtime.models import Event

from .conftest import at, book, make_coach, make_type

__all__ = ["file_database"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

REMINDERS = 1000
KILLS = 10
BASE_DIR = Path(__file__).resolve().parents[3]
FINISH_DEADLINE = 180  # seconds: a wait for the last worker, not a timing assertion


def worker_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_ENV"}}
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user, host, port = settings_dict["USER"], settings_dict["HOST"], settings_dict["PORT"]
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    env.update(
        DJANGO_SETTINGS_MODULE="tandem.settings",
        TANDEM_DELIVERY_LEASE_SECONDS="2",
        TANDEM_DELIVERY_POLL_SECONDS="0.05",
    )
    return env


def start_worker(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "notify_worker", "--batch", "25", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_sigkilled_workers_deliver_every_reminder_exactly_once(alice, bob, tmp_path):
    coach = make_coach(alice, slug="alice-crash")
    session_type = make_type(coach)
    now = timezone.now()
    booking = book(bob, coach, session_type, at(3, 10), now=now - timedelta(minutes=1))
    clients = [make_user(f"client{i}@example.com", name=f"Client {i}") for i in range(9)]
    recipients = [bob, *clients]
    # 1,000 reminders for this booking's current version, coming due over ~3 seconds.
    Delivery.objects.bulk_create(
        Delivery(
            key=f"crash:{n}",
            user=recipients[n % len(recipients)],
            channel="inapp",
            kind="reminder",
            payload={"title": f"Reminder {n}", "body": "", "url": "/sessions/"},
            booking=booking,
            booking_sequence=booking.sequence,
            session_start=booking.start,
            offset_minutes=60,
            due_at=now + timedelta(milliseconds=3 * n),
        )
        for n in range(REMINDERS)
    )
    env = worker_env()
    rng = random.Random(20261202)
    log = (tmp_path / "workers.log").open("wb")
    kills = 0
    workers = [start_worker(env, log), start_worker(env, log)]
    try:
        while kills < KILLS:
            time.sleep(rng.uniform(0.3, 1.2))
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            kills += 1
            workers[victim] = start_worker(env, log)
        # Leave one to finish (and pick up what the killed ones held, after their leases).
        workers[1].send_signal(signal.SIGKILL)
        workers[1].wait()
        deadline = time.monotonic() + FINISH_DEADLINE
        while time.monotonic() < deadline:
            if not count("SELECT COUNT(*) FROM notifications_delivery WHERE status = 'pending'"):
                break
            assert workers[0].poll() is None, (tmp_path / "workers.log").read_text()[-3000:]
            time.sleep(0.2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
        log.close()

    assert count("SELECT COUNT(*) FROM notifications_delivery WHERE status = 'sent'") == REMINDERS
    # Every reminder is in its user's notification centre once: none missing, none twice.
    assert count("SELECT COUNT(*) FROM notifications_notification") == REMINDERS
    assert (
        count(
            "SELECT COUNT(DISTINCT dedupe_key) FROM notifications_notification"
            " WHERE dedupe_key LIKE 'crash:%'"
        )
        == REMINDERS
    )
    # ... and announced on their event streams once each.
    assert Event.objects.filter(kind="notification.new").count() == REMINDERS
    output = (tmp_path / "workers.log").read_text()
    assert "Traceback" not in output, output[-3000:]
