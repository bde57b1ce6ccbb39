"""Payment jobs: provider calls made after the change that asked for them committed, the
money sweep, payouts' transfers and documents' emails.

Each takes an id, loads fresh state and is safe to run twice: the provider call carries an
idempotency key derived from the row (a repeated call returns the first result), and the
row is updated with a conditional UPDATE.

Jobs are stored by their dotted path, so they stay here, one module for the app's jobs,
whichever sub-package does the work.
"""

from __future__ import annotations

import logging

from django_tasks import task

from .models import Payment, PaymentSource, Refund
from .providers import get_provider

# The services each task runs are imported inside the task: they import this module's task
# names at their top to enqueue them, so importing them here would be a real cycle.

log = logging.getLogger(__name__)


@task()
def provider_refund_task(refund_id: int) -> None:
    """Send a card refund to the provider (once per refund: its public id is the key)."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.provider_ref:
        return
    payment = refund.payment
    if not payment.provider_ref or payment.provider == "manual":
        return
    card = payment.sources.filter(kind=PaymentSource.Kind.CARD).first()
    card_part = min(refund.amount, card.amount) if card else refund.amount
    ref = get_provider(payment.provider).refund(
        ref=payment.provider_ref, amount=card_part, idempotency_key=f"refund-{refund.public_id}"
    )
    Refund.objects.filter(pk=refund.pk, provider_ref="").update(provider_ref=ref)


@task()
def cancel_intent_task(payment_id: int) -> None:
    """Cancel the PaymentIntent of a payment that lapsed unpaid."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or not payment.provider_ref:
        return
    try:
        get_provider(payment.provider).cancel_intent(
            payment.provider_ref, idempotency_key=f"cancel-{payment.public_id}"
        )
    except Exception:  # it may have succeeded meanwhile: the webhook refunds that case
        log.warning("could not cancel intent of payment %s", payment.public_id, exc_info=True)


@task()
def lapse_payment_task(payment_id: int) -> None:
    """A card payment still open when its hold ends lapses: credits back, slot freed."""
    from django.utils import timezone

    from .checkout.cards import payments_sweep

    payments_sweep(now=timezone.now())


@task()
def money_sweep_task() -> None:
    """Lapse unpaid card payments; expire packages and gift cards (each once)."""
    from .sweep import money_sweep

    money_sweep()


@task()
def payout_transfer_task(payout_id: int) -> None:
    """Send a Stripe Connect payout (idempotency key payout-<public_id>)."""
    from .payouts.services import payout_transfer

    payout_transfer(payout_id)


@task()
def document_email_task(invoice_id: int) -> None:
    """Email an invoice or receipt to its client with the PDF attached."""
    from .documents.services import send_document_email

    send_document_email(invoice_id)
