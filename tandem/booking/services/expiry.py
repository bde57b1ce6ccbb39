"""Requests the coach left unanswered lapse at pending_expires_at (rules.request_has_lapsed)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Booking, BookingEvent
from ..rules import lapsed_requests
from . import history, notify, payments_hook


def expire_due_requests(*, now: datetime | None = None, coach_id: int | None = None) -> int:
    """Mark due pending requests expired (each once: a conditional UPDATE claims it)."""
    now = now or timezone.now()
    # Only when some are due does a booking's transaction get here (its opening statement
    # asks, booking/sql.py): an ORM query, read through the partial index on pending rows.
    due = Booking.objects.filter(lapsed_requests(now))
    if coach_id is not None:
        due = due.filter(coach_id=coach_id)
    expired = 0
    # No savepoint when called inside a booking's transaction: nothing here fails alone.
    with transaction.atomic(savepoint=False):
        for booking in due:
            claimed = Booking.objects.filter(pk=booking.pk, status=Booking.Status.PENDING).update(
                status=Booking.Status.EXPIRED, sequence=booking.sequence + 1, updated_at=now
            )
            if not claimed:
                continue
            booking.status = Booking.Status.EXPIRED
            booking.sequence += 1
            history.record(
                booking,
                BookingEvent.Kind.EXPIRED,
                actor=None,
                at=now,
                from_status=Booking.Status.PENDING,
            )
            payments_hook.settle(booking, "expired", None, now)
            notify.announce(booking, "expired")
            expired += 1
    return expired
