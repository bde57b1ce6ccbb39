"""How a price is covered, in one place (payments/checkout/coverage.py): a package credit,
then a gift card, then account credit, then the provider. Checkout pays by it and the
booking wizard's review step quotes by it, so what the page says is left to pay is what
checkout takes (the wizard used to leave the gift card out).

Alice (coach, an 80.00 EUR session), Bob (client).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.booking.services import payments_hook
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout.coverage import Coverage, cover
from tandem.payments.checkout.services import PayWith
from tandem.payments.giftcards import services as giftcards
from tandem.payments.models import Payment, PaymentSource

from .ledger_checks import assert_ledger_sound
from .test_booking_pages_payment import give_credit, review, signed_in, text_of

Kind = PaymentSource.Kind


class Balances:
    """Balances for the pure rule, recording which ones it asked for."""

    def __init__(self, *, package: bool = False, gift_card: int = 0, credit: int = 0) -> None:
        self.values = {"package": package, "gift_card": gift_card, "credit": credit}
        self.asked: list[str] = []

    def sponsor_covers(self) -> None:
        return None  # no sponsor here (test_sponsor_*.py covers it)

    def package_covers(self) -> bool:
        self.asked.append("package")
        return bool(self.values["package"])

    def gift_card(self) -> int:
        self.asked.append("gift_card")
        return int(self.values["gift_card"])

    def account_credit(self) -> int:
        self.asked.append("credit")
        return int(self.values["credit"])


# --- The rule ----------------------------------------------------------------------------------


def test_a_gift_card_pays_before_account_credit_and_the_provider_takes_the_rest() -> None:
    balances = Balances(gift_card=3000, credit=2000)
    split = cover(8000, PayWith(gift_card_code="CODE"), balances)
    assert split == Coverage(price=8000, package=False, gift_card=3000, credit=2000, rest=3000)
    assert balances.asked == ["package", "gift_card", "credit"]


def test_a_package_credit_covers_the_price_whole_and_nothing_else_is_read() -> None:
    balances = Balances(package=True, gift_card=3000, credit=2000)
    split = cover(8000, PayWith(gift_card_code="CODE"), balances)
    assert split == Coverage(price=8000, package=True, gift_card=0, credit=0, rest=0)
    # A gift card code is not even looked up (a bad one is no error) when a package pays.
    assert balances.asked == ["package"]


def test_sponsor_only_reads_nothing_else_and_leaves_the_price_to_refuse() -> None:
    # The client ticked the sponsor's box; the sponsor does not cover it (here: no sponsor):
    # no package, gift card or credit is asked for, and the whole price is left, which
    # checkout refuses (test_sponsorship_wizard.py) rather than paying another way.
    balances = Balances(package=True, gift_card=3000, credit=2000)
    split = cover(8000, PayWith(gift_card_code="CODE", sponsor_only=True), balances)
    assert split == Coverage(price=8000, package=False, gift_card=0, credit=0, rest=8000)
    assert balances.asked == []


def test_each_source_takes_at_most_what_is_left_and_choices_switch_them_off() -> None:
    big_card = Balances(gift_card=10_000, credit=5000)
    assert cover(8000, PayWith(gift_card_code="CODE"), big_card).gift_card == 8000
    assert big_card.asked == ["package", "gift_card"]  # covered: credit is not read

    unticked = Balances(package=True, gift_card=3000, credit=2000)
    split = cover(8000, PayWith(package=False, use_credit=False), unticked)
    assert split == Coverage(price=8000, package=False, gift_card=0, credit=0, rest=8000)
    assert unticked.asked == []

    overdrawn = Balances(credit=-500)
    assert cover(8000, PayWith(), overdrawn).credit == 0


# --- The wizard quotes what checkout takes -------------------------------------------------------


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach)


def _gift_card(staff, bob, amount: int) -> str:
    card = giftcards.giftcard_issue(
        staff=staff, amount=amount, currency="EUR", recipient_email=bob.email
    )
    return str(card.issued_code)


def _review_again(client: Client, url: str, key: str, **choices: str) -> str:
    """The review page shown again with these choices (notes too long: nothing is booked)."""
    page = client.post(url, {"idempotency_key": key, "notes": "x" * 2001, **choices})
    assert page.status_code == 400 and not Booking.objects.exists()
    return text_of(page)


@pytest.mark.django_db
def test_the_wizards_quote_counts_a_gift_card_the_way_checkout_takes_it(
    coach, session_type, bob, staff_user
):
    code = _gift_card(staff_user, bob, 3000)
    give_credit(bob, 2000)
    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, at(3, 10))

    text = _review_again(client, url, key, gift_card_code=code, use_credit="on")
    assert (
        "Left to pay after 30.00 EUR from your gift card and 20.00 EUR of account credit: "
        "30.00 EUR" in text
    ), text
    quote = payments_hook.port().quote(
        client=bob,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(gift_card_code=code),
        now=timezone.now(),
    )
    assert (quote.from_gift_card, quote.from_credit, quote.remaining_minor) == (
        "30.00 EUR",
        "20.00 EUR",
        3000,
    )

    booked = client.post(url, {"idempotency_key": key, "gift_card_code": code, "use_credit": "on"})
    assert booked.status_code == 302
    payment = Payment.objects.get(booking__isnull=False)
    taken = [(s.kind, s.amount) for s in payment.sources.all()]
    assert taken == [(Kind.GIFT_CARD, 3000), (Kind.CREDIT, 2000), (Kind.INVOICE, 3000)]
    assert_ledger_sound()


@pytest.mark.django_db
def test_a_gift_card_covering_the_price_needs_no_card_on_the_page_or_at_checkout(
    coach, session_type, bob, staff_user, stripe_standin
):
    code = _gift_card(staff_user, bob, 10_000)
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, at(3, 11))
    assert "Continue to payment" in text_of(page)  # no code yet: the card pays

    text = _review_again(client, url, key, gift_card_code=code)
    assert "Nothing left to pay: your gift card covers it." in text
    assert "Book session" in text and "Continue to payment" not in text

    booked = client.post(url, {"idempotency_key": key, "gift_card_code": code})
    booking = Booking.objects.get()
    assert booked.status_code == 302 and booked["Location"] == f"/sessions/{booking.public_id}/"
    payment = Payment.objects.get()
    assert [(s.kind, s.amount) for s in payment.sources.all()] == [(Kind.GIFT_CARD, 8000)]
    assert payment.status == Payment.Status.SUCCEEDED
    assert_ledger_sound()
