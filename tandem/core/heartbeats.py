"""Worker heartbeats: each long-running worker records that it is alive, in the database.

`beat()` upserts this process's row; `HeartbeatThread` beats from a daemon thread for a
worker loop we do not own (django-tasks-db's `db_worker`, run as `manage.py task_worker`);
`newest_beats()` is what `/healthz` reads. Rows of processes gone for a day are pruned as
beats are written, so the table stays as small as the number of live workers.

A task worker's row also carries the worker id it claims jobs under: its beat is the lease
on those jobs (tandem/core/jobs.py), and the thread runs the job reaper after each beat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection
from django.db.models import Max
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# The workers `manage.py serve` runs; /healthz expects a recent beat from each.
WORKER_NAMES = ("task_worker", "notify_worker")
PRUNE_AFTER = timedelta(days=1)


def beat(name: str, *, worker_id: str = "", now: datetime | None = None) -> None:
    """Record that the worker `name` in this process (claiming jobs as `worker_id`, if it
    does) is alive at `now`."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        defaults={"seen_at": now, "worker_id": worker_id},
    )
    WorkerHeartbeat.objects.filter(name=name, seen_at__lt=now - PRUNE_AFTER).delete()


def newest_beats() -> dict[str, datetime]:
    """The newest heartbeat of each worker name (one indexed aggregate)."""
    rows = WorkerHeartbeat.objects.values("name").annotate(last=Max("seen_at"))
    return {row["name"]: row["last"] for row in rows}


class HeartbeatThread(threading.Thread):
    """Beats for `name` at once, then every TANDEM_WORKER_HEARTBEAT_SECONDS, until stopped;
    after each beat it calls `after_beat` (the task worker's job reaper).

    For a worker loop we cannot hook into. It says the process is alive and reaches the
    database, not that its loop is making progress (a task that runs for an hour still beats).
    Nothing that goes wrong in a beat stops the thread: a thread that died would let the
    process's jobs be reclaimed while it still runs them.
    """

    def __init__(
        self,
        name: str,
        *,
        interval: float | None = None,
        worker_id: str = "",
        after_beat: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(name=f"heartbeat-{name}", daemon=True)
        self.worker_name = name
        self.worker_id = worker_id
        self.after_beat = after_beat
        self.interval = settings.TANDEM_WORKER_HEARTBEAT_SECONDS if interval is None else interval
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def switch(self, worker_id: str) -> None:
        """Claim jobs as `worker_id` from now on: beats it at once, from the calling thread
        (raises if the database is down), before the caller claims anything under it."""
        with self.lock:
            self.worker_id = worker_id
            beat(self.worker_name, worker_id=worker_id)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                with self.lock:
                    beat(self.worker_name, worker_id=self.worker_id)
                if self.after_beat is not None:
                    self.after_beat()
            except (DatabaseError, InterfaceError):
                logger.warning("heartbeat of %s: database unavailable", self.worker_name)
            except Exception:
                logger.exception("heartbeat of %s failed", self.worker_name)
            finally:
                connection.close()  # this thread's own connection; the next beat opens one
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
