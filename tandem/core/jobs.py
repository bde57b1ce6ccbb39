"""Leases for django-tasks-db's jobs, and a task worker that outlives database outages.

django-tasks-db marks a job RUNNING when a worker claims it (appending the worker's id to
`worker_ids`) and never looks at it again: a worker killed mid-job leaves it RUNNING forever
(django-tasks issue #46), and a job that hit a database outage is FAILED for good. So:

- **Leases.** Each `task_worker` claims under a worker id that its heartbeat row carries
  (`WorkerHeartbeat.worker_id`, beaten every TANDEM_WORKER_HEARTBEAT_SECONDS). A RUNNING job
  whose last worker id has not beaten for TANDEM_JOB_LEASE_SECONDS, and that was claimed at
  least that long ago, was left by a dead worker: `reap` puts it back to READY.
- **Transient failures.** A job that FAILED with a database connection error
  (`TRANSIENT_ERRORS`) goes back to READY too.
- **Bounded.** Either way the job's attempts are `len(worker_ids)` (one per claim); it waits
  `backoff(attempts)` (run_after) before its next run, and once it has been tried
  TANDEM_JOB_MAX_ATTEMPTS times it is given up instead: FAILED, exception `JobGaveUp`, the
  reason (and the last error) in its traceback. A job that kills its worker every time (a
  poison job) stops there instead of taking the workers down in turn forever.

Every worker runs `reap` after each heartbeat. It reads the few RUNNING/FAILED candidates
(partial indexes hold only those rows: migration core 0003) and moves each with a conditional
UPDATE (still in the state it was read in, claimed at the same instant), so any number of
workers reaping at once move each job once. Only django-tasks-db's public model and fields
are used; its worker loop is run as it is.

`run_surviving_outages` is the loop around that worker loop: the database going away makes
`db_worker` raise OperationalError/InterfaceError out of its loop; instead of exiting, the
task worker closes its connections, waits (0.5 s doubling to 10 s) and resumes under a new
worker id, giving back at once what it held under the old one.

Jobs run at least once; their effects are made exactly once by the jobs themselves (unique
keys in the database, tandem/core/effects.py for email): see docs/jobs.md.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# What a job fails with when the database went away under it (django-tasks-db records the
# class's dotted path). Django wraps the driver's errors in its own classes; the driver's own
# are listed for code that talks to psycopg directly.
TRANSIENT_ERRORS = frozenset(
    {
        "django.db.utils.OperationalError",
        "django.db.utils.InterfaceError",
        "psycopg.OperationalError",
        "psycopg.InterfaceError",
    }
)
GAVE_UP = f"{__name__}.JobGaveUp"

# The database errors that end db_worker's loop when the database is unreachable.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


class JobGaveUp(Exception):
    """The exception class a given-up job is recorded with (its traceback says why)."""


@dataclass(frozen=True)
class Reaped:
    reclaimed: int = 0  # RUNNING jobs of dead workers, back to READY
    retried: int = 0  # FAILED with a transient error, back to READY
    given_up: int = 0  # out of attempts: FAILED (JobGaveUp)

    def __bool__(self) -> bool:
        return bool(self.reclaimed or self.retried or self.given_up)


def lease() -> timedelta:
    return timedelta(seconds=settings.TANDEM_JOB_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """The wait before a job's next run after `attempts` tries: base, then doubling, capped."""
    base = settings.TANDEM_JOB_RETRY_SECONDS
    wait = min(base * 2 ** max(attempts - 1, 0), settings.TANDEM_JOB_RETRY_MAX_SECONDS)
    return timedelta(seconds=wait)


