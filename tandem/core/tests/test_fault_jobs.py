"""1,000 real jobs are done, and their effects happen exactly once, through 10 SIGKILLs of the
task workers (and, on PostgreSQL, a restart of the database) while they run.

Per backend (a temporary SQLite file; a private PostgreSQL server, never the shared one): a
fresh database is migrated, 1,000 declined booking requests are made and the job a decline
enqueues (`booking_changed_task(id, "declined")`) is enqueued for each (fault_jobs_data.py).
Each job writes a notification-centre entry for the client (with its realtime event) and emails
the client over real SMTP (aiosmtpd, in this process). Two `manage.py task_worker` processes run
them with a short heartbeat and lease; ten times, a worker that is running a job is SIGKILLed
and started again; on PostgreSQL the server is restarted once (fast shutdown, down 1 s).

Then: every job SUCCESSFUL (none READY, RUNNING or FAILED); one entry and one event per job;
each of the 1,000 emails received, identified by its Message-ID; a copy with the same
Message-ID allowed only for a mail interrupted after the SMTP server took it and before its
record was written (at most one per interruption; the count is printed, with the seed, kills
and jobs reclaimed). The seed comes from TANDEM_FAULT_SEED or is drawn and printed.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from tandem.core.effects import message_id
from tandem.core.tests.instances import PostgresInstance, free_port

pytestmark = pytest.mark.fault

JOBS = 1000
KILLS = 10
WORKERS = 2
# Seconds for all the jobs, kills and restart, from the workers' start: 46-64 s measured on
# the 2-core machine shared with other test runs (docs/jobs.md); the rest is margin.
BUDGET = 150.0
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


class MessageIds:
    """aiosmtpd handler keeping the Message-ID of every mail it accepts."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = self.parser.parsebytes(envelope.content)
        with self.lock:
            self.ids.append(str(headers["Message-ID"]).strip())
        return "250 OK"


@pytest.fixture
def smtp_ids() -> Iterator[tuple[MessageIds, int]]:
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command otherwise
    handler = MessageIds()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


