"""A booking's money as the booking API shows it (the rules live in tandem/payments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tandem.accounts.models import User

from .models import Booking
from .services.policy import cancellation_terms


def _amount(value: int, currency: str) -> str:
    from tandem.payments.ledger.money import from_minor

    return str(from_minor(value, currency))


def payment_summary(booking: Booking) -> dict[str, Any] | None:
    from tandem.payments.checkout.selectors import booking_payment

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


def impact_words(refund: int, void: int, kept: int, currency: str) -> str:
    """One sentence on what a cancellation gives back: money refunded, or an unpaid invoice
    voided (nothing was paid, so nothing is refunded), and what the coach keeps."""
    from tandem.payments.ledger.money import format_money

    said = []
    if refund:
        said.append(f"{format_money(refund, currency)} is refunded")
    if void:
        said.append(
            f"the unpaid invoice of {format_money(void, currency)} is voided (nothing to pay)"
            if not kept
            else f"{format_money(void, currency)} of the unpaid invoice is voided"
        )
    if kept:
        said.append(f"the coach keeps {format_money(kept, currency)} (late cancellation)")
    if not said:
        return "Nothing is given back."
    text = "; ".join(said)
    return text[0].upper() + text[1:] + "."


def _impact(currency: str, refund: int, void: int, kept: int) -> dict[str, Any]:
    return {
        "currency": currency,
        "refund": _amount(refund, currency),
        "void": _amount(void, currency),
        "kept": _amount(kept, currency),
        "summary": impact_words(refund, void, kept, currency),
    }


def refund_if_cancelled(booking: Booking, user: User, now: datetime) -> dict[str, Any] | None:
    if booking.status not in Booking.ACTIVE_STATUSES or booking.start <= now:
        return None
    from tandem.payments.checkout.refunds import refund_preview

    late = cancellation_terms(booking, user, now).late
    preview = refund_preview(booking, actor=user, late=late)
    if preview is None:
        return None
    return _impact(preview["currency"], preview["refund"], preview["void"], preview["kept"])


def refund_made(booking: Booking) -> dict[str, Any] | None:
    """What the cancellation that just happened gave back: refunded, voided, kept."""
    from tandem.payments.models import PaymentVoid, Refund

    refunds = Refund.objects.filter(payment__booking=booking)
    voids = PaymentVoid.objects.filter(payment__booking=booking)
    if booking.cancelled_at is not None:
        refunds = refunds.filter(created_at__gte=booking.cancelled_at)
        voids = voids.filter(created_at__gte=booking.cancelled_at)
    refund = refunds.order_by("-pk").first()
    void = voids.order_by("-pk").first()
    if refund is None and void is None:
        return None
    currency = refund.currency if refund is not None else void.currency  # type: ignore[union-attr]
    kept = refund.kept if refund is not None else void.kept  # type: ignore[union-attr]
    return _impact(
        currency,
        refund.amount if refund is not None else 0,
        void.amount if void is not None else 0,
        kept,
    )
