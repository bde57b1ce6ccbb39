"""Enqueue a job as part of the current transaction (an outbox), whatever the queue.

The task queue is the database backend on the same database, so enqueueing inside the
transaction is an outbox: the job exists if and only if the change committed. Nothing is
lost if the process dies right after the commit (an on_commit hook would be), nothing is
sent for a change that rolled back, and the worker cannot see the job before the commit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django_tasks import task_backends


def enqueue_in_transaction(enqueue: Callable[[], object]) -> None:
    """Run `enqueue` now if the queue lives in our database; else after the commit."""
    from django_tasks_db import DatabaseBackend

    if isinstance(task_backends["default"], DatabaseBackend):
        enqueue()
    else:  # another queue cannot join our transaction: wait for the commit.
        transaction.on_commit(enqueue, robust=True)
