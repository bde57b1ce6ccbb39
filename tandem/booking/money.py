"""A booking's money as the booking API shows it (the rules live in tandem/payments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tandem.accounts.models import User

from .models import Booking
from .services.policy import cancellation_terms


def _amount(value: int, currency: str) -> str:
    from tandem.payments.services.money import from_minor

    return str(from_minor(value, currency))


def payment_summary(booking: Booking) -> dict[str, Any] | None:
    from tandem.payments.selectors import booking_payment

    payment = booking_payment(booking)
    if payment is None:
        return None
    return {
        "id": payment.public_id,
        "status": payment.status,
        "amount": _amount(payment.amount, payment.currency),
        "currency": payment.currency,
        "refunded": _amount(payment.refunded, payment.currency),
    }


def refund_if_cancelled(booking: Booking, user: User, now: datetime) -> dict[str, Any] | None:
    if booking.status not in Booking.ACTIVE_STATUSES or booking.start <= now:
        return None
    from tandem.payments.services.refunds import refund_preview

    late = cancellation_terms(booking, user, now).late
    preview = refund_preview(booking, actor=user, late=late)
    if preview is None:
        return None
    cur = preview["currency"]
    return {
        "currency": cur,
        "refund": _amount(preview["refund"], cur),
        "kept": _amount(preview["kept"], cur),
    }


def refund_made(booking: Booking) -> dict[str, Any] | None:
    """What the cancellation that just happened gave back."""
    from tandem.payments.models import Refund

    refunds = Refund.objects.filter(payment__booking=booking)
    if booking.cancelled_at is not None:
        refunds = refunds.filter(created_at__gte=booking.cancelled_at)
    refund = refunds.order_by("-pk").first()
    if refund is None:
        return None
    return {
        "currency": refund.currency,
        "refund": _amount(refund.amount, refund.currency),
        "kept": _amount(refund.kept, refund.currency),
    }
