"""Invoices (the manual provider): the coach or staff recording that one was paid."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import NotFound

from ..errors import PaymentNotOpen
from ..ledger import accounts
from ..ledger import services as ledger
from ..models import Invoice, Payment, PaymentSource
from .completion import succeed
from .locking import lock_row

Purpose = Payment.Purpose
Status = Payment.Status
Source = PaymentSource.Kind


@transaction.atomic
def invoice_mark_paid(*, payment_id: uuid.UUID, user: User, now: datetime | None = None) -> Payment:
    """The coach of the payment (or staff) records that its invoice was paid."""
    now = now or timezone.now()
    found = Payment.objects.filter(public_id=payment_id).select_related("coach").first()
    if found is None or not (
        user.is_staff or (found.coach is not None and found.coach.user_id == user.pk)
    ):
        raise NotFound("No such payment.")
    payment = lock_row(Payment, found.pk)
    if payment.status != Status.AWAITING_INVOICE:
        raise PaymentNotOpen()
    invoice = payment.sources.get(kind=Source.INVOICE)
    invoice_part = invoice.amount - invoice.refunded - invoice.voided  # a void is not owed
    clearing = accounts.provider_clearing("manual", payment.currency)
    if payment.purpose == Purpose.BOOKING:
        # Earned already; the client's debt is settled.
        legs = [
            (clearing, invoice_part),
            (accounts.receivable(payment.client, payment.currency), -invoice_part),
        ]
    else:
        legs = [(clearing, invoice_part), (accounts.in_flight(payment), -invoice_part)]
    ledger.post(
        reason="invoice_paid",
        correlation_key=f"payment:{payment.pk}:invoice_paid",
        legs=legs,
        payment=payment,
        actor=user,
        now=now,
    )
    if payment.purpose == Purpose.BOOKING:
        payment.status = Status.SUCCEEDED
        payment.succeeded_at = now
        payment.updated_at = now
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    else:
        succeed(payment, now, receipt=False)  # earns and fulfils (the paid invoice is the record)

    Invoice.objects.filter(
        payment=payment, status=Invoice.Status.OPEN, superseded_at__isnull=True
    ).update(status=Invoice.Status.PAID, paid_at=now)
    return payment
