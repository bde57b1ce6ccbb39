"""Requests the coach left unanswered lapse at pending_expires_at."""

from __future__ import annotations

import functools
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from tandem.core import sql

from ..models import Booking, BookingEvent
from . import history, notify, payments_hook

_BOOKING = sql.ModelReader(Booking, "b")


@functools.cache
def _select_due(vendor: str) -> str:
    return (
        f"SELECT {sql.columns(Booking, 'b')} FROM booking_booking b"
        f" WHERE b.status = '{Booking.Status.PENDING}' AND b.pending_expires_at <= %s"
    )  # the status written out: it is the partial index's condition


def expire_due_requests(*, now: datetime | None = None, coach_id: int | None = None) -> int:
    """Mark due pending requests expired (each once: a conditional UPDATE claims it)."""
    now = now or timezone.now()
    # Hand-written (tandem/core/sql.py): every booking transaction asks this of its coach.
    statement = _select_due(connection.vendor)
    params: list[object] = [sql.instant(now)]
    if coach_id is not None:
        statement += " AND b.coach_id = %s"
        params.append(coach_id)
    expired = 0
    # No savepoint when called inside a booking's transaction: nothing here fails alone.
    with transaction.atomic(savepoint=False):
        for row in sql.fetch(statement, params):
            booking = _BOOKING.build(row)
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
