"""The timeout job: runs at the offer's deadline, moves the request on, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.dispatch.models import DispatchOffer, DispatchRequest
from tandem.dispatch.tasks import dispatch_offer_expire_task
from tandem.dispatch.tests.conftest import ask

pytestmark = pytest.mark.django_db


def test_the_timeout_job_moves_the_request_on_once(bob, alice, dana, both_online):
    request = ask(bob, now=None, within=60)
    first = DispatchOffer.objects.get(request=request)
    [job] = DBTaskResult.objects.filter(task_path__endswith="dispatch_offer_expire_task")
    assert job.run_after == first.expires_at
    # Run before its time (a clock skew between web and worker): nothing happens.
    dispatch_offer_expire_task.call(first.pk)
    assert DispatchOffer.objects.get(pk=first.pk).status == "offered"
    now = timezone.now()
    DispatchOffer.objects.filter(pk=first.pk).update(
        offered_at=now - timedelta(minutes=6), expires_at=now - timedelta(seconds=1)
    )
    dispatch_offer_expire_task.call(first.pk)
    dispatch_offer_expire_task.call(first.pk)  # a second run is a no-op
    offers = list(DispatchOffer.objects.filter(request=request).order_by("rank"))
    assert [(o.rank, o.status) for o in offers] == [(1, "expired"), (2, "offered")]
    # The new offer scheduled its own timeout.
    assert (
        DBTaskResult.objects.filter(task_path__endswith="dispatch_offer_expire_task").count() == 2
    )
    request.refresh_from_db()
    assert request.status == DispatchRequest.Status.OFFERED


def test_the_job_for_a_deleted_offer_does_nothing(db):
    dispatch_offer_expire_task.call(987654)
