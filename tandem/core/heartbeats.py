"""Worker heartbeats: each long-running worker records that it is alive, in the database.

`beat()` upserts this process's row; `HeartbeatThread` beats from a daemon thread for a
worker loop we do not own (django-tasks-db's `db_worker`, run as `manage.py task_worker`);
`newest_beats()` is what `/healthz` reads. Rows of processes gone for a day are pruned as
beats are written, so the table stays as small as the number of live workers.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# The workers `manage.py serve` runs; /healthz expects a recent beat from each.
WORKER_NAMES = ("task_worker", "notify_worker")
PRUNE_AFTER = timedelta(days=1)


def beat(name: str, *, now: datetime | None = None) -> None:
    """Record that the worker `name` in this process is alive at `now`."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name, host=socket.gethostname()[:255], pid=os.getpid(), defaults={"seen_at": now}
    )
    WorkerHeartbeat.objects.filter(name=name, seen_at__lt=now - PRUNE_AFTER).delete()


def newest_beats() -> dict[str, datetime]:
    """The newest heartbeat of each worker name (one indexed aggregate)."""
    rows = WorkerHeartbeat.objects.values("name").annotate(last=Max("seen_at"))
    return {row["name"]: row["last"] for row in rows}


class HeartbeatThread(threading.Thread):
    """Beats for `name` at once, then every TANDEM_WORKER_HEARTBEAT_SECONDS, until stopped.

    For a worker loop we cannot hook into. It says the process is alive and reaches the
    database, not that its loop is making progress (a task that runs for an hour still beats).
    """

    def __init__(self, name: str, *, interval: float | None = None) -> None:
        super().__init__(name=f"heartbeat-{name}", daemon=True)
        self.worker_name = name
        self.interval = settings.TANDEM_WORKER_HEARTBEAT_SECONDS if interval is None else interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                beat(self.worker_name)
            except DatabaseError:
                logger.warning("heartbeat of %s: database unavailable", self.worker_name)
            finally:
                connection.close()  # this thread's own connection; the next beat opens one
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
