"""Every change to a booking is recorded: who, when, from -> to, why."""

from __future__ import annotations

from datetime import datetime

from tandem.accounts.models import User

from .. import sql
from ..models import Booking, BookingEvent
from ..signals import send_booking_changed_on_commit


def record(
    booking: Booking,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    from_status: str = "",
    from_start: datetime | None = None,
    reason_code: str = "",
    message: str = "",
) -> BookingEvent:
    event = BookingEvent(
        booking=booking,
        kind=kind,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=booking.status,
        from_start=from_start,
        to_start=booking.start,
        reason_code=reason_code,
        message=message,
    )
    sql.insert(event)  # hand-written INSERT (booking/sql.py): every booking's transaction runs it
    # The apps above follow every recorded change (booking/signals.py), after the commit.
    send_booking_changed_on_commit(
        sender=Booking,
        booking_id=booking.pk,
        coach_id=booking.coach_id,
        client_id=booking.client_id,
        change=kind,
    )
    return event
