"""Demo money for `seed_demo`: a package offer and a bought package, account credit, a gift
card, invoices for the demo sessions (past ones paid, a cancelled one refunded) and, as a
separate last step (`seed_payout`), a payout.

Everything goes through the payment services, so the demo ledger is a real one. Converges
like the rest of the demo: each piece is made only when it is missing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile
from tandem.payments.checkout.refunds import refund_payment
from tandem.payments.checkout.services import PayWith, invoice_mark_paid, payment_open
from tandem.payments.giftcards.services import giftcard_issue
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.ledger.money import from_minor, to_minor
from tandem.payments.models import GiftCard, PackageOffer, PackagePurchase, Payment, Payout
from tandem.payments.packages.offers import package_offer_create
from tandem.payments.packages.services import package_buy
from tandem.payments.payouts.services import payout_create_for
from tandem.payments.quiet import without_emails

# The demo's own sessions are paid by their clients (Northwind's programme pays only for the
# sessions booked through it: tandem/demo/orgs.py).
INVOICE = PayWith(package=False, use_credit=False, provider="manual", sponsored=False)


def seed_payments(users: dict[str, User], profiles: dict[str, CoachProfile], now: datetime) -> None:
    alice, bob, charlie, staff = users["alice"], users["bob"], users["charlie"], users["staff"]
    coach = profiles["alice"]
    with transaction.atomic(), without_emails():
        _invoices_for_sessions(now)
        _package(coach, alice, bob, now)
        _credit(bob, "EUR", 2500, now)
        _gift_card(staff, charlie, now)


def seed_payout(profiles: dict[str, CoachProfile], now: datetime) -> None:
    """Alice's payout for everything she earned up to yesterday: its own step, run last, once
    every demo ledger entry is in place (the orgs demo writes its sponsored sessions' entries
    at their past dates; a payout made before them left them all "pending" although the
    payout says it pays what was earned up to its period end)."""
    with transaction.atomic(), without_emails():
        _payout(profiles["alice"], now)


def _invoices_for_sessions(now: datetime) -> None:
    """Every demo session with a price gets its invoice; past ones were paid, a cancelled one
    was refunded by the policy."""
    unpaid = Booking.objects.filter(price__gt=0, payments__isnull=True).select_related(
        "coach__user", "client", "session_type"
    )
    for booking in unpaid:
        payment = payment_open(
            client=booking.client,
            purpose=Payment.Purpose.BOOKING,
            amount=to_minor(booking.price, booking.currency),
            currency=booking.currency,
            pay_with=INVOICE,
            coach=booking.coach,
            booking=booking,
            session_type=booking.session_type,
            now=min(now, booking.created_at),
        )
        if booking.start <= now or booking.status == Booking.Status.CANCELLED:
            invoice_mark_paid(payment_id=payment.public_id, user=booking.coach.user, now=now)
        if booking.status == Booking.Status.CANCELLED:
            refund_payment(
                payment,
                amount=payment.amount,
                reason="policy",
                actor=booking.client,
                now=now,
            )


def _package(coach: CoachProfile, alice: User, bob: User, now: datetime) -> None:
    session_type = coach.session_types.filter(name="Coaching session", is_active=True).first()
    if session_type is None:
        return
    offer = PackageOffer.objects.filter(coach=coach).first()
    if offer is None:
        single = to_minor(session_type.price, session_type.currency)
        offer = package_offer_create(
            coach_user=alice,
            session_type_id=session_type.public_id,
            name="Five sessions",
            sessions=5,
            price=str(from_minor(single * 5 * 85 // 100, session_type.currency)),  # 15 % off
            valid_days=180,
        )
    if not PackagePurchase.objects.filter(client=bob, coach=coach).exists():
        bought = package_buy(
            client=bob, offer_id=offer.public_id, pay_with=INVOICE, idempotency_key=None, now=now
        )
        invoice_mark_paid(payment_id=bought.payment.public_id, user=alice, now=now)


def _credit(user: User, currency: str, amount: int, now: datetime) -> None:
    # The correlation key makes this a once-only posting, however often the demo loads.
    ledger.post(
        reason="promotion",
        correlation_key=f"demo:credit:{user.pk}:{currency}",
        legs=[
            (accounts.promotions(currency), amount),
            (accounts.client_credit(user, currency), -amount),
        ],
        memo="Welcome credit",
        now=now,
    )


def _gift_card(staff: User, charlie: User, now: datetime) -> None:
    if GiftCard.objects.filter(recipient_email=charlie.email).exists():
        return
    giftcard_issue(
        staff=staff,
        amount=5000,
        currency="EUR",
        recipient_email=charlie.email,
        message="Welcome to Tandem: your first session is on us.",
        now=now,
    )


def _payout(coach: CoachProfile, now: datetime) -> None:
    if Payout.objects.filter(coach=coach).exists():
        return
    payout_create_for(coach, period_end=(now - timedelta(days=1)).date(), now=now)
