"""Refunds: by the cancellation policy, for a coach cancelling, for a declined request, or by
staff. Money goes back to where it came from.

Policy (decided here; docs/payments.md says the same):
- a client cancelling inside the free window, a coach cancelling, a declined or lapsed
  request, a payment whose time was gone: everything back (the platform fee too);
- a late cancellation or a no-show: the coach keeps `late_fee_percent` of the price
  (CoachPaymentSettings, 50 % by default) and the rest goes back;
- the refunded part goes back to the card (or voids the open invoice) first, then to account
  credit, then to the gift card, and last to the package: a package credit only comes back
  whole, so a late cancellation paid with a package uses the credit up;
- the platform fee is given back in proportion to what is refunded;
- a gift card that has expired since gets its share as account credit instead;
- a sponsored session's money goes back to the programme's budget (never to the client),
  first of all (a sponsor covers a session whole, so it is the only source), and the
  sponsor port hears of it (`SponsorPort.returned`) in the same transaction; a late
  cancellation keeps the late fee spent like any other payment.

Each refund is one `Refund` row and one balanced ledger transaction; the provider's refund
(a card) is an outbox job keyed by the refund, so it happens once even if retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.core.errors import InvalidInput, NotFound
from tandem.core.outbox import enqueue_in_transaction
from tandem.core.text import clean_text

from ..documents import services as documents
from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.money import fee_bp_for, percent, share
from ..models import (
    Account,
    CoachPaymentSettings,
    GiftCard,
    GiftCardEvent,
    Invoice,
    PackageCredit,
    PackagePurchase,
    Payment,
    PaymentSource,
    PaymentVoid,
    Refund,
)
from ..sponsors.port import port as sponsor_port
from ..tasks import provider_refund_task

Source = PaymentSource.Kind
Status = Payment.Status
Reason = Refund.Reason

# The order in which a (partial) refund is given back.
RETURN_ORDER = (
    Source.SPONSOR,
    Source.CARD,
    Source.INVOICE,
    Source.CREDIT,
    Source.GIFT_CARD,
    Source.PACKAGE,
)
EARNED_STATUSES = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED)
DEFAULT_LATE_FEE_PERCENT = 50


def _locked(payment: Payment) -> Payment:
    queryset = Payment.objects.filter(pk=payment.pk).select_related(
        "coach", "client", "package_purchase", "gift_card"
    )
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update(of=("self",))
    return queryset.get()


def late_fee_percent(coach) -> int:
    found = (
        CoachPaymentSettings.objects.filter(coach=coach)
        .values_list("late_fee_percent", flat=True)
        .first()
    )
    return DEFAULT_LATE_FEE_PERCENT if found is None else found


def _is_earned(payment: Payment) -> bool:
    if payment.status in EARNED_STATUSES:
        return True
    # An invoiced session is earned when it is invoiced.
    return payment.status == Status.AWAITING_INVOICE and payment.purpose == Payment.Purpose.BOOKING


def _left(source: PaymentSource) -> int:
    """What of a source is still with the payment (neither refunded nor voided)."""
    return source.amount - source.refunded - source.voided


def _allocate(payment: Payment, amount: int) -> list[tuple[PaymentSource, int]]:
    sources = sorted(payment.sources.all(), key=lambda s: (RETURN_ORDER.index(s.kind), s.pk))
    left = amount
    portions: list[tuple[PaymentSource, int]] = []
    for source in sources:
        available = _left(source)
        if left <= 0 or available <= 0:
            continue
        portion = min(available, left)
        if source.kind == Source.PACKAGE and portion < available:
            continue  # a package credit comes back whole or not at all
        portions.append((source, portion))
        left -= portion
    return portions


def _return_legs(
    payment: Payment, portions: list[tuple[PaymentSource, int]], now: datetime
) -> list[tuple[Account, int]]:
    """Credits (negative legs) back to each source; the caller debits in-flight."""
    legs: list[tuple[Account, int]] = []
    for source, portion in portions:
        if source.kind == Source.CARD:
            legs.append((accounts.provider_clearing(payment.provider, payment.currency), -portion))
        elif source.kind == Source.INVOICE:
            # Paid by hand: the money goes back by hand too (recorded here). A session's
            # invoice not yet paid is voided instead (_void), never refunded.
            legs.append((accounts.provider_clearing("manual", payment.currency), -portion))
        elif source.kind == Source.CREDIT:
            legs.append((accounts.client_credit(payment.client, payment.currency), -portion))
        elif source.kind == Source.GIFT_CARD:
            card = GiftCard.objects.get(pk=source.gift_card_id)
            if card.status == GiftCard.Status.ACTIVE and card.expires_at > now:
                legs.append((accounts.gift_card(card), -portion))

                GiftCardEvent.objects.create(
                    card=card, kind="restored", amount=portion, payment=payment, at=now
                )
            else:
                legs.append((accounts.client_credit(payment.client, payment.currency), -portion))
        elif source.kind == Source.PACKAGE:
            legs.extend(_return_package_credit(source, payment, now))
        elif source.kind == Source.SPONSOR:
            # Back to the programme's budget, never to the client.
            legs.append((accounts.sponsor_budget(source.sponsor_owner, payment.currency), -portion))
    return legs


def _tell_sponsor(
    payment: Payment, portions: list[tuple[PaymentSource, int]], now: datetime
) -> None:
    """The sponsor port hears what went back to a programme's budget (same transaction)."""
    back = sum(portion for source, portion in portions if source.kind == Source.SPONSOR)
    port = sponsor_port()
    if back > 0 and port is not None and payment.booking_id is not None:
        port.returned(booking=payment.booking, amount=back, now=now)


