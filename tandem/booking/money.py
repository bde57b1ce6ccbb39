"""A booking's money as the booking API shows it. The rules and the figures are payments',
asked through the payments port (services/payments_hook.py); this only shapes them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from tandem.accounts.models import User

from .models import Booking
from .services import payments_hook
from .services.policy import cancellation_terms


def payment_summary(booking: Booking) -> dict[str, Any] | None:
    summary = payments_hook.port().payment_summary(booking)
    return asdict(summary) if summary is not None else None


def _impact(back: payments_hook.MoneyBack | None) -> dict[str, Any] | None:
    if back is None:
        return None
    return {
        "currency": back.currency,
        "refund": back.refund,
        "void": back.void,
        "kept": back.kept,
        "summary": back.summary,
    }


def refund_if_cancelled(booking: Booking, user: User, now: datetime) -> dict[str, Any] | None:
    if booking.status not in Booking.ACTIVE_STATUSES or booking.start <= now:
        return None
    late = cancellation_terms(booking, user, now).late
    return _impact(payments_hook.port().refund_preview(booking, user, late))


def refund_made(booking: Booking) -> dict[str, Any] | None:
    """What the cancellation that just happened gave back: refunded, voided, kept."""
    return _impact(payments_hook.port().money_back(booking))
