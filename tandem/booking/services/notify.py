"""Side effects of booking changes, queued in the same transaction as the change.

The task queue is the database backend on the same database, so enqueueing inside the
transaction is an outbox: the job exists if and only if the change committed. Nothing is
lost if the process dies right after the commit (an on_commit hook would be), nothing is
sent for a change that rolled back, and the worker cannot see the job before the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django_tasks import task_backends

from ..models import Booking


def _in_transaction_or_on_commit(enqueue: Callable[[], object]) -> None:
    from django_tasks_db import DatabaseBackend

    if isinstance(task_backends["default"], DatabaseBackend):
        enqueue()
    else:  # another queue cannot join our transaction: wait for the commit.
        transaction.on_commit(enqueue, robust=True)


def announce(booking: Booking, kind: str, *, previous_start: datetime | None = None) -> None:
    """Tell both sides' open pages at once (their event streams), email both (with calendar
    invitations) and refresh the coach's next free slot, all from this transaction."""
    from tandem.realtime.services import send_event_on_commit

    from ..tasks import booking_changed_task

    send_event_on_commit(
        [booking.client_id, booking.coach.user_id],
        "booking.changed",
        {
            "booking": booking.public_id,
            "change": kind,
            "status": booking.status,
            "start": booking.start,
            "previous_start": previous_start,
        },
    )
    booking_id = booking.pk
    previous = previous_start.isoformat() if previous_start else None
    _in_transaction_or_on_commit(lambda: booking_changed_task.enqueue(booking_id, kind, previous))


def schedule_expiry(booking: Booking) -> None:
    """Make a pending request lapse on time even if nobody looks at the coach's calendar."""
    from ..tasks import expire_pending_task

    if booking.pending_expires_at is None:
        return
    booking_id, run_after = booking.pk, booking.pending_expires_at
    _in_transaction_or_on_commit(
        lambda: expire_pending_task.using(run_after=run_after).enqueue(booking_id)
    )
