"""Money follows the booking: a cancellation, decline, lapse or no-show settles the booking's
payments (refunds by the coach's policy) in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from tandem.accounts.models import User

from ..models import Booking


def settle(booking: Booking, change: str, actor: User | None, now: datetime) -> None:
    # Imported here: payments builds on booking, not the other way round.
    from tandem.payments.services.refunds import on_booking_change

    on_booking_change(booking, change=change, actor=actor, now=now)