class Db:
    """The test's own look at the workers' database: one plain driver connection, autocommit,
    opened again after PostgreSQL restarted."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.conn is None:
            if self.url.startswith("sqlite:"):
                path = self.url.removeprefix("sqlite:///")
                self.conn = sqlite3.connect(path, timeout=20, isolation_level=None)
            else:
                self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=2)
        try:
            return list(self.conn.execute(sql).fetchall())
        except psycopg.OperationalError:
            self.close()
            raise

    def value(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def try_value(self, sql: str) -> Any:
        """None while the database is down (PostgreSQL restarting)."""
        try:
            return self.value(sql)
        except (psycopg.OperationalError, sqlite3.OperationalError):
            return None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def wait_until(check: Callable[[], Any], *, deadline: float, what: str) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out after {deadline}s waiting for {what}")


def manage(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, MANAGE, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    pg = request.getfixturevalue("pg_instance")
    request.node.pg = pg
    return str(pg.create_database("jobs"))


def test_a_thousand_jobs_are_done_once_through_kills_and_a_database_restart(
    request: pytest.FixtureRequest,
    database_url: str,
    smtp_ids: tuple[MessageIds, int],
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("TANDEM_FAULT_SEED") or random.randrange(10**6))
    rng = random.Random(seed)
    pg: PostgresInstance | None = getattr(request.node, "pg", None)
    print(f"\nseed={seed} backend={'postgresql' if pg else 'sqlite'}")
    mailbox, smtp_port = smtp_ids
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REDIS_", "EMAIL_", "TANDEM_", "CACHE_", "CHANNEL_"))
    }
    env.update(
        DATABASE_URL=database_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        # Short enough for the test; the defaults are 10 s, 60 s, 5 s and 300 s.
        TANDEM_WORKER_HEARTBEAT_SECONDS="0.2",
        TANDEM_JOB_LEASE_SECONDS="1.5",
        TANDEM_JOB_RETRY_SECONDS="0.2",
        TANDEM_JOB_RETRY_MAX_SECONDS="1",
        DB_POOL_MIN="1",
        DB_POOL_MAX="4",
        # Shorter than the restart's 1 s: a worker waiting for a connection then sees the
        # outage (an OperationalError out of db_worker's loop) instead of waiting it out.
        DB_POOL_TIMEOUT="0.5",
    )
    started = time.monotonic()
    manage(["migrate", "--skip-checks", "-v", "0"], env)
    manage(
        ["shell", "-c", f"from tandem.core.tests.fault_jobs_data import seed; seed({JOBS})"], env
    )
    print(f"migrated and seeded in {time.monotonic() - started:.1f}s")
    db = Db(database_url)
    assert db.value("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult") == JOBS

    def spawn(n: int) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{n}.log", "ab")  # noqa: SIM115 (closed with the test dir)
        return subprocess.Popen(
            [sys.executable, MANAGE, "task_worker", "--no-reload", "--interval", "0.05",
             "--no-startup-delay", "-v", "0"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def done() -> int:
        for p in workers:  # a worker must never exit on its own (the database restart included)
            assert p.poll() is None, f"worker {p.pid} exited ({p.returncode}); see its log"
        count = db.try_value(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
        )
        return int(count or 0)

    def running_pids() -> list[int]:
        """Our workers that are running a job now (a worker id is host:pid:random)."""
        rows = []
        try:
            rows = db.rows(
                "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            )
        except (psycopg.OperationalError, sqlite3.OperationalError):
            return []
        ours = {p.pid for p in workers}
        pids = set()
        for (worker_ids,) in rows:
            ids = json.loads(worker_ids) if isinstance(worker_ids, str) else worker_ids
            pid = int(ids[-1].split(":")[-2])
            if pid in ours:
                pids.add(pid)
        return sorted(pids)

    def reached(count: int) -> Callable[[], bool]:
        return lambda: done() >= count

    # Kills spread over the run (by jobs done); the restart somewhere in the middle of them.
    plan = [(at, "kill") for at in sorted(rng.sample(range(40, 850), KILLS))]
    if pg is not None:
        plan.append((rng.randrange(300, 600), "restart"))
    plan.sort()
    print(f"plan (jobs done, action): {plan}")
    workers = [spawn(n) for n in range(WORKERS)]
    began = time.monotonic()
    kills = restarts = 0

    def left() -> float:
        return max(0.0, began + BUDGET - time.monotonic())

    try:
        for threshold, action in plan:
            wait_until(reached(threshold), deadline=left(), what=f"{threshold} jobs done")
            if action == "restart":
                assert pg is not None
                pg.restart(down_for=1.0)
                restarts += 1
                continue
            # SIGKILL a worker in the middle of a job, and start another in its place.
            busy = wait_until(running_pids, deadline=10, what="a worker running a job")
            victim = rng.choice(busy)
            index = next(i for i, p in enumerate(workers) if p.pid == victim)
            os.kill(victim, signal.SIGKILL)
            workers[index].wait(10)
            kills += 1
            workers[index] = spawn(index)
        wait_until(reached(JOBS), deadline=left(), what=f"{JOBS} jobs done")
        elapsed = time.monotonic() - began
    finally:
        for p in workers:
            p.send_signal(signal.SIGTERM)
        for p in workers:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    statuses = dict(
        db.rows("SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status")
    )
    claims = [
        len(json.loads(ids) if isinstance(ids, str) else ids)
        for (ids,) in db.rows("SELECT worker_ids FROM django_tasks_database_dbtaskresult")
    ]
    reclaimed = sum(1 for n in claims if n > 1)
    notes, note_keys = db.rows(
        "SELECT COUNT(*), COUNT(DISTINCT dedupe_key) FROM notifications_notification"
    )[0]
    events = db.value("SELECT COUNT(*) FROM realtime_event WHERE kind = 'notification.new'")
    records = db.value("SELECT COUNT(*) FROM core_effectdone")
    people = db.rows("SELECT id, sequence, client_id FROM booking_booking")
    expected = {
        message_id(f"booking-email:{pk}:declined:{seq}:client:{client}")
        for pk, seq, client in people
    }
    db.close()
    logs = "".join(path.read_text() for path in sorted(tmp_path.glob("worker-*.log")))
    reaped = sum(int(n) for n in re.findall(r"jobs reaped: (\d+) reclaimed", logs))
    resumed = logs.count("database unavailable (")
    received = Counter(mailbox.ids)
    duplicates = sum(received.values()) - len(received)
    interruptions = kills + WORKERS * restarts
    print(
        f"jobs={statuses} in {elapsed:.1f}s; kills={kills} postgres_restarts={restarts}; "
        f"jobs claimed more than once={reclaimed} (claims: {dict(Counter(claims))}); "
        f"reclaimed by reapers={reaped}; worker loops resumed after an outage={resumed}; "
        f"entries={notes} events={events} emails={sum(received.values())} "
        f"distinct Message-IDs={len(received)} same-Message-ID copies={duplicates} "
        f"effect records={records}"
    )

    assert statuses == {"SUCCESSFUL": JOBS}
    assert kills == KILLS and restarts == (1 if pg else 0)
    assert reclaimed >= 1  # the kills did interrupt jobs, which were taken up again
    assert reaped >= 1  # ... found by the reapers (the killed worker never gave them back)
    if pg is not None:  # the restart ended db_worker's loop; the workers waited and resumed
        assert resumed >= 1, logs[-3000:]
    assert notes == note_keys == events == JOBS
    assert set(received) == expected and len(expected) == JOBS
    assert records == JOBS
    # A second copy only for a mail sent just before an interruption, never more.
    assert duplicates <= interruptions
    assert max(received.values()) <= 2
