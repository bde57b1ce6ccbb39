"""Twenty checkouts race to redeem the same gift card, each for more than its balance: the
total redeemed never exceeds the balance, nothing answers a 5xx, and the card's ledger
balance never goes negative.

Each thread has its own database connection and books a session with its own coach (so the
coach's row lock does not serialise them: the gift card is the only thing they share) through
the lead's checkout (`checkout_booking` with `gift_card_code`). Runs on PostgreSQL (the card
row is locked before its balance is read; the ledger refuses an overdraft) and on SQLite (a
file database with IMMEDIATE transactions, via the booking concurrency module's fixture).
"""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.db.models import Sum

from conftest import make_user
from tandem.booking.services import BookingRequest
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.booking.tests.test_concurrency import (  # noqa: F401  (a fixture)
    Answer,
    file_database,
    run_together,
)
from tandem.core.errors import ServiceError
from tandem.payments.checkout import services as checkout
from tandem.payments.giftcards import codes as gift_codes
from tandem.payments.giftcards import services as g
from tandem.payments.ledger import accounts
from tandem.payments.models import GiftCardEvent, Payment, PaymentSource
from tandem.payments.tests.ledger_checks import assert_ledger_sound

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

THREADS = 20
BALANCE = 10_000  # 100.00 EUR on the card; every session costs 80.00 EUR


def test_twenty_checkouts_never_overspend_one_gift_card(staff_user):
    card = g.giftcard_issue(
        staff=staff_user, amount=BALANCE, currency="EUR", recipient_email="bob@example.com"
    )
    start = at(3, 10)
    racers = []
    for i in range(THREADS):
        coach_user = make_user(f"coach{i:02d}@example.com", name=f"Coach {i:02d}")
        coach = make_coach(coach_user, slug=f"coach-{i:02d}")
        client = make_user(f"friend{i:02d}@example.com", name=f"Friend {i:02d}")
        racers.append((client, coach, make_type(coach)))  # 80.00 EUR, one hour
    code = gift_codes.format_code(card.issued_code)

    def work(index: int) -> Answer:
        client, coach, session_type = racers[index]
        try:
            outcome = checkout.checkout_booking(
                client=client,
                request=BookingRequest(coach=coach, session_type=session_type, start=start),
                pay_with=checkout.PayWith(
                    package=False, gift_card_code=code, use_credit=False, provider="manual"
                ),
                idempotency_key=f"race-{index}",
            )
        except ServiceError as exc:  # what the API would answer
            return Answer(exc.status, {"error": {"code": exc.code}})
        assert outcome.payment is not None
        return Answer(201, {"payment": outcome.payment.pk})

    # PostgreSQL: the pool holds 20 connections (DB_POOL_MAX); hand this thread's back so each
    # of the 20 racers gets one while it waits for the card's lock.
    connections.close_all()
    outcome = run_together(THREADS, work)
    outcome.check_clean()
    refused = [a for a in outcome.answers if a is not None and a.status != 201]
    assert all(a.status == 409 and a.code == "insufficient_funds" for a in refused), refused

    # Straight from the tables: what the payments took from the card.
    redeemed = (
        PaymentSource.objects.filter(gift_card=card, kind=PaymentSource.Kind.GIFT_CARD).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    left = accounts.gift_card_balance(card)
    assert redeemed <= BALANCE
    assert left >= 0 and left == BALANCE - redeemed
    events = GiftCardEvent.objects.filter(card=card, kind=GiftCardEvent.Kind.REDEEMED)
    assert (events.aggregate(s=Sum("amount"))["s"] or 0) == redeemed
    # Every checkout that went through took what was left, up to its price: the card is spent.
    if len(refused) < THREADS:
        assert redeemed == BALANCE and left == 0
    assert Payment.objects.filter(purpose=Payment.Purpose.BOOKING).count() == THREADS - len(refused)
    assert_ledger_sound()
    with connection.cursor() as cursor:  # no gift card account below zero, by raw SQL
        cursor.execute(
            "SELECT a.key, COALESCE(SUM(e.amount), 0) FROM payments_account a"
            " LEFT JOIN payments_ledgerentry e ON e.account_id = a.id"
            " WHERE a.kind = 'gift_card' GROUP BY a.key"
        )
        assert all(-raw >= 0 for _, raw in cursor.fetchall())


def test_expiry_racing_redemptions_neither_deadlocks_nor_overspends(staff_user):
    from datetime import timedelta

    from django.utils import timezone

    from tandem.payments.models import GiftCard

    card = g.giftcard_issue(
        staff=staff_user, amount=BALANCE, currency="EUR", recipient_email="bob@example.com"
    )
    # Expiry is due for the sweep, while checkouts (with a `now` a moment earlier) still use it.
    expires = timezone.now() + timedelta(hours=1)
    GiftCard.objects.filter(pk=card.pk).update(expires_at=expires)
    start = at(3, 10)
    racers = []
    for i in range(10):
        coach = make_coach(make_user(f"c{i:02d}@example.com", name=f"C {i}"), slug=f"c-{i:02d}")
        racers.append((make_user(f"f{i:02d}@example.com", name=f"F {i}"), coach, make_type(coach)))
    code = card.issued_code

    def work(index: int) -> Answer:
        if index == len(racers):
            return Answer(200, {"expired": g.giftcards_expire(now=expires)})
        client, coach, session_type = racers[index]
        try:
            checkout.checkout_booking(
                client=client,
                request=BookingRequest(coach=coach, session_type=session_type, start=start),
                pay_with=checkout.PayWith(
                    package=False, gift_card_code=code, use_credit=False, provider="manual"
                ),
                idempotency_key=f"race-{index}",
                now=expires - timedelta(minutes=1),
            )
        except ServiceError as exc:
            return Answer(exc.status, {"error": {"code": exc.code}})
        return Answer(201, {})

    connections.close_all()
    outcome = run_together(len(racers) + 1, work)
    outcome.check_clean()
    card.refresh_from_db()
    assert card.status == GiftCard.Status.EXPIRED
    redeemed = (
        PaymentSource.objects.filter(gift_card=card, kind=PaymentSource.Kind.GIFT_CARD).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    broken = GiftCardEvent.objects.get(card=card, kind=GiftCardEvent.Kind.EXPIRED).amount
    assert redeemed + broken == BALANCE
    assert accounts.gift_card_balance(card) == 0
    assert_ledger_sound()
