"""Payments as the API and pages show them (amounts as decimal strings with the currency)."""

from __future__ import annotations

from typing import Any

from tandem.accounts.models import User

from ..ledger.money import from_minor
from ..models import Payment


def amount(value: int, currency: str) -> str:
    return str(from_minor(value, currency))


def sees_fee(payment: Payment, user: User) -> bool:
    return user.is_staff or (payment.coach is not None and payment.coach.user_id == user.pk)


def payment_data(payment: Payment, user: User) -> dict[str, Any]:
    cur = payment.currency
    is_client = payment.client_id == user.pk
    return {
        "id": payment.public_id,
        "purpose": payment.purpose,
        "status": payment.status,
        "status_label": payment.get_status_display(),
        "amount": amount(payment.amount, cur),
        "currency": cur,
        "platform_fee": amount(payment.fee, cur) if sees_fee(payment, user) else None,
        "refunded": amount(payment.refunded, cur),
        "voided": amount(payment.voided, cur),
        "provider": payment.provider,
        "sources": [
            {
                "kind": s.kind,
                "amount": amount(s.amount, cur),
                "refunded": amount(s.refunded, cur),
                "voided": amount(s.voided, cur),
            }
            for s in payment.sources.all()
        ],
        "refunds": [
            {
                "id": r.public_id,
                "amount": amount(r.amount, cur),
                "kept": amount(r.kept, cur),
                "reason": r.reason,
                "message": r.message,
                "created_at": r.created_at,
            }
            for r in payment.refunds.all()
        ],
        "voids": [
            {
                "amount": amount(v.amount, cur),
                "reason": v.reason,
                "message": v.message,
                "created_at": v.created_at,
            }
            for v in payment.voids.all()
        ],
        "booking": payment.booking.public_id if payment.booking_id else None,
        "client_secret": (
            payment.client_secret
            if is_client and payment.status == Payment.Status.REQUIRES_PAYMENT
            else None
        ),
        "expires_at": payment.expires_at,
        "created_at": payment.created_at,
    }


def next_action(payment: Payment | None) -> str:
    if payment is None:
        return "none"
    if payment.status == Payment.Status.REQUIRES_PAYMENT:
        return "pay_card"
    if payment.status == Payment.Status.AWAITING_INVOICE:
        return "pay_invoice"
    return "none"


def payment_description(payment: Payment) -> str:
    """What a payment was for, in words."""
    coach_name = payment.coach.user.name if payment.coach_id else ""
    if payment.purpose == Payment.Purpose.BOOKING:
        what = payment.session_type.name if payment.session_type_id else "Session"
        return f"{what} with {coach_name}" if coach_name else what
    if payment.purpose == Payment.Purpose.PACKAGE:
        name = payment.package_purchase.offer.name if payment.package_purchase_id else "Package"
        return f"{name} with {coach_name}" if coach_name else name
    return "Gift card"
