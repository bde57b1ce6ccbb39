"""`manage.py task_worker`: django-tasks-db's `db_worker`, plus a heartbeat in the database.

django-tasks-db has no periodic hook in its worker loop (its signals fire only around a
task, so an idle worker would look dead), so this runs the very same command with a daemon
thread that beats at once and then every TANDEM_WORKER_HEARTBEAT_SECONDS
(tandem/core/heartbeats.py). Same arguments as `db_worker`; `manage.py serve` starts this.
"""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from tandem.core.heartbeats import HeartbeatThread


class Command(DbWorkerCommand):
    help = "Run the database task worker (django-tasks-db's db_worker) with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = HeartbeatThread("task_worker")
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
