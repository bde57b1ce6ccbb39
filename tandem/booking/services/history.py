"""Every change to a booking is recorded: who, when, from -> to, why."""

from __future__ import annotations

from datetime import datetime

from tandem.accounts.models import User

from .. import sql
from ..models import Booking, BookingEvent


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
    return event
