"""Jobs go through django-tasks-db's own backend: a row in our database, written in the
caller's transaction (the outbox, tandem/core/outbox.py), in the form its worker claims."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from tandem.core.outbox import enqueue_in_transaction

pytestmark = pytest.mark.django_db


@task()
def noop_task(value: int) -> None:
    """A task for these tests (never run)."""


class Undone(Exception):
    """Raised to roll a transaction back."""


def test_the_queue_is_the_packages_database_backend():
    assert type(task_backends["default"]) is DatabaseBackend


def test_a_job_exists_if_and_only_if_its_transaction_commits():
    with pytest.raises(Undone), transaction.atomic():
        enqueue_in_transaction(lambda: noop_task.enqueue(1))
        # Written now, inside the transaction, not after the commit.
        assert DBTaskResult.objects.filter(args_kwargs__args=[1]).exists()
        raise Undone
    assert not DBTaskResult.objects.filter(args_kwargs__args=[1]).exists()

    with transaction.atomic():
        enqueue_in_transaction(lambda: noop_task.enqueue(2))
    assert DBTaskResult.objects.filter(args_kwargs__args=[2]).count() == 1


def test_enqueued_rows_are_what_the_worker_claims_and_the_signal_is_sent():
    seen = []

    def on_enqueued(sender, task_result, **kwargs):
        seen.append(task_result.id)

    task_enqueued.connect(on_enqueued)
    try:
        now_result = noop_task.enqueue(1)
        later = datetime(2030, 1, 1, tzinfo=UTC)
        later_result = noop_task.using(run_after=later).enqueue(2)
    finally:
        task_enqueued.disconnect(on_enqueued)
    assert seen == [now_result.id, later_result.id]
    now_row = DBTaskResult.objects.get(id=now_result.id)
    assert now_row.run_after == get_date_max()  # the package's pre_save receiver
    assert now_row.args_kwargs == {"args": [1], "kwargs": {}}
    assert now_row.status == "READY" and now_row.task_path.endswith("noop_task")
    assert DBTaskResult.objects.get(id=later_result.id).run_after == later
    # The worker's claim query finds the due one only.
    assert list(DBTaskResult.objects.ready().values_list("id", flat=True)) == [now_row.id]