def new_worker_id() -> str:
    """Unique across the pool (the random part), readable in the admin (host and pid)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(12)}"


def live_worker_ids(now: datetime) -> set[str]:
    """The worker ids whose heartbeat is within the lease."""
    rows = WorkerHeartbeat.objects.filter(seen_at__gte=now - lease()).exclude(worker_id="")
    return set(rows.values_list("worker_id", flat=True))


def reap(*, now: datetime | None = None) -> Reaped:
    """Put back the jobs of dead workers and the transiently failed ones; give up on those
    out of attempts. Cheap when there is nothing to do; safe to run anywhere, any number of
    times at once."""
    now = now or timezone.now()
    reclaimed = retried = given_up = 0
    stale = (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now - lease())
        .order_by()
        .values_list("id", "worker_ids", "started_at")
    )
    candidates = list(stale)
    if candidates:
        live = live_worker_ids(now)
        for job_id, worker_ids, started_at in candidates:
            if worker_ids and worker_ids[-1] in live:
                continue  # a long job of a live worker
            moved = _put_back_running(job_id, worker_ids, started_at, now)
            reclaimed += moved == TaskResultStatus.READY
            given_up += moved == TaskResultStatus.FAILED
    failed = (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, exception_class_path__in=TRANSIENT_ERRORS
        )
        .order_by()
        .values_list("id", "worker_ids", "finished_at", "exception_class_path", "traceback")
    )
    for job_id, worker_ids, finished_at, error, traceback in failed:
        attempts = len(worker_ids)
        job = DBTaskResult.objects.filter(
            id=job_id, status=TaskResultStatus.FAILED, finished_at=finished_at
        )
        if attempts >= settings.TANDEM_JOB_MAX_ATTEMPTS:
            reason = f"failed {attempts} times with a database error; last error {error}:\n"
            given_up += job.update(**_gave_up(reason + traceback, now))
        else:
            retried += job.update(
                status=TaskResultStatus.READY, run_after=now + backoff(attempts), finished_at=None
            )
    result = Reaped(reclaimed, retried, given_up)
    if result:
        logger.warning(
            "jobs reaped: %s reclaimed from dead workers, %s retried after a database error, "
            "%s given up",
            reclaimed,
            retried,
            given_up,
        )
    return result


def release_worker(worker_id: str, *, now: datetime | None = None) -> int:
    """Put back the RUNNING jobs last claimed by `worker_id`, known dead (this process's own
    previous id, after its loop ended in an outage). Returns how many went back to READY."""
    now = now or timezone.now()
    running = (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .order_by()
        .values_list("id", "worker_ids", "started_at")
    )
    released = 0
    for job_id, worker_ids, started_at in running:
        if worker_ids and worker_ids[-1] == worker_id:
            released += (
                _put_back_running(job_id, worker_ids, started_at, now) == TaskResultStatus.READY
            )
    return released


def _put_back_running(
    job_id: Any, worker_ids: list[str], started_at: datetime | None, now: datetime
) -> str | None:
    """READY again (or FAILED if out of attempts), if still RUNNING from the same claim."""
    attempts = len(worker_ids)
    job = DBTaskResult.objects.filter(
        id=job_id, status=TaskResultStatus.RUNNING, started_at=started_at
    )
    if attempts >= settings.TANDEM_JOB_MAX_ATTEMPTS:
        reason = (
            f"its worker died (stopped beating) while running it, on attempt {attempts} of "
            f"{settings.TANDEM_JOB_MAX_ATTEMPTS}; worker ids: {', '.join(worker_ids)}"
        )
        return TaskResultStatus.FAILED if job.update(**_gave_up(reason, now)) else None
    moved = job.update(status=TaskResultStatus.READY, run_after=now + backoff(attempts))
    return TaskResultStatus.READY if moved else None


def _gave_up(reason: str, now: datetime) -> dict[str, Any]:
    return {
        "status": TaskResultStatus.FAILED,
        "finished_at": now,
        "return_value": None,
        "exception_class_path": GAVE_UP,
        "traceback": f"Gave up: {reason}",
    }


def maintain() -> None:
    """What each task worker does after each heartbeat (tandem/core/heartbeats.py)."""
    from .effects import prune_effects

    reap()
    prune_effects()


def run_surviving_outages(
    run: Callable[[str], None],
    *,
    start: Callable[[str, str | None], None],
    worker_id: str,
    next_worker_id: Callable[[], str] = new_worker_id,
    after_outage: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_delay: float = 0.5,
    max_delay: float = 10.0,
) -> int:
    """`run(worker_id)` until it returns; a database outage (OUTAGE_ERRORS) out of it, or out
    of `start`, is waited out instead of ending the process. Returns the number of resumes.

    Before each run, `start(worker_id, previous_id)` makes the id live (its heartbeat) and
    gives back what the previous id held. After an outage: `after_outage()` (close the
    connections), a wait of `first_delay` doubling up to `max_delay` (back to `first_delay`
    once a run lasted `max_delay`), then a new worker id — whatever the old one claimed is
    reclaimed, and a job it was running cannot be finished twice under one id.
    """
    delay = first_delay
    previous: str | None = None
    resumes = 0
    while True:
        began = clock()
        try:
            start(worker_id, previous)
            previous = None
            run(worker_id)
            return resumes
        except OUTAGE_ERRORS as error:
            if previous is None:
                previous = worker_id  # its jobs are given back once the database is up
            if clock() - began >= max_delay:
                delay = first_delay  # it had been working: a new outage starts the waits over
            first_line = (str(error).strip().splitlines() or [""])[0]
            logger.warning(
                "task worker %s: database unavailable (%s: %s); resuming in %.1fs",
                worker_id,
                type(error).__name__,
                first_line,
                delay,
            )
        after_outage()
        sleep(delay)
        delay = min(delay * 2, max_delay)
        worker_id = next_worker_id()
        resumes += 1
