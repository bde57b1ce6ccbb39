"""A payment's money arriving: earning it (in-flight to the coach, the platform, the package
or the gift card), fulfilling what was paid for (booking the held time, activating a package
or card, a programme's budget), its receipt or invoice, and the full refund of a paid time
that is gone."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from tandem.booking.models import Booking
from tandem.booking.services import BookingRequest, booking_create
from tandem.booking.services.errors import HoldExpired
from tandem.core.errors import NotFound, ServiceError
from tandem.core.outbox import enqueue_in_transaction

from ..documents import services as documents

# packages, giftcards and sponsors services import checkout: import them as modules (never
# their names) so that either side may be imported first.
from ..giftcards import services as giftcards
from ..ledger import accounts
from ..ledger import services as ledger
from ..models import GiftCard, PackageCredit, Payment, PaymentSource
from ..packages import services as packages
from ..sponsors import services as sponsors
from ..tasks import money_sweep_task
from .refunds import return_unearned
from .terms import SessionPayment

Purpose = Payment.Purpose
Status = Payment.Status
Source = PaymentSource.Kind


def schedule_expiry_sweep(at: datetime) -> None:
    """Run the money sweep when a package or gift card expires (forfeits posted on time)."""
    enqueue_in_transaction(lambda: money_sweep_task.using(run_after=at).enqueue())


def issue_document(payment: Payment, kind: str, now: datetime) -> None:
    """An invoice (manual provider) or a receipt, numbered per coach (documents/services.py)."""
    if payment.coach is None:
        return

    if kind == "invoice":
        documents.invoice_issue(payment, now)
    else:
        documents.receipt_issue(payment, now)


def earn(payment: Payment, now: datetime) -> None:
    """Move the payment's money from in-flight to where it belongs (once: correlation key)."""
    in_flight = accounts.in_flight(payment)
    amount = payment.amount
    if amount == 0:
        return
    if payment.purpose == Purpose.BOOKING:
        legs = [(in_flight, amount)]
        if amount - payment.fee:
            legs.append(
                (accounts.coach_payable(payment.coach, payment.currency), -(amount - payment.fee))
            )
        if payment.fee:
            legs.append((accounts.platform_revenue(payment.currency), -payment.fee))
    elif payment.purpose == Purpose.PACKAGE:
        legs = [(in_flight, amount), (accounts.package(payment.package_purchase), -amount)]
    else:
        legs = [(in_flight, amount), (accounts.gift_card(payment.gift_card), -amount)]
    ledger.post(
        reason="payment_earn",
        correlation_key=f"payment:{payment.pk}:earn",
        legs=legs,
        payment=payment,
        booking=payment.booking,
        now=now,
    )


def succeed(payment: Payment, now: datetime, *, receipt: bool = True) -> None:
    """Everything is paid: earn, fulfil (book the held time, activate a package or card)."""
    if payment.purpose == Purpose.BOOKING and payment.booking_id is None:
        booking = _book_paid_session(payment, now)
        if booking is None:
            return
    payment.status = Status.SUCCEEDED
    payment.succeeded_at = now
    payment.updated_at = now
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    if payment.purpose == Purpose.SPONSOR_FUNDING:
        # A programme's budget paid by card: in-flight → the budget (sponsors/services.py).
        sponsors.on_card_paid(payment, now=now)
        return
    earn(payment, now)
    if payment.purpose == Purpose.PACKAGE:
        # A package's payment always has its purchase (packages/services.py opens it so).
        assert payment.package_purchase is not None
        purchase = packages.on_paid(payment.package_purchase, now=now)
        schedule_expiry_sweep(purchase.expires_at)
    elif payment.purpose == Purpose.GIFT_CARD:
        # A gift card's payment always has its card (giftcards/services.py opens it so).
        assert payment.gift_card is not None
        giftcards.on_paid(payment.gift_card, payment=payment, now=now)
        card = GiftCard.objects.get(pk=payment.gift_card.pk)
        schedule_expiry_sweep(card.expires_at)
    if receipt and payment.amount:
        issue_document(payment, "receipt", now)


def _book_paid_session(payment: Payment, now: datetime) -> Booking | None:
    """Book the time a card payment was for. If it is gone, refund in full (None)."""
    request = BookingRequest(hold_id=payment.hold_public_id, notes=payment.booking_notes)
    try:
        with transaction.atomic():
            outcome = booking_create(
                client=payment.client,
                request=request,
                idempotency_key=f"payment-{payment.public_id}",
                now=now,
                payment=SessionPayment(paid_by=payment),
            )
    except (HoldExpired, NotFound):
        # The hold lapsed while the client paid: book the same time directly if it is free.
        if payment.booking_start is None:
            _refund_unbookable(payment, now)
            return None
        try:
            with transaction.atomic():
                outcome = booking_create(
                    client=payment.client,
                    request=BookingRequest(
                        coach=payment.coach,
                        session_type=payment.session_type,
                        start=payment.booking_start,
                        notes=payment.booking_notes,
                    ),
                    idempotency_key=f"payment-{payment.public_id}-direct",
                    now=now,
                    payment=SessionPayment(paid_by=payment),
                )
        except ServiceError:  # taken, too late, or the coach stopped taking bookings
            _refund_unbookable(payment, now)
            return None
    except ServiceError:
        _refund_unbookable(payment, now)
        return None
    payment.booking = outcome.booking
    payment.save(update_fields=["booking"])
    PackageCredit.objects.filter(
        pk__in=payment.sources.filter(kind=Source.PACKAGE).values("package_credit")
    ).update(booking=outcome.booking)
    return outcome.booking


def _refund_unbookable(payment: Payment, now: datetime) -> None:
    """Paid, but the time is gone: the money (card and credits) goes back in full."""
    return_unearned(payment, reason="unbookable", now=now)
    payment.status = Status.REFUNDED
    payment.refunded = payment.amount
    payment.failure_reason = "The time was no longer free when the payment arrived."
    payment.updated_at = now
    payment.save(update_fields=["status", "refunded", "failure_reason", "updated_at"])
