"""Gift card services: buy (paid by invoice), issue, balance check and its rate limit,
transfer and claim, expiry with breakage, history."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from tandem.payments.checkout import services as checkout
from tandem.payments.giftcards import codes as gift_codes
from tandem.payments.giftcards import selectors as gift_selectors
from tandem.payments.giftcards import services as g
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import GiftCard, GiftCardEvent, LedgerTransaction, Payment
from tandem.payments.tests.ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db

S = GiftCard.Status
K = GiftCardEvent.Kind


def issue(staff, email="bob@example.com", amount=2500, currency="EUR", **extra):
    return g.giftcard_issue(
        staff=staff, amount=amount, currency=currency, recipient_email=email, **extra
    )


def snapshot() -> tuple:
    return (
        list(GiftCard.objects.values_list("pk", "status", "holder_id", "recipient_email")),
        GiftCardEvent.objects.count(),
        LedgerTransaction.objects.count(),
        Payment.objects.count(),
    )


# --- issue -------------------------------------------------------------------------------------


def test_staff_issue_posts_promotions_against_the_card(
    staff_user, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        card = issue(staff_user, message="Thanks for being with us")
    assert card.status == S.ACTIVE
    assert card.holder == bob and card.issued_by == staff_user
    assert accounts.gift_card_balance(card) == 2500
    assert ledger.balance(accounts.promotions("EUR")) == 2500
    assert [e.kind for e in card.events.all()] == [K.ISSUED]
    assert_ledger_sound()
    (message,) = mail.outbox
    assert message.to == ["bob@example.com"]
    assert gift_codes.format_code(card.issued_code) in message.body
    html = message.alternatives[0][0]
    assert gift_codes.format_code(card.issued_code) in html and "25.00 EUR" in html
    assert "Thanks for being with us" in message.body


def test_issue_defaults_and_custom_expiry(staff_user):
    now = timezone.now()
    card = issue(staff_user, email="nobody@example.com", now=now)
    assert card.holder is None
    assert card.expires_at == now + timedelta(days=365)
    custom = issue(staff_user, expires_at=now + timedelta(days=10), now=now)
    assert custom.expires_at == now + timedelta(days=10)


def test_only_staff_may_issue(bob, alice):
    before = snapshot()
    for user in (bob, alice):
        with pytest.raises(PermissionDenied):
            issue(user)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("amount", {"amount": 0}),
        ("amount", {"amount": -5}),
        ("amount", {"amount": 100_001}),
        ("amount", {"amount": "10"}),
        ("currency", {"currency": "XXX"}),
        ("recipient_email", {"email": "not an email"}),
        ("recipient_email", {"email": "a\x00b@example.com"}),
        ("message", {"message": "x" * 501}),
        ("expires_at", {"expires_at": timezone.now() - timedelta(days=1)}),
    ],
)
def test_issue_refuses_bad_input_and_changes_nothing(staff_user, field, values):
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        issue(staff_user, **values)
    assert field in caught.value.fields
    assert snapshot() == before


# --- buy ---------------------------------------------------------------------------------------


def buy(client, *, amount=5000, email="charlie@example.com", key=None, **extra):
    return g.giftcard_buy(
        client=client,
        amount=amount,
        currency="EUR",
        recipient_email=email,
        message=extra.pop("message", "Happy birthday"),
        pay_with=checkout.PayWith(provider="manual", use_credit=False),
        idempotency_key=key,
        **extra,
    )


def test_bought_card_is_active_only_once_its_invoice_is_paid(
    bob, charlie, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        purchase = buy(bob)
    card, payment = purchase.card, purchase.payment
    assert card.status == S.AWAITING_PAYMENT and card.purchaser == bob
    assert card.holder == charlie  # addressed to Charlie's email
    assert payment.purpose == Payment.Purpose.GIFT_CARD and payment.gift_card == card
    assert payment.status == Payment.Status.AWAITING_INVOICE
    assert accounts.gift_card_balance(card) == 0
    # The code is not stored: the recipient gets it now, told it works once paid.
    [sent] = mail.outbox
    assert (
        sent.to == ["charlie@example.com"] and gift_codes.format_code(card.issued_code) in sent.body
    )
    assert "works once Bob Brown's payment arrives" in sent.body
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        checkout.invoice_mark_paid(payment_id=payment.public_id, user=staff_user, now=later)
    card.refresh_from_db()
    assert card.status == S.ACTIVE
    assert card.expires_at == later + timedelta(days=365)
    assert accounts.gift_card_balance(card) == 5000
    assert [(e.kind, e.amount, e.payment_id) for e in card.events.all()] == [
        (K.PURCHASED, 5000, payment.pk)
    ]
    assert not mail.outbox  # the code was mailed at purchase; it is not stored to mail again
    assert g.giftcard_balance(card.issued_code, user=charlie).balance == 5000  # now it works
    assert_ledger_sound()
    # A second success report (a retried webhook) changes nothing.
    g.on_paid(card, payment=payment, now=later)
    assert card.events.count() == 1


def test_buy_for_yourself_with_an_empty_email(bob):
    card = buy(bob, email="").card
    assert card.recipient_email == "bob@example.com" and card.holder == bob


def test_failed_payment_voids_the_card(bob):
    purchase = buy(bob)
    from django.db import transaction

    with transaction.atomic():
        checkout.payment_fail(purchase.payment, reason="test", status=Payment.Status.CANCELLED)
    purchase.card.refresh_from_db()
    assert purchase.card.status == S.VOID
    with pytest.raises(Conflict):
        g.giftcard_claim(code=purchase.card.issued_code, user=bob)


def test_buy_bounds(bob):
    assert buy(bob, amount=500).card.initial_amount == 500
    assert buy(bob, amount=100_000).card.initial_amount == 100_000
    before = snapshot()
    for amount in (499, 100_001, 0, -1):
        with pytest.raises(InvalidInput) as caught:
            buy(bob, amount=amount)
        assert caught.value.code == "amount_out_of_range"
    with pytest.raises(InvalidInput):
        buy(bob, email="nope")
    assert snapshot() == before


def test_buy_with_the_same_idempotency_key_returns_the_same_purchase(bob):
    first = buy(bob, key="k-1")
    again = buy(bob, key="k-1")
    assert again.replayed and again.card == first.card and again.payment == first.payment
    assert GiftCard.objects.count() == 1
    with pytest.raises(Conflict) as caught:
        buy(bob, key="k-1", amount=6000)
    assert caught.value.code == "idempotency_key_reused"
    assert GiftCard.objects.count() == 1


def test_parse_amount() -> None:
    assert g.parse_amount("50", "eur") == 5000
    assert g.parse_amount("49.9", "EUR") == 4990
    for bad in ("4.999", "abc", "", "-1", "NaN"):
        with pytest.raises(InvalidInput):
            g.parse_amount(bad, "EUR")


# --- balance check -----------------------------------------------------------------------------


def test_balance_check(staff_user, charlie):
    card = issue(staff_user)
    found = g.giftcard_balance(gift_codes.format_code(card.issued_code).lower(), user=charlie)
    assert (found.balance, found.currency, found.status) == (2500, "EUR", S.ACTIVE)
    assert found.expires_at == card.expires_at and found.last4 == card.code_hint
    with pytest.raises(NotFound):
        g.giftcard_balance(gift_codes.generate_code(), user=charlie)


def test_balance_checks_are_rate_limited_per_user(staff_user, bob, charlie):
    card = issue(staff_user)
    for i in range(g.LOOKUPS_PER_MINUTE):
        code = card.issued_code if i % 2 else gift_codes.generate_code()
        with contextlib.suppress(NotFound):
            g.giftcard_balance(code, user=charlie)
    with pytest.raises(RateLimited):
        g.giftcard_balance(card.issued_code, user=charlie)
    with pytest.raises(RateLimited):  # claims share the budget
        g.giftcard_claim(code=card.issued_code, user=charlie)
    assert g.giftcard_balance(card.issued_code, user=bob).balance == 2500  # per user


# --- transfer and claim -------------------------------------------------------------------------


def test_holder_transfers_to_a_known_user_and_to_a_stranger_email(
    staff_user, bob, charlie, django_capture_on_commit_callbacks
):
    card = issue(staff_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        g.giftcard_transfer(card_id=card.public_id, user=bob, to_email="Charlie@Example.com")
    card.refresh_from_db()
    assert card.holder == charlie and card.recipient_email == "charlie@example.com"
    assert mail.outbox[-1].to == ["charlie@example.com"]
    # A new code for the new recipient; the old one (which Bob knows) stops working.
    new_code = gift_codes.normalise_code(re.search(r"Code: (\S+)", mail.outbox[-1].body).group(1))
    assert new_code != card.issued_code and card.code_digest == gift_codes.code_digest(new_code)
    with pytest.raises(NotFound):
        g.giftcard_balance(card.issued_code, user=charlie)
    assert g.giftcard_balance(new_code, user=charlie).balance == 2500
    # Bob no longer holds it: it is gone from his cards.
    with pytest.raises(NotFound):
        g.giftcard_transfer(card_id=card.public_id, user=bob, to_email="bob@example.com")
    g.giftcard_transfer(card_id=card.public_id, user=charlie, to_email="dana@example.com")
    card.refresh_from_db()
    assert card.holder is None and card.recipient_email == "dana@example.com"
    assert [e.kind for e in card.events.all()] == [K.ISSUED, K.TRANSFERRED, K.TRANSFERRED]


def test_purchaser_may_transfer_only_while_nobody_holds_it(bob, charlie, staff_user):
    purchase = buy(bob, email="someone@example.com")
    checkout.invoice_mark_paid(payment_id=purchase.payment.public_id, user=staff_user)
    card = purchase.card
    g.giftcard_transfer(card_id=card.public_id, user=bob, to_email="charlie@example.com")
    card.refresh_from_db()
    assert card.holder == charlie
    with pytest.raises(PermissionDenied) as caught:
        g.giftcard_transfer(card_id=card.public_id, user=bob, to_email="other@example.com")
    assert caught.value.code == "not_gift_card_holder"


def test_transfer_refuses_bad_input_and_inactive_cards(staff_user, bob):
    card = issue(staff_user)
    before = snapshot()
    for email in ("", "nope", "x@" + "a" * 300 + ".com", "bob@example.com"):
        with pytest.raises(InvalidInput):
            g.giftcard_transfer(card_id=card.public_id, user=bob, to_email=email)
    for bad_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", None):
        with pytest.raises(NotFound):
            g.giftcard_transfer(card_id=bad_id, user=bob, to_email="x@example.com")
    assert snapshot() == before
    g.giftcards_expire(now=card.expires_at)
    with pytest.raises(Conflict):
        g.giftcard_transfer(card_id=card.public_id, user=bob, to_email="x@example.com")


def test_claim(staff_user, bob, charlie):
    card = issue(staff_user, email="new@example.com")
    assert card.holder is None
    claimed = g.giftcard_claim(code=gift_codes.format_code(card.issued_code), user=charlie)
    assert claimed.holder == charlie
    assert g.giftcard_claim(code=card.issued_code, user=charlie).holder == charlie  # again: fine
    assert list(gift_selectors.cards_of(charlie)) == [card]
    with pytest.raises(Conflict) as caught:
        g.giftcard_claim(code=card.issued_code, user=bob)
    assert caught.value.code == "gift_card_held"
    with pytest.raises(InvalidInput):
        g.giftcard_claim(code=card.issued_code[:-1] + "*", user=bob)


# --- expiry ------------------------------------------------------------------------------------


def test_expiry_posts_the_breakage_once(staff_user):
    card = issue(staff_user, amount=3000)
    empty = issue(staff_user, amount=100)
    fresh = issue(staff_user, amount=100, expires_at=card.expires_at + timedelta(days=30))
    # The empty card was spent whole (as checkout would): nothing is left to break.
    from django.db import transaction

    with transaction.atomic():
        ledger.post(
            reason="test_spend",
            correlation_key="test:spend",
            legs=[(accounts.gift_card(empty), 100), (accounts.platform_revenue("EUR"), -100)],
        )
    at = card.expires_at + timedelta(seconds=1)
    assert g.giftcards_expire(now=at) == 2
    assert g.giftcards_expire(now=at) == 0  # twice: nothing more
    for item in (card, empty, fresh):
        item.refresh_from_db()
    assert (card.status, empty.status, fresh.status) == (S.EXPIRED, S.EXPIRED, S.ACTIVE)
    assert accounts.gift_card_balance(card) == 0
    assert ledger.balance(accounts.platform_revenue("EUR")) == 3000 + 100
    assert LedgerTransaction.objects.filter(correlation_key__endswith=":expire").count() == 1
    assert [(e.kind, e.amount) for e in card.events.all()] == [(K.ISSUED, 3000), (K.EXPIRED, 3000)]
    assert_ledger_sound()


def test_expire_command(staff_user):
    from io import StringIO

    from django.core.management import call_command

    card = issue(staff_user, expires_at=timezone.now() + timedelta(seconds=1))
    GiftCard.objects.filter(pk=card.pk).update(expires_at=timezone.now() - timedelta(days=1))
    out = StringIO()
    call_command("expire_gift_cards", stdout=out)
    assert "expired gift cards: 1" in out.getvalue()


# --- history -----------------------------------------------------------------------------------


def test_history_has_events_and_ledger_lines(staff_user, bob):
    card = issue(staff_user, amount=4000)
    g.giftcard_transfer(card_id=card.public_id, user=bob, to_email="charlie@example.com")
    g.giftcards_expire(now=card.expires_at)
    history = gift_selectors.giftcard_history(card)
    assert [e.kind for e in history.events] == [K.ISSUED, K.TRANSFERRED, K.EXPIRED]
    assert [(line.reason, line.amount, line.balance) for line in history.ledger] == [
        ("gift_card_issue", 4000, 4000),
        ("gift_card_breakage", -4000, 0),
    ]
    assert history.balance == 0
    assert "charlie" not in history.events[1].detail  # the email is masked: c…@example.com
