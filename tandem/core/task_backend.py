"""The database task backend, enqueueing with a hand-written INSERT.

Same rows, same signals, same worker as django_tasks_db's backend; only the INSERT is
compiled once instead of on every enqueue (see tandem/core/sql.py). Jobs are enqueued inside
the transactions they belong to (an outbox), so this runs in every booking.
"""

from __future__ import annotations

from typing import Any

from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from . import sql


class TandemDatabaseBackend(DatabaseBackend):
    def _task_to_db_task(self, task: Task, args: Any, kwargs: Any) -> DBTaskResult:
        result = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # What the package's pre_save receiver does (sql.insert sends no signals).
            run_after=task.run_after if task.run_after is not None else get_date_max(),
            backend_name=self.alias,
        )
        sql.insert(result)
        return result