def _return_package_credit(
    source: PaymentSource, payment: Payment, now: datetime
) -> list[tuple[Account, int]]:
    credit = PackageCredit.objects.select_related("purchase").get(pk=source.package_credit_id)
    purchase = credit.purchase
    usable = purchase.status == PackagePurchase.Status.ACTIVE and purchase.expires_at > now
    PackageCredit.objects.filter(pk=credit.pk).update(
        status=PackageCredit.Status.AVAILABLE if usable else PackageCredit.Status.FORFEITED,
        booking=None,
        used_at=None,
    )
    if not source.amount:
        return []
    legs = [(accounts.package(purchase), -source.amount)]
    if not usable:
        # The package has expired meanwhile: the credit is forfeited like its others were.

        fee = share(source.amount, fee_bp_for(purchase.coach))
        legs += [(accounts.package(purchase), source.amount)]
        if source.amount - fee:
            legs.append(
                (accounts.coach_payable(purchase.coach, purchase.currency), -(source.amount - fee))
            )
        if fee:
            legs.append((accounts.platform_revenue(purchase.currency), -fee))
    return legs


def _unearn_legs(payment: Payment, total: int, fee_back: int) -> list[tuple[Account, int]]:
    """Take `total` back from where earning put it (debits); the caller credits in-flight."""
    if payment.purpose == Payment.Purpose.BOOKING:
        legs = []
        if total - fee_back:
            legs.append((accounts.coach_payable(payment.coach, payment.currency), total - fee_back))
        if fee_back:
            legs.append((accounts.platform_revenue(payment.currency), fee_back))
        return legs
    if payment.purpose == Payment.Purpose.PACKAGE:
        return [(accounts.package(payment.package_purchase), total)]
    return [(accounts.gift_card(payment.gift_card), total)]


