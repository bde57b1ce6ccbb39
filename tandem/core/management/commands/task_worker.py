"""`manage.py task_worker`: django-tasks-db's `db_worker`, with a heartbeat that is the lease on
its jobs, a reaper for dead workers' jobs, and a loop that waits out database outages.

- django-tasks-db has no periodic hook in its worker loop (its signals fire only around a
  task, so an idle worker would look dead), so a daemon thread beats at once and then every
  TANDEM_WORKER_HEARTBEAT_SECONDS (tandem/core/heartbeats.py). The beat carries the worker id
  this process claims jobs under; after each beat the thread runs the job reaper
  (tandem/core/jobs.py: jobs of workers that stopped beating, and jobs that failed with a
  database error, go back to the queue, a bounded number of times).
- When the database goes away, db_worker's loop raises OperationalError/InterfaceError and
  would exit. This command closes its connections, waits (0.5 s doubling to 10 s), and
  resumes under a new worker id; what it held under the old one is put back at once.

Same arguments as `db_worker` (`--worker-id` names the first run; resumes get fresh ids);
`manage.py serve` starts this.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from tandem.core.heartbeats import HeartbeatThread
from tandem.core.jobs import maintain, new_worker_id, release_worker, run_surviving_outages


class Command(DbWorkerCommand):
    help = (
        "Run the database task worker (django-tasks-db's db_worker) with a heartbeat, leases on "
        "its jobs and a wait through database outages."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None)  # ours: host:pid:random, new on each resume

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = HeartbeatThread("task_worker", after_beat=maintain)
        first_id = options.pop("worker_id") or new_worker_id()

        def start(worker_id: str, previous: str | None) -> None:
            heartbeat.switch(worker_id)  # live before it claims anything
            if previous is not None:
                release_worker(previous)
            if heartbeat.ident is None:  # not started yet
                heartbeat.start()

        def run(worker_id: str) -> None:
            super(Command, self).handle(*args, worker_id=worker_id, **options)

        try:
            run_surviving_outages(
                run, start=start, worker_id=first_id, after_outage=connections.close_all
            )
        finally:
            heartbeat.stop()
