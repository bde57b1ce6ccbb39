"""Opening a payment: its sources taken in the coverage rule's order (sponsor, package credit,
gift card, account credit, then an invoice or a card), the *take* posted, and the payment
completed at once when credits or an invoice cover it (the flow: checkout/services.py)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.booking.models import Booking, Hold
from tandem.core.idempotency import checked_key

from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.money import fee_bp_for, share
from ..models import Account, GiftCard, GiftCardEvent, PackageCredit, Payment, PaymentSource
from .cards import schedule_lapse, start_card_after_commit
from .completion import earn, issue_document, succeed
from .coverage import cover, sponsor_offer
from .errors import not_covered
from .replay import replay
from .taking import Taking
from .terms import PayWith, provider_name

Purpose = Payment.Purpose
Status = Payment.Status
Source = PaymentSource.Kind


def payment_open(
    *,
    client: User,
    purpose: str,
    amount: int,
    currency: str,
    pay_with: PayWith,
    coach=None,
    idempotency_key: str | None = None,
    request_hash: str = "",
    booking: Booking | None = None,
    hold: Hold | None = None,
    session_type=None,
    package_purchase=None,
    gift_card: GiftCard | None = None,
    now: datetime | None = None,
) -> Payment:
    """Open (and, when credits or an invoice cover it, complete) a payment. The flow, step by
    step: checkout/services.py."""
    if not connection.in_atomic_block:
        raise RuntimeError("payment_open must run inside the caller's transaction")
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    if (earlier := replay(client, key, request_hash)) is not None:
        return earlier
    provider = provider_name(pay_with)
    payment = Payment.objects.create(
        client=client,
        coach=coach,
        purpose=purpose,
        booking=booking,
        hold_public_id=hold.public_id if hold else None,
        session_type=session_type,
        booking_start=hold.start if hold else None,
        package_purchase=package_purchase,
        gift_card=gift_card,
        amount=amount,
        currency=currency,
        status=Status.REQUIRES_PAYMENT,
        idempotency_key=key or "",
        request_hash=request_hash if key else "",
        expires_at=hold.expires_at if hold else None,
        created_at=now,
        updated_at=now,
    )
    in_flight = accounts.in_flight(payment)
    legs: list[tuple[Account, int]] = []
    taking = Taking(
        client=client,
        coach=coach,
        session_type=session_type if purpose == Purpose.BOOKING else None,
        currency=currency,
        gift_card_code=pay_with.gift_card_code,
        now=now,
        booking=booking,
        price=amount,
    )
    coverage = cover(amount, pay_with, taking)
    if pay_with.sponsor_only and coverage.sponsor is None and booking is not None:
        # The client chose the sponsor, which said no at the claim (a limit was reached
        # since the review step): the booking rolls back; nothing else pays in its place.
        raise not_covered()
    if (
        coverage.rest
        and provider == "stripe"
        and booking is not None
        and taking.sponsor_declined
        and sponsor_offer(client, coach, session_type, now, booking.start) is not None
    ):
        # Booked without a card because the sponsor would pay, but its claim said no (a
        # limit was reached meanwhile: a pause, the last session or budget taken): refuse
        # (the booking rolls back) rather than leave a booked session waiting for a card.
        raise not_covered()

    if coverage.sponsor is not None:
        offer = coverage.sponsor
        # The programme's budget pays the whole price (the ledger refuses to overdraw it).
        PaymentSource.objects.create(
            payment=payment,
            kind=Source.SPONSOR,
            amount=amount,
            sponsor_owner=offer.budget_owner,
            sponsor_name=offer.covered_by[:300],
        )
        legs += [(accounts.sponsor_budget(offer.budget_owner, currency), amount)]

    if coverage.package and taking.package_credit is not None:
        credit = taking.package_credit
        # A package credit covers the session whole; the payment is worth the credit.
        payment.amount = amount = credit.value
        PaymentSource.objects.create(
            payment=payment, kind=Source.PACKAGE, amount=credit.value, package_credit=credit
        )
        if booking is not None:
            PackageCredit.objects.filter(pk=credit.pk).update(booking=booking)
        if credit.value:
            legs += [(accounts.package(credit.purchase), credit.value)]

    if coverage.gift_card and taking.card is not None:
        PaymentSource.objects.create(
            payment=payment, kind=Source.GIFT_CARD, amount=coverage.gift_card, gift_card=taking.card
        )
        legs.append((accounts.gift_card(taking.card), coverage.gift_card))
        _gift_card_event(taking.card, "redeemed", coverage.gift_card, client, payment, now)

    if coverage.credit and taking.credit_account is not None:
        PaymentSource.objects.create(payment=payment, kind=Source.CREDIT, amount=coverage.credit)
        legs.append((taking.credit_account, coverage.credit))

    remaining = coverage.rest
    if remaining and provider == "manual":
        PaymentSource.objects.create(payment=payment, kind=Source.INVOICE, amount=remaining)
        if purpose == Purpose.BOOKING:
            # A session is invoiced: the client owes it now, the coach has earned it.
            legs.append((accounts.receivable(client, currency), remaining))
            remaining = 0
    elif remaining:
        PaymentSource.objects.create(payment=payment, kind=Source.CARD, amount=remaining)

    taken = sum(value for _, value in legs)
    if taken:
        legs.append((in_flight, -taken))
        ledger.post(
            reason="payment_take",
            correlation_key=f"payment:{payment.pk}:take",
            legs=legs,
            payment=payment,
            booking=booking,
            actor=client,
            now=now,
        )
    if purpose == Purpose.BOOKING:
        payment.fee = share(amount, _fee_bp(coach))
    payment.provider = (
        provider if Source.INVOICE in _kinds(payment) or Source.CARD in _kinds(payment) else "none"
    )
    payment.save(update_fields=["amount", "fee", "provider"])

    kinds = _kinds(payment)
    if Source.CARD in kinds:
        transaction.on_commit(lambda: start_card_after_commit(payment.pk))
        schedule_lapse(payment)
    elif Source.INVOICE in kinds:
        payment.status = Status.AWAITING_INVOICE
        payment.save(update_fields=["status"])
        if purpose == Purpose.BOOKING:
            earn(payment, now)
        issue_document(payment, "invoice", now)
    else:
        succeed(payment, now)
    return payment


def _kinds(payment: Payment) -> set[str]:
    return set(payment.sources.values_list("kind", flat=True))


def _fee_bp(coach) -> int:
    return fee_bp_for(coach)


def _gift_card_event(card: GiftCard, kind: str, amount: int, actor, payment, now) -> None:
    GiftCardEvent.objects.create(
        card=card, kind=kind, amount=amount, actor=actor, payment=payment, at=now
    )
