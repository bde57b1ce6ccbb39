"""Reads of payments: who may see which."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tandem.accounts.models import User
from tandem.core.ids import parse_id

from ..models import Payment


def visible_payments(user: User) -> QuerySet[Payment]:
    """The client's own payments, a coach's payments for their work, everything for staff."""
    queryset = Payment.objects.select_related("coach", "booking", "client").prefetch_related(
        "sources", "refunds", "voids"
    )
    if user.is_staff:
        return queryset
    return queryset.filter(Q(client=user) | Q(coach__user=user))


def payment_for(user: User, payment_id: Any) -> Payment | None:
    parsed = parse_id(payment_id)
    if parsed is None:
        return None
    return visible_payments(user).filter(public_id=parsed).first()


def booking_payment(booking) -> Payment | None:
    """The latest payment of a booking (a rescheduled booking keeps its payment)."""
    return (
        Payment.objects.filter(booking=booking)
        .prefetch_related("sources", "refunds", "voids")
        .order_by("-pk")
        .first()
    )
