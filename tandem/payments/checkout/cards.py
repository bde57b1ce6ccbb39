"""Card payments: the provider's PaymentIntent, applying the state the provider reports
(webhook or return page), and lapsing a card payment whose hold expired unpaid."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tandem.core.outbox import enqueue_in_transaction

from ..ledger import accounts
from ..ledger import services as ledger
from ..models import Payment, PaymentSource
from ..providers import IntentState, ProviderIntent, get_provider
from ..tasks import cancel_intent_task, lapse_payment_task
from .completion import succeed
from .failure import payment_fail
from .locking import lock_row
from .refunds import refund_late_card

Status = Payment.Status
Source = PaymentSource.Kind


def schedule_lapse(payment: Payment) -> None:
    """Lapse the payment on time if the card never succeeds (the sweep is the backstop)."""
    if payment.expires_at is None:
        return

    payment_pk, run_after = payment.pk, payment.expires_at
    enqueue_in_transaction(
        lambda: lapse_payment_task.using(run_after=run_after).enqueue(payment_pk)
    )


def start_card_after_commit(payment_pk: int) -> None:
    payment = Payment.objects.get(pk=payment_pk)
    try:
        payment_start_card(payment)
    except Exception:  # the client retries (same Idempotency-Key) or the sweep lapses it
        import logging

        logging.getLogger(__name__).exception("could not create the PaymentIntent")


def payment_start_card(payment: Payment) -> Payment:
    """Create the provider's PaymentIntent for the card part (idempotent: keyed by payment)."""
    if payment.provider_ref or payment.status != Status.REQUIRES_PAYMENT:
        return payment
    card = payment.sources.get(kind=Source.CARD)
    intent = get_provider(payment.provider).create_intent(
        amount=card.amount,
        currency=payment.currency,
        idempotency_key=f"payment-{payment.public_id}",
        metadata={"payment": str(payment.public_id), "purpose": payment.purpose},
    )
    Payment.objects.filter(pk=payment.pk, provider_ref="").update(
        provider_ref=intent.ref, client_secret=intent.client_secret
    )
    payment.refresh_from_db()
    return payment


@transaction.atomic
def payment_apply_intent(
    *, payment: Payment, intent: ProviderIntent, now: datetime | None = None
) -> Payment:
    """Apply the provider's (re-read) state of the payment's intent. Safe to repeat."""
    now = now or timezone.now()
    payment = lock_row(Payment, payment.pk)
    if intent.state == IntentState.SUCCEEDED:
        if payment.status == Status.REQUIRES_PAYMENT:
            card = payment.sources.get(kind=Source.CARD)
            ledger.post(
                reason="card_received",
                correlation_key=f"payment:{payment.pk}:card",
                legs=[
                    (accounts.provider_clearing(payment.provider, payment.currency), card.amount),
                    (accounts.in_flight(payment), -card.amount),
                ],
                payment=payment,
                now=now,
            )
            succeed(payment, now)
        elif payment.status in (Status.FAILED, Status.CANCELLED):
            _refund_late_card(payment, now)
    elif (
        intent.state in (IntentState.FAILED, IntentState.CANCELED)
        and payment.status == Status.REQUIRES_PAYMENT
    ):
        payment_fail(
            payment,
            reason=intent.failure_reason or "The card payment did not go through.",
            status=Status.FAILED if intent.state == IntentState.FAILED else Status.CANCELLED,
            now=now,
        )
    payment.refresh_from_db()
    return payment


def _refund_late_card(payment: Payment, now: datetime) -> None:
    """The card succeeded after the payment lapsed: take the money in, send it straight back."""
    refund_late_card(payment, now=now)


def payments_sweep(*, now: datetime | None = None) -> int:
    """Lapse card payments whose hold expired unpaid (and cancel their intents)."""
    now = now or timezone.now()
    lapsed = 0
    for payment in Payment.objects.filter(status=Status.REQUIRES_PAYMENT, expires_at__lte=now):
        with transaction.atomic():
            done = payment_fail(
                payment, reason="Not paid in time.", status=Status.CANCELLED, now=now
            )
        if done.status == Status.CANCELLED:
            lapsed += 1
            if done.provider_ref:
                cancel_intent_task.enqueue(done.pk)
    return lapsed
