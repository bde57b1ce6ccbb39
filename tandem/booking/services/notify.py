"""Side effects of booking changes, sent only once the change is committed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from tandem.availability.services import schedule_refresh_next_available

from ..models import Booking


def announce(booking: Booking, kind: str, *, previous_start: datetime | None = None) -> None:
    """Email both sides (with calendar invitations) and refresh the coach's next free slot."""
    booking_id = booking.pk
    previous = previous_start.isoformat() if previous_start else None

    def send() -> None:
        from ..tasks import send_booking_emails_task

        send_booking_emails_task.enqueue(booking_id, kind, previous)

    transaction.on_commit(send)
    schedule_refresh_next_available([booking.coach_id])


def schedule_expiry(booking: Booking) -> None:
    """Make a pending request lapse on time even if nobody looks at the coach's calendar."""
    if booking.pending_expires_at is None:
        return
    booking_id, run_after = booking.pk, booking.pending_expires_at

    def enqueue() -> None:
        from ..tasks import expire_pending_task

        expire_pending_task.using(run_after=run_after).enqueue(booking_id)

    transaction.on_commit(enqueue)