def _fee_back(payment: Payment, total: int) -> int:
    """The platform fee's share of `total` given back (refunds and voids alike)."""
    if payment.purpose != Payment.Purpose.BOOKING or not payment.fee or not payment.amount:
        return 0
    already = sum(r.fee_returned for r in payment.refunds.all()) + sum(
        v.fee_returned for v in payment.voids.all()
    )
    proportional = (payment.fee * total + payment.amount // 2) // payment.amount
    if payment.refunded + payment.voided + total >= payment.amount:
        proportional = payment.fee - already  # the last one takes the rounding remainder
    return max(0, min(proportional, payment.fee - already))


@dataclass(frozen=True, slots=True)
class GivenBack:
    """What giving part of a payment back did: money refunded, an unpaid invoice voided."""

    refund: Refund | None = None
    void: PaymentVoid | None = None


def refund_payment(
    payment: Payment,
    *,
    amount: int,
    reason: str,
    actor: User | None = None,
    message: str = "",
    kept: int = 0,
    now: datetime | None = None,
) -> Refund | None:
    """Give up to `amount` of a payment back (see give_back); the refund made, if any."""
    return give_back(
        payment, amount=amount, reason=reason, actor=actor, message=message, kept=kept, now=now
    ).refund


def give_back(
    payment: Payment,
    *,
    amount: int,
    reason: str,
    actor: User | None = None,
    message: str = "",
    kept: int = 0,
    now: datetime | None = None,
) -> GivenBack:
    """Give up to `amount` of a payment back to its sources. Runs in the caller's transaction.

    Money received goes back (a `Refund`, posted `refund`). The part of a session's invoice
    not yet paid is not refunded but **voided** (a `PaymentVoid`, posted `invoice_void`): the
    client's receivable is reversed, and with it what the coach had earned on it.
    """
    now = now or timezone.now()
    payment = _locked(payment)
    if payment.status not in (*EARNED_STATUSES, Status.AWAITING_INVOICE):
        return GivenBack()
    if payment.status == Status.AWAITING_INVOICE and payment.purpose != Payment.Purpose.BOOKING:
        # A package or gift card not paid for yet: nothing was received, nothing to give
        # back (the unpaid invoice can still be paid, or the payment cancelled).
        return GivenBack()
    amount = min(amount, payment.amount - payment.refunded - payment.voided)
    portions = _allocate(payment, amount)
    invoice_open = payment.status == Status.AWAITING_INVOICE
    to_void = [(s, p) for s, p in portions if s.kind == Source.INVOICE and invoice_open]
    to_refund = [(s, p) for s, p in portions if not (s.kind == Source.INVOICE and invoice_open)]
    void_total = sum(p for _, p in to_void)
    refund_total = sum(p for _, p in to_refund)
    if void_total + refund_total <= 0:
        return GivenBack()
    earned = _is_earned(payment)
    fee_back = _fee_back(payment, void_total + refund_total) if earned else 0
    void_fee = fee_back * void_total // (void_total + refund_total)
    void = refund = None
    if void_total:
        void = _void(payment, to_void, void_fee, reason, actor, message, now)
    if refund_total:
        refund = _refund(
            payment, to_refund, fee_back - void_fee, earned, reason, actor, message, kept, now
        )
    elif void is not None and kept:
        # Only voided: the late fee is what stays on the open invoice (for the record).
        PaymentVoid.objects.filter(pk=void.pk).update(kept=kept)
        void.kept = kept
    _settle_status(payment, now)
    return GivenBack(refund=refund, void=void)


def _void(
    payment: Payment,
    portions: list[tuple[PaymentSource, int]],
    fee_back: int,
    reason: str,
    actor: User | None,
    message: str,
    now: datetime,
) -> PaymentVoid:
    """Cancel part of a session's unpaid invoice: Dr what earning credited / Cr receivable."""
    total = sum(p for _, p in portions)
    void = PaymentVoid.objects.create(
        payment=payment,
        amount=total,
        currency=payment.currency,
        reason=reason,
        message=message[:500],
        fee_returned=fee_back,
        actor=actor,
        created_at=now,
    )
    ledger.post(
        reason="invoice_void",
        correlation_key=f"void:{void.pk}",
        legs=[
            *_unearn_legs(payment, total, fee_back),
            (accounts.receivable(payment.client, payment.currency), -total),
        ],
        payment=payment,
        booking=payment.booking,
        actor=actor,
        memo=reason,
        now=now,
    )
    for source, portion in portions:
        source.voided += portion
        PaymentSource.objects.filter(pk=source.pk).update(voided=source.voided)
    payment.voided += total
    _credit_note(payment, total, "void", reason, now)
    if not any(_left(s) for s, _ in portions):
        Invoice.objects.filter(
            payment=payment, status=Invoice.Status.OPEN, superseded_at__isnull=True
        ).update(status=Invoice.Status.VOID)
    return void


def _refund(
    payment: Payment,
    portions: list[tuple[PaymentSource, int]],
    fee_back: int,
    earned: bool,
    reason: str,
    actor: User | None,
    message: str,
    kept: int,
    now: datetime,
) -> Refund:
    """Money received goes back to where it came from."""
    total = sum(p for _, p in portions)
    refund = Refund.objects.create(
        payment=payment,
        amount=total,
        currency=payment.currency,
        reason=reason,
        message=message[:500],
        kept=kept,
        fee_returned=fee_back,
        actor=actor,
        created_at=now,
    )
    legs: list[tuple[Account, int]] = []
    if earned:
        legs += _unearn_legs(payment, total, fee_back)
    else:
        legs.append((accounts.in_flight(payment), total))  # unearned money waits in flight
    legs += _return_legs(payment, portions, now)
    ledger.post(
        reason="refund",
        correlation_key=f"refund:{refund.pk}",
        legs=legs,
        payment=payment,
        booking=payment.booking,
        actor=actor,
        memo=reason,
        now=now,
    )
    if payment.purpose == Payment.Purpose.GIFT_CARD and earned:
        GiftCardEvent.objects.create(
            card=payment.gift_card,
            kind=GiftCardEvent.Kind.REFUNDED,
            amount=total,
            actor=actor,
            payment=payment,
            detail=message[:300],
            at=now,
        )
    for source, portion in portions:
        source.refunded += portion
        PaymentSource.objects.filter(pk=source.pk).update(refunded=source.refunded)
    payment.refunded += total
    _tell_sponsor(payment, portions, now)
    _credit_note(payment, total, "refund", reason, now)
    if any(source.kind == Source.CARD for source, _ in portions):
        refund_pk = refund.pk
        enqueue_in_transaction(lambda: provider_refund_task.enqueue(refund_pk))
    return refund


def _credit_note(payment: Payment, amount: int, what: str, reason: str, now: datetime) -> None:
    """Money given back after the payment's document was issued: the document stays as it
    was, and a credit note for `amount` records the change (none without a document)."""
    documents.credit_note_issue(
        payment, amount=amount, what=what, reason=Reason(reason).label, now=now
    )


def _settle_status(payment: Payment, now: datetime) -> None:
    """The payment's status after money went back or its invoice was (partly) voided."""
    if payment.status == Status.AWAITING_INVOICE and _open_invoice(payment):
        pass  # the rest of the invoice is still owed (a late fee)
    elif payment.refunded + payment.voided < payment.amount:
        payment.status = Status.PARTIALLY_REFUNDED
    elif payment.voided:
        payment.status = Status.VOIDED  # nothing is owed and nothing was kept
    else:
        payment.status = Status.REFUNDED
    payment.updated_at = now
    payment.save(update_fields=["refunded", "voided", "status", "updated_at"])


def _open_invoice(payment: Payment) -> bool:
    return Invoice.objects.filter(
        payment=payment, status=Invoice.Status.OPEN, superseded_at__isnull=True
    ).exists()


def release_taken(payment: Payment, *, now: datetime) -> None:
    """An open payment failed: give back what `take` moved into flight (nothing was earned)."""
    sources = [s for s in payment.sources.all() if s.kind not in (Source.CARD, Source.INVOICE)]
    portions = [(s, s.amount - s.refunded) for s in sources if s.amount - s.refunded > 0]
    if payment.purpose == Payment.Purpose.BOOKING and payment.status == Status.AWAITING_INVOICE:
        raise InvalidInput("An invoiced session is cancelled through its booking.")
    if not portions:
        # Package credits of zero value still come back.
        for source in sources:
            if source.kind == Source.PACKAGE:
                _return_package_credit(source, payment, now)
        return
    total = sum(portion for _, portion in portions)
    legs = [(accounts.in_flight(payment), total), *_return_legs(payment, portions, now)]
    ledger.post(
        reason="payment_release",
        correlation_key=f"payment:{payment.pk}:release",
        legs=legs,
        payment=payment,
        now=now,
    )
    _tell_sponsor(payment, portions, now)
    Invoice.objects.filter(
        payment=payment, status=Invoice.Status.OPEN, superseded_at__isnull=True
    ).update(status=Invoice.Status.VOID)


def return_unearned(payment: Payment, *, reason: str, now: datetime) -> Refund:
    """Paid but not fulfilled (the time was gone): everything in flight goes back."""
    portions = [(s, s.amount - s.refunded) for s in payment.sources.all() if s.amount > 0]
    total = sum(portion for _, portion in portions)
    refund = Refund.objects.create(
        payment=payment, amount=total, currency=payment.currency, reason=reason, created_at=now
    )
    if total:
        ledger.post(
            reason="refund",
            correlation_key=f"refund:{refund.pk}",
            legs=[(accounts.in_flight(payment), total), *_return_legs(payment, portions, now)],
            payment=payment,
            memo=reason,
            now=now,
        )
    for source, portion in portions:
        PaymentSource.objects.filter(pk=source.pk).update(refunded=source.refunded + portion)
    _tell_sponsor(payment, portions, now)
    _credit_note(payment, total, "refund", reason, now)
    if any(s.kind == Source.CARD for s, _ in portions):
        refund_pk = refund.pk
        enqueue_in_transaction(lambda: provider_refund_task.enqueue(refund_pk))
    return refund


def refund_late_card(payment: Payment, *, now: datetime) -> None:
    """A card succeeded after its payment had lapsed: take it in and send it straight back."""
    card = payment.sources.get(kind=Source.CARD)
    if Refund.objects.filter(payment=payment, reason=Reason.UNBOOKABLE).exists():
        return
    clearing = accounts.provider_clearing(payment.provider, payment.currency)
    in_flight = accounts.in_flight(payment)
    ledger.post(
        reason="card_received",
        correlation_key=f"payment:{payment.pk}:card",
        legs=[(clearing, card.amount), (in_flight, -card.amount)],
        payment=payment,
        now=now,
    )
    refund = Refund.objects.create(
        payment=payment,
        amount=card.amount,
        currency=payment.currency,
        reason=Reason.UNBOOKABLE,
        message="Paid after the payment had lapsed.",
        created_at=now,
    )
    ledger.post(
        reason="refund",
        correlation_key=f"refund:{refund.pk}",
        legs=[(in_flight, card.amount), (clearing, -card.amount)],
        payment=payment,
        now=now,
    )
    PaymentSource.objects.filter(pk=card.pk).update(refunded=card.amount)
    _credit_note(payment, card.amount, "refund", Reason.UNBOOKABLE, now)

    refund_pk = refund.pk
    enqueue_in_transaction(lambda: provider_refund_task.enqueue(refund_pk))


# --- the booking policy ------------------------------------------------------------------------


def on_booking_settle(booking: Booking, change: str, actor: User | None, now: datetime) -> None:
    """`payments_hook.settle`: the booking's seam into this module."""
    on_booking_change(booking, change=change, actor=actor, now=now)


def on_booking_change(booking: Booking, *, change: str, actor: User | None, now: datetime) -> None:
    """Settle a booking's payments after it was cancelled, declined, lapsed or a no-show.

    Runs inside the booking change's transaction: the booking and its money move together.
    """
    payments = list(
        Payment.objects.filter(
            booking=booking, status__in=(*EARNED_STATUSES, Status.AWAITING_INVOICE)
        )
    )
    for payment in payments:
        refundable = payment.amount - payment.refunded - payment.voided
        if change in ("declined", "expired"):
            refund_payment(payment, amount=refundable, reason=Reason.DECLINED, actor=actor, now=now)
        elif change == "cancelled":
            coach_cancelled = actor is not None and booking.coach.user_id == actor.pk
            if booking.late_cancellation:
                kept = percent(payment.amount, late_fee_percent(booking.coach))
                refund_payment(
                    payment,
                    amount=max(0, refundable - kept),
                    reason=Reason.POLICY,
                    actor=actor,
                    kept=kept,
                    now=now,
                )
            else:
                refund_payment(
                    payment,
                    amount=refundable,
                    reason=Reason.COACH_CANCELLED if coach_cancelled else Reason.POLICY,
                    actor=actor,
                    now=now,
                )
        elif change == "no_show":
            kept = percent(payment.amount, late_fee_percent(booking.coach))
            refund_payment(
                payment,
                amount=max(0, refundable - kept),
                reason=Reason.POLICY,
                actor=actor,
                kept=kept,
                now=now,
            )


def refund_preview(booking: Booking, *, actor: User, late: bool) -> dict | None:
    """What cancelling now would give back (for the cancel page and API), or None if unpaid.

    `refund` is money that goes back; `void` is the part of an unpaid invoice cancelled
    (never paid, so not refunded); `kept` is what the coach keeps (a late fee), which an
    open invoice still asks for.
    """
    payment = (
        Payment.objects.filter(
            booking=booking, status__in=(*EARNED_STATUSES, Status.AWAITING_INVOICE)
        )
        .prefetch_related("sources")
        .order_by("-pk")
        .first()
    )
    if payment is None:
        return None
    refundable = payment.amount - payment.refunded - payment.voided
    kept = percent(payment.amount, late_fee_percent(booking.coach)) if late else 0
    back = max(0, refundable - kept)
    if late and any(s.kind == Source.PACKAGE for s in payment.sources.all()):
        back, kept = 0, refundable
    invoice_open = payment.status == Status.AWAITING_INVOICE
    void = sum(
        portion
        for source, portion in _allocate(payment, back)
        if source.kind == Source.INVOICE and invoice_open
    )
    return {
        "currency": payment.currency,
        "refund": back - void,
        "void": void,
        "kept": min(kept, refundable),
        # A sponsored session's money goes back to the sponsor's budget, not to the client.
        "sponsor": sponsor_of(payment),
    }


def sponsor_of(payment: Payment) -> str:
    """The sponsor that paid (its name as recorded), or "" (reads prefetched sources)."""
    return next(
        (
            s.sponsor_name or "the sponsor"
            for s in payment.sources.all()
            if s.kind == Source.SPONSOR
        ),
        "",
    )


@transaction.atomic
def refund_staff(
    *, payment_id, staff: User, amount: int, message: str, now: datetime | None = None
) -> GivenBack:
    """Staff refund part or all of a payment, with a reason (an unpaid invoice's part is
    voided, not refunded)."""
    now = now or timezone.now()
    if not staff.is_staff:
        raise NotFound("No such payment.")
    payment = Payment.objects.filter(public_id=payment_id).first()
    if payment is None:
        raise NotFound("No such payment.")
    if payment.purpose == Payment.Purpose.SPONSOR_FUNDING:
        # The money is in a programme's budget, which sessions may have spent: not from here.
        raise InvalidInput(
            "A programme's budget paid by card is not refunded from here.",
            code="not_refundable",
        )
    message = clean_text(message, field="message", max_length=500)
    if not message:
        raise InvalidInput("Say why.", fields={"message": ["required"]})
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidInput("Enter a positive amount.", fields={"amount": ["invalid"]})
    if amount > payment.amount - payment.refunded - payment.voided:
        raise InvalidInput(
            "That is more than what is left to refund.", fields={"amount": ["too_large"]}
        )
    done = give_back(
        payment, amount=amount, reason=Reason.STAFF, actor=staff, message=message, now=now
    )
    if done.refund is None and done.void is None:
        raise InvalidInput("Nothing of this payment can be refunded.", code="not_refundable")
    return done
