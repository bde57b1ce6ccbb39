"""Invoices and receipts: numbered per coach without gaps, rendered as PDF, emailed.

A document's number is taken with `invoices_numbering.next_number` in the same transaction
that creates it: a rollback gives the number back, concurrent documents wait for each other.
A payment has at most one document (Invoice.payment is one-to-one): an invoice for a manual
payment (issued open, marked paid later) or a receipt for a payment that succeeded. Issuing
again returns the existing document and sends nothing.

After the commit, the client gets an email (HTML and text) with the PDF attached and a link
to download it again. The email is a job enqueued in the document's transaction (an outbox:
tandem/core/outbox.py), so rendering the PDF never slows the payment's request, a rollback
sends nothing, and a crash right after the commit loses nothing. A rerun of the job does not
mail twice (a mark in the cache, kept after sending).
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ..models import Invoice, Payment
from .invoices_numbering import next_number
from .money import format_money
from .quiet import emails_on

logger = logging.getLogger(__name__)


def document_number(invoice: Invoice) -> str:
    """'ALICE-000042': the coach's slug and the number, the same on the PDF and the page."""
    return f"{invoice.coach.slug.upper()}-{invoice.number:06d}"


def document_url(invoice: Invoice) -> str:
    return f"{settings.TANDEM_SITE_URL}/payments/documents/{invoice.public_id}.pdf"


def _description(payment: Payment) -> str:
    from ..selectors_money import payment_description

    desc = payment_description(payment)
    if payment.booking_id and payment.booking is not None:
        zone = zoneinfo.ZoneInfo(payment.coach.timezone if payment.coach_id else "UTC")
        start = payment.booking.start.astimezone(zone)
        desc = f"{desc}, {start:%d %b %Y %H:%M} ({zone.key})"
    return desc[:300]


def _issue(payment: Payment, *, kind: str, now: datetime | None) -> Invoice | None:
    if payment.coach_id is None:
        return None  # a gift card bought from the platform: no coach to number it
    now = now or timezone.now()
    with transaction.atomic():
        # Two issues for one payment wait for each other here (PostgreSQL row lock; SQLite's
        # IMMEDIATE transaction already serialises writers), so the second finds the first.
        list(Payment.objects.select_for_update().filter(pk=payment.pk).values_list("pk"))
        existing = Invoice.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
        paid = kind == Invoice.Kind.RECEIPT
        invoice = Invoice.objects.create(
            coach=payment.coach,
            client=payment.client,
            payment=payment,
            kind=kind,
            number=next_number(payment.coach),
            status=Invoice.Status.PAID if paid else Invoice.Status.OPEN,
            description=_description(payment),
            amount=payment.amount,
            currency=payment.currency,
            issued_at=now,
            paid_at=(payment.succeeded_at or now) if paid else None,
        )
        if emails_on():
            _enqueue_email(invoice.pk)
    return invoice


def receipt_issue(payment: Payment, now: datetime | None = None) -> Invoice | None:
    """The receipt of a payment that succeeded (card, credits). Idempotent."""
    return _issue(payment, kind=Invoice.Kind.RECEIPT, now=now)


def invoice_issue(payment: Payment, now: datetime | None = None) -> Invoice | None:
    """An open invoice for a payment to be made by hand (manual provider). Idempotent."""
    return _issue(payment, kind=Invoice.Kind.INVOICE, now=now)


def _enqueue_email(invoice_id: int) -> None:
    from tandem.core.outbox import enqueue_in_transaction

    from ..tasks_money import document_email_task

    enqueue_in_transaction(lambda: document_email_task.enqueue(invoice_id))


def send_document_email(invoice_id: int) -> None:
    """Email the document to its client, PDF attached (the job, after the commit)."""
    from django.core.cache import cache

    from ..pdf import document_pdf

    mark = f"payments:document-mail:{invoice_id}"
    if cache.get(mark):
        return

    invoice = (
        Invoice.objects.select_related("coach__user", "client", "payment")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        return
    number = document_number(invoice)
    label = invoice.get_kind_display()
    context = {
        "invoice": invoice,
        "number": number,
        "label": label,
        "amount": format_money(invoice.amount, invoice.currency),
        "coach_name": invoice.coach.user.name,
        "recipient_name": invoice.client.name,
        "download_url": document_url(invoice),
        "history_url": f"{settings.TANDEM_SITE_URL}/payments/",
        "site_url": settings.TANDEM_SITE_URL,
    }
    subject = f"{label} {number} from {invoice.coach.user.name}"
    text = render_to_string("payments/invoices/email.txt", context)
    html = render_to_string("payments/invoices/email.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invoice.client.email])
    message.attach_alternative(html, "text/html")
    message.attach(f"{number}.pdf", document_pdf(invoice), "application/pdf")
    message.send()
    cache.set(mark, True, 60 * 60 * 24 * 7)
