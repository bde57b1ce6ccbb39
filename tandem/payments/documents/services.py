"""Invoices, receipts and credit notes: numbered per coach without gaps, frozen at issue,
versioned on change, rendered as PDF, emailed.

A document's number is taken with `numbering.next_number` in the same transaction
that creates it: a rollback gives the number back, concurrent documents wait for each other.
A payment has at most one *current* document: an invoice for a manual payment (issued open,
marked paid later) or a receipt for a payment that succeeded. Issuing again returns the
current one and sends nothing.

**Issued means frozen.** What a document says — the session's time, the line, the payment
sources (package credit, gift card by its hint, account credit, card, invoice), refunds made
before issue — is copied into `Invoice.snapshot` when it is issued, and the PDF is rendered
from that snapshot, never from live rows. Only the payment state (open, paid, void) moves.
A change never rewrites it:
- the session moved (`on_booking_moved`, through booking's payments seam): a **new version**
  with its own number from the same series; the old one is marked superseded (and stays
  downloadable as it was);
- money given back after issue (a refund or a void): a **credit note** for that amount,
  numbered in the coach's credit note series, pointing at the version it corrects.

After the commit, the client gets an email (HTML and text) with the PDF attached and a link
to download it again. The email is a job enqueued in the document's transaction (an outbox:
tandem/core/outbox.py), so rendering the PDF never slows the payment's request, a rollback
sends nothing, and a crash right after the commit loses nothing. The job sends the *current*
version of the document it was given (a reschedule before the job ran mails the new version
once), and a rerun does not mail twice: a record in the database, written after sending
(tandem/core/effects.py; a worker killed between the send and the record mails again, under
the same Message-ID).
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.core import effects
from tandem.core.outbox import enqueue_in_transaction

from ..checkout.present import payment_description
from ..giftcards.codes import masked_code
from ..ledger.money import format_minor
from ..models import Invoice, Payment, PaymentSource
from ..quiet import emails_on
from ..tasks import document_email_task
from .numbering import next_number

logger = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = 1


def document_number(invoice: Invoice) -> str:
    """'ALICE-000042' (a credit note: 'ALICE-CN-000003'): the same on the PDF and the page."""
    slug = invoice.coach.slug.upper()
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        return f"{slug}-CN-{invoice.number:06d}"
    return f"{slug}-{invoice.number:06d}"


def document_url(invoice: Invoice) -> str:
    return f"{settings.TANDEM_SITE_URL}/payments/documents/{invoice.public_id}.pdf"


def current_version(invoice: Invoice) -> Invoice:
    """The newest version of a document (itself when it is current, or a credit note)."""
    while invoice.superseded_at is not None:
        newer = Invoice.objects.filter(supersedes=invoice).first()
        if newer is None:
            break
        invoice = newer
    return invoice


# --- the snapshot ------------------------------------------------------------------------------


def _zone(payment: Payment) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(payment.coach.timezone if payment.coach_id else "UTC")


def _session(payment: Payment, zone: zoneinfo.ZoneInfo) -> dict[str, str] | None:
    booking = payment.booking if payment.booking_id else None
    if booking is None:
        return None
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    return {
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "when": f"{start:%a %d %b %Y, %H:%M}–{end:%H:%M} ({zone.key})",
    }


def _source_label(source: PaymentSource) -> str:
    if source.kind == PaymentSource.Kind.GIFT_CARD and source.gift_card_id:
        # Codes are not stored: the card is named by its hint only.
        return f"Gift card {masked_code(source.gift_card.code_hint)}"
    if source.kind == PaymentSource.Kind.SPONSOR and source.sponsor_name:
        return f"Covered by {source.sponsor_name}"
    return source.get_kind_display()


def _sources(payment: Payment) -> list[dict[str, Any]]:
    return [
        {"kind": s.kind, "label": _source_label(s), "amount": s.amount}
        for s in payment.sources.select_related("gift_card").order_by("pk")
        if s.amount > 0 or s.kind == PaymentSource.Kind.PACKAGE
    ]


def _description(payment: Payment, session: dict[str, str] | None) -> str:
    desc = payment_description(payment)
    if session is not None:
        desc = f"{desc}, {session['when']}"
    return desc[:300]


def snapshot_of(payment: Payment, *, kind: str, now: datetime) -> dict[str, Any]:
    """What an invoice or receipt of `payment` says, as issued at `now` (plain JSON)."""
    zone = _zone(payment)
    session = _session(payment, zone)
    description = _description(payment, session)
    refunds = []
    if kind == Invoice.Kind.RECEIPT:
        refunds = [
            {
                "date": r.created_at.isoformat(),
                "amount": r.amount,
                "reason": r.get_reason_display(),
            }
            for r in payment.refunds.all()
            if r.amount > 0
        ]
    return {
        "schema": SNAPSHOT_SCHEMA,
        "coach": {"name": payment.coach.user.name, "email": payment.coach.user.email},
        "client": {"name": payment.client.name, "email": payment.client.email},
        "zone": zone.key,
        "session": session,
        "lines": [{"description": description, "amount": payment.amount}],
        "total": payment.amount,
        "currency": payment.currency,
        "sources": _sources(payment),
        "refunds": refunds,
        "issued_at": now.isoformat(),
    }


# --- issuing -----------------------------------------------------------------------------------


def _lock_payment(payment: Payment) -> None:
    # Two issues for one payment wait for each other here (PostgreSQL row lock; SQLite's
    # IMMEDIATE transaction already serialises writers), so the second finds the first.
    list(Payment.objects.select_for_update().filter(pk=payment.pk).values_list("pk"))


def _current(payment: Payment) -> Invoice | None:
    return (
        Invoice.objects.filter(payment=payment, superseded_at__isnull=True)
        .exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .first()
    )


def _issue(payment: Payment, *, kind: str, now: datetime | None) -> Invoice | None:
    if payment.coach_id is None:
        return None  # a gift card bought from the platform: no coach to number it
    now = now or timezone.now()
    with transaction.atomic():
        _lock_payment(payment)
        existing = _current(payment)
        if existing is not None:
            return existing
        paid = kind == Invoice.Kind.RECEIPT
        snapshot = snapshot_of(payment, kind=kind, now=now)
        invoice = Invoice.objects.create(
            coach=payment.coach,
            client=payment.client,
            payment=payment,
            kind=kind,
            number=next_number(payment.coach),
            status=Invoice.Status.PAID if paid else Invoice.Status.OPEN,
            description=snapshot["lines"][0]["description"],
            amount=payment.amount,
            currency=payment.currency,
            issued_at=now,
            paid_at=(payment.succeeded_at or now) if paid else None,
            snapshot=snapshot,
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


def document_reissue(payment: Payment, *, reason: str, now: datetime) -> Invoice | None:
    """A new version of the payment's current document, because its details changed.

    Runs in the caller's transaction. The new version takes the next number of the series,
    keeps the old one's kind and payment state, and freezes what is true now; the old one is
    marked superseded and otherwise left exactly as it was. Nothing to do without a document.
    """
    with transaction.atomic():
        _lock_payment(payment)
        old = _current(payment)
        if old is None:
            return None
        payment = Payment.objects.select_related(
            "coach__user", "client", "booking", "session_type", "package_purchase__offer"
        ).get(pk=payment.pk)
        snapshot = snapshot_of(payment, kind=old.kind, now=now)
        snapshot["supersedes"] = document_number(old)
        snapshot["change"] = reason[:300]
        # The superseded mark first: the one-current-version constraint holds at every step.
        Invoice.objects.filter(pk=old.pk).update(superseded_at=now)
        new = Invoice.objects.create(
            coach=old.coach,
            client=old.client,
            payment=payment,
            kind=old.kind,
            number=next_number(old.coach),
            version=old.version + 1,
            supersedes=old,
            status=old.status,
            description=snapshot["lines"][0]["description"],
            amount=old.amount,
            currency=old.currency,
            issued_at=now,
            paid_at=old.paid_at,
            snapshot=snapshot,
        )
        if emails_on():
            _enqueue_email(new.pk)
    return new


def credit_note_issue(
    payment: Payment, *, amount: int, what: str, reason: str, now: datetime
) -> Invoice | None:
    """A credit note for `amount` given back after the payment's document was issued.

    `what` is "refund" or "void". Runs in the caller's transaction. Numbered in the coach's
    credit note series. Nothing to do without a document, or for nothing given back.
    """
    if amount <= 0 or payment.coach_id is None:
        return None
    with transaction.atomic():
        _lock_payment(payment)
        document = _current(payment)
        if document is None:
            return None
        label = "Refund" if what == "refund" else "Unpaid invoice cancelled (voided)"
        snapshot = {
            "schema": SNAPSHOT_SCHEMA,
            "coach": document.snapshot.get("coach")
            or {"name": payment.coach.user.name, "email": payment.coach.user.email},
            "client": document.snapshot.get("client")
            or {"name": payment.client.name, "email": payment.client.email},
            "zone": _zone(payment).key,
            "session": document.snapshot.get("session"),
            "credits": document_number(document),
            "what": what,
            "lines": [
                {
                    "description": f"{label}: {reason} — {document.description}"[:300],
                    "amount": -amount,
                }
            ],
            "total": -amount,
            "currency": payment.currency,
            "sources": [],
            "refunds": [],
            "issued_at": now.isoformat(),
        }
        note = Invoice.objects.create(
            coach=document.coach,
            client=document.client,
            payment=payment,
            kind=Invoice.Kind.CREDIT_NOTE,
            number=next_number(document.coach, "credit_note"),
            credits=document,
            status=Invoice.Status.ISSUED,
            description=snapshot["lines"][0]["description"],
            amount=amount,
            currency=payment.currency,
            issued_at=now,
            snapshot=snapshot,
        )
        if emails_on():
            _enqueue_email(note.pk)
    return note


def on_booking_moved(booking: Any, previous_start: datetime, now: datetime) -> None:
    """`payments_hook.moved`: a session moved, so each of its documents gets a new version."""
    zone = zoneinfo.ZoneInfo(booking.coach.timezone or "UTC")
    reason = (
        f"Session moved from {previous_start.astimezone(zone):%a %d %b %Y, %H:%M} "
        f"to {booking.start.astimezone(zone):%a %d %b %Y, %H:%M} ({zone.key})"
    )
    for payment in Payment.objects.filter(booking=booking).order_by("pk"):
        document_reissue(payment, reason=reason, now=now)


# --- email -------------------------------------------------------------------------------------


def _enqueue_email(invoice_id: int) -> None:
    enqueue_in_transaction(lambda: document_email_task.enqueue(invoice_id))


def send_document_email(invoice_id: int) -> None:
    """Email the current version of the document to its client, PDF attached (the job,
    after the commit)."""
    from .pdf import document_pdf  # pdf imports this module's names at its top: a real cycle

    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        return
    invoice = current_version(invoice)
    key = f"payments:document-mail:{invoice.pk}"
    if effects.effect_done(key):
        return
    invoice = Invoice.objects.select_related("coach__user", "client", "payment").get(pk=invoice.pk)
    number = document_number(invoice)
    label = invoice.get_kind_display()
    context = {
        "invoice": invoice,
        "number": number,
        "label": label,
        "amount": format_minor(invoice.amount, invoice.currency),
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
    effects.send_email_once(key, message)
