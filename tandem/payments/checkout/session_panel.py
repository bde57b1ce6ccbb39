"""A session's payment as its panel shows it (the session page, the mark-paid page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.booking.services.policy import is_coach_of

from ..documents.selectors import document_rows
from ..documents.services import document_number
from ..ledger.money import format_minor
from ..models import Invoice, Payment, PaymentSource
from .refunds import sponsor_of
from .selectors import booking_payment


def payment_panel(booking: Booking, viewer: User, now: datetime) -> dict[str, Any] | None:
    """The session's payment as its panel shows it (a constant number of queries: the
    payment with its sources and refunds, and its document)."""
    payment = booking_payment(booking)
    if payment is None:
        return None
    cur = payment.currency
    found = list(Invoice.objects.filter(payment=payment))  # every version and credit note
    for doc in found:
        doc.coach = booking.coach  # the same coach: no query for the number
    invoice = next(
        (d for d in found if d.superseded_at is None and d.kind != Invoice.Kind.CREDIT_NOTE), None
    )
    is_coach = is_coach_of(booking, viewer)
    document = None
    if invoice is not None:
        document = {
            "label": invoice.get_kind_display(),
            "number": document_number(invoice),
            "status": invoice.get_status_display(),
            "url": reverse("payment_document", kwargs={"public_id": invoice.public_id}),
        }
    return {
        "payment": payment,
        "amount": format_minor(payment.amount, cur),
        "status": payment.status,
        "status_label": payment.get_status_display(),
        "fee": format_minor(payment.fee, cur) if is_coach or viewer.is_staff else "",
        "refunded": format_minor(payment.refunded, cur) if payment.refunded else "",
        "sources": [
            {
                "label": f"Covered by {source.sponsor_name}"
                if source.kind == PaymentSource.Kind.SPONSOR and source.sponsor_name
                else source.get_kind_display(),
                "amount": format_minor(source.amount, cur),
                "refunded": format_minor(source.refunded, cur) if source.refunded else "",
                "voided": format_minor(source.voided, cur) if source.voided else "",
            }
            for source in payment.sources.all()
        ],
        # An unpaid invoice cancelled is voided, not refunded: listed apart from refunds.
        "voids": [
            {
                "amount": format_minor(void.amount, cur),
                "reason": void.get_reason_display(),
                "message": void.message,
                "at": void.created_at,
            }
            for void in payment.voids.all()
        ],
        "refunds": [
            {
                "amount": format_minor(refund.amount, cur),
                "kept": format_minor(refund.kept, cur) if refund.kept else "",
                "reason": refund.get_reason_display(),
                "message": refund.message,
                "at": refund.created_at,
            }
            for refund in payment.refunds.all()
        ],
        # The sponsor that paid the session ("" when none did): nothing for the client to pay.
        "sponsor": sponsor_of(payment),
        "document": document,  # the current version
        "documents": document_rows(payment, found),  # with credit notes and older versions
        "can_mark_paid": payment.status == Payment.Status.AWAITING_INVOICE
        and (is_coach or viewer.is_staff),
        "is_coach": is_coach,
        "pay_url": reverse("payment_pay", kwargs={"payment_id": payment.public_id})
        if payment.status == Payment.Status.REQUIRES_PAYMENT and payment.client_id == viewer.pk
        else "",
    }
