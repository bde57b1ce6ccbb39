"""Side effects of booking changes, queued in the same transaction as the change
(an outbox: see tandem/core/outbox.py)."""

from __future__ import annotations

from datetime import datetime

from tandem.core.outbox import enqueue_in_transaction
from tandem.realtime.services import send_event_on_commit

from ..models import Booking


def announce(booking: Booking, kind: str, *, previous_start: datetime | None = None) -> None:
    """Tell both sides' open pages at once (their event streams), email both (with calendar
    invitations) and refresh the coach's next free slot, all from this transaction."""
    # Imported here: booking.tasks imports this package at its top (directly and through
    # booking.emails), so a top-level import of its task names would be a real cycle.
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
    enqueue_in_transaction(lambda: booking_changed_task.enqueue(booking_id, kind, previous))


def schedule_expiry(booking: Booking) -> None:
    """Make a pending request lapse on time even if nobody looks at the coach's calendar."""
    from ..tasks import expire_pending_task

    if booking.pending_expires_at is None:
        return
    booking_id, run_after = booking.pk, booking.pending_expires_at
    enqueue_in_transaction(
        lambda: expire_pending_task.using(run_after=run_after).enqueue(booking_id)
    )
