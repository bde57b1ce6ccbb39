"""Sponsored sessions at checkout and on cancellation: an organisation's programme pays for a
session whole from its budget (a `sponsor_budget` ledger account), asked through the
SponsorPort (a fake here, registered per test and restored after).

Alice (coach, Berlin, an 80.00 EUR session, 24 h free cancellation), Bob (a participant of
Northwind's "Leadership 2026"), Charlie (no sponsor).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import transaction

from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.booking.services import payments_hook
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout.services import PayWith, SponsorNotCovering, checkout_booking
from tandem.payments.errors import InsufficientFunds
from tandem.payments.ledger import accounts
from tandem.payments.models import Invoice, LedgerEntry, Payment, PaymentSource, Refund
from tandem.payments.sponsors import port as sponsor_port
from tandem.payments.sponsors import selectors, services
from tandem.payments.sponsors.port import SponsorPort

from .ledger_checks import assert_ledger_sound, natural_balance
from .sponsor_fakes import BUDGET, ORG, FakeSponsor
from .test_booking_pages_payment import give_credit, review, signed_in, text_of

pytestmark = pytest.mark.django_db
Kind = PaymentSource.Kind


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice", cancel_free_hours=24)


@pytest.fixture
def session_type(coach):
    return make_type(coach)  # 80.00 EUR


@pytest.fixture
def sponsor(bob) -> Iterator[FakeSponsor]:
    """Northwind covers Bob's sessions (the previous port comes back after the test)."""
    previous = sponsor_port.port()
    fake = FakeSponsor(clients={bob.pk})
    sponsor_port.register(fake)
    try:
        yield fake
    finally:
        sponsor_port.register(previous)


@pytest.fixture
def no_sponsor() -> Iterator[None]:
    previous = sponsor_port.port()
    sponsor_port.register(None)
    try:
        yield
    finally:
        sponsor_port.register(previous)


def fund(amount: int, owner: str = BUDGET) -> None:
    services.fund(
        budget_owner=owner,
        org_owner=ORG,
        amount=amount,
        currency="EUR",
        method="invoice",
        actor=None,
        now=at(0, 9),
    )


def book(client, coach, session_type, start, pay_with=None, now=None):
    return checkout_booking(
        client=client,
        request=booking_services.BookingRequest(
            coach=coach, session_type=session_type, start=start
        ),
        pay_with=pay_with or PayWith(),
        idempotency_key=None,
        now=now,
    )


def test_a_sponsored_session_is_paid_from_the_budget_and_the_coach_earns(
    sponsor, coach, session_type, bob
):
    fund(20000)
    outcome = book(bob, coach, session_type, at(3, 10))
    payment = outcome.payment
    assert outcome.booking.status == Booking.Status.CONFIRMED
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.provider == Payment.Provider.NONE  # no card, no invoice
    sources = list(payment.sources.all())
    assert [(s.kind, s.amount, s.sponsor_owner) for s in sources] == [(Kind.SPONSOR, 8000, BUDGET)]
    assert sources[0].sponsor_name == "Northwind Traders (Leadership 2026)"
    assert sponsor.claims == [(outcome.booking.pk, 8000)]
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 12000
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 7200
    assert natural_balance("platform_revenue:") == 800
    assert natural_balance(f"receivable:user:{bob.pk}:") == 0  # Bob owes nothing
    assert natural_balance(f"in_flight:payment:{payment.pk}:") == 0
    # The client's receipt says who paid, never a card.
    receipt = Invoice.objects.get(payment=payment)
    assert receipt.kind == Invoice.Kind.RECEIPT
    assert [s["label"] for s in receipt.snapshot["sources"]] == [
        "Covered by Northwind Traders (Leadership 2026)"
    ]
    figures = selectors.budget(BUDGET, "EUR")
    assert (figures.funded, figures.spent, figures.returned, figures.balance) == (
        20000,
        8000,
        0,
        12000,
    )
    assert_ledger_sound()


def test_the_budget_never_goes_negative(sponsor, coach, session_type, bob):
    fund(5000)  # less than the 80.00 price; the fake port does not check the budget
    before = LedgerEntry.objects.count()
    with pytest.raises(InsufficientFunds):
        book(bob, coach, session_type, at(3, 10))
    # The whole booking rolled back with the posting: nothing booked, nothing moved.
    assert not Booking.objects.exists()
    assert not Payment.objects.exists()
    assert LedgerEntry.objects.count() == before
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 5000
    assert_ledger_sound()


def test_a_free_cancellation_returns_the_money_to_the_budget(sponsor, coach, session_type, bob):
    fund(8000)
    outcome = book(bob, coach, session_type, at(5, 10))
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 0
    booking_services.booking_cancel(
        booking_id=outcome.booking.public_id, user=bob, reason_code="illness"
    )
    payment = Payment.objects.get(pk=outcome.payment.pk)
    assert payment.status == Payment.Status.REFUNDED and payment.refunded == 8000
    assert sponsor.returns == [(outcome.booking.pk, 8000)]
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 8000
    assert accounts.client_credit_balance(bob, "EUR") == 0  # never to the client
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 0
    assert natural_balance("platform_revenue:") == 0
    figures = selectors.budget(BUDGET, "EUR")
    assert (figures.spent, figures.returned, figures.balance, figures.drawn) == (
        0,
        8000,
        8000,
        8000,
    )
    assert_ledger_sound()


def test_a_late_cancellation_keeps_the_late_fee_spent(sponsor, coach, session_type, bob):
    fund(8000)
    start = at(4, 10)
    outcome = book(bob, coach, session_type, start, now=start - timedelta(days=2))
    cancelled = booking_services.booking_cancel(
        booking_id=outcome.booking.public_id,
        user=bob,
        reason_code="work",
        now=start - timedelta(hours=2),
    )
    assert cancelled.booking.late_cancellation
    refund = Refund.objects.get(payment=outcome.payment)
    assert refund.kept == 4000 and refund.amount == 4000  # the coach keeps 50 %
    assert sponsor.returns == [(outcome.booking.pk, 4000)]
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 4000
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 3600
    assert selectors.budget(BUDGET, "EUR").spent == 4000
    assert_ledger_sound()


def test_the_cancel_preview_says_the_money_goes_back_to_the_sponsor(
    sponsor, coach, session_type, bob
):
    fund(8000)
    outcome = book(bob, coach, session_type, at(5, 10))
    back = payments_hook.port().refund_preview(outcome.booking, bob, False)
    assert back is not None
    assert back.summary == (
        "80.00 EUR goes back to the budget of Northwind Traders (Leadership 2026)."
    )
    assert "refunded" not in back.summary
    assert back.sponsor == "Northwind Traders (Leadership 2026)"
    page = text_of(signed_in(bob).get(f"/sessions/{outcome.booking.public_id}/cancel/"))
    assert (
        "80.00 EUR goes back to the budget of Northwind Traders (Leadership 2026). "
        "Nothing is charged to you." in page
    ), page
    assert "You’ll get back" not in page


def test_without_a_port_the_session_is_paid_the_usual_way(no_sponsor, coach, session_type, bob):
    fund(20000)
    outcome = book(bob, coach, session_type, at(3, 10))
    assert [s.kind for s in outcome.payment.sources.all()] == [Kind.INVOICE]
    assert outcome.payment.status == Payment.Status.AWAITING_INVOICE
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 20000
    assert_ledger_sound()


def test_declining_the_sponsor_pays_the_usual_way(sponsor, coach, session_type, bob):
    fund(20000)
    outcome = book(bob, coach, session_type, at(3, 10), pay_with=PayWith(sponsored=False))
    assert [s.kind for s in outcome.payment.sources.all()] == [Kind.INVOICE]
    assert sponsor.claims == []
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 20000
    assert_ledger_sound()


def test_a_client_without_a_sponsor_pays_the_usual_way(sponsor, coach, session_type, charlie):
    fund(20000)
    outcome = book(charlie, coach, session_type, at(3, 10))
    assert [s.kind for s in outcome.payment.sources.all()] == [Kind.INVOICE]
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 20000


def test_a_sponsored_session_needs_no_card_with_stripe(
    sponsor, coach, session_type, bob, stripe_standin
):
    fund(8000)
    outcome = book(bob, coach, session_type, at(3, 10))
    assert outcome.booking is not None  # booked at once: no card, no hold
    assert [s.kind for s in outcome.payment.sources.all()] == [Kind.SPONSOR]
    assert outcome.payment.status == Payment.Status.SUCCEEDED


def test_a_refused_claim_never_leaves_a_booking_waiting_for_a_card(
    sponsor, coach, session_type, bob, stripe_standin
):
    """The sponsor offered (so no card was asked for) but its claim said no: the booking is
    refused with a clear error instead of being booked with a card payment nobody makes."""
    fund(8000)
    sponsor.claim_refused = True
    with pytest.raises(SponsorNotCovering) as refused:
        book(bob, coach, session_type, at(3, 10))
    assert refused.value.fields == {"sponsored": ["not_covered"]}
    assert not Booking.objects.exists() and not Payment.objects.exists()
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 8000
    # Paying the usual way (by card) still works: the time is held for the card.
    outcome = book(bob, coach, session_type, at(3, 10), pay_with=PayWith(sponsored=False))
    assert outcome.booking is None and outcome.payment.status == Payment.Status.REQUIRES_PAYMENT


def test_a_refused_claim_with_invoices_pays_the_usual_way(sponsor, coach, session_type, bob):
    fund(8000)
    sponsor.claim_refused = True
    outcome = book(bob, coach, session_type, at(3, 10))
    assert [s.kind for s in outcome.payment.sources.all()] == [Kind.INVOICE]


# --- what the client sees --------------------------------------------------------------------


def test_the_review_step_says_covered_by_the_sponsor_and_books_without_paying(
    sponsor, coach, session_type, bob, stripe_standin
):
    fund(8000)
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, at(3, 10))
    text = text_of(page)
    assert "Covered by Northwind Traders (Leadership 2026)" in text
    assert "Nothing left to pay: covered by Northwind Traders (Leadership 2026)." in text
    assert "Continue to payment" not in text and "by card" not in text
    assert 'name="use_sponsor"' in page.content.decode()

    booked = client.post(url, {"idempotency_key": key, "use_sponsor": "on"})
    booking = Booking.objects.get()
    assert booked.status_code == 302 and booked["Location"] == f"/sessions/{booking.public_id}/"
    payment = Payment.objects.get()
    assert [s.kind for s in payment.sources.all()] == [Kind.SPONSOR]

    detail = text_of(client.get(f"/sessions/{booking.public_id}/"))
    assert "Covered by Northwind Traders (Leadership 2026): 80.00 EUR" in detail
    assert "nothing for you to pay" in detail
    assert "Pay by card" not in detail

    api = client.get(f"/api/v1/bookings/{booking.public_id}")
    assert api.status_code == 200
    assert api.json()["payment"]["covered_by"] == "Northwind Traders (Leadership 2026)"

    history = text_of(client.get("/payments/"))
    assert "Covered by Northwind Traders (Leadership 2026): nothing for you to pay" in history
    mine = client.get("/api/v1/me/payments").json()["items"]
    assert mine[0]["covered_by"] == "Northwind Traders (Leadership 2026)"
    assert_ledger_sound()


def test_the_client_may_choose_not_to_use_the_sponsor(sponsor, coach, session_type, bob):
    fund(8000)
    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, at(3, 10))
    again = client.post(url, {"idempotency_key": key, "notes": "x" * 2001})  # unticked
    assert again.status_code == 400
    text = text_of(again)
    assert "Left to pay" in text and "80.00 EUR" in text
    assert "Nothing left to pay" not in text

    booked = client.post(url, {"idempotency_key": key})  # the box left unticked
    assert booked.status_code == 302
    payment = Payment.objects.get()
    assert [s.kind for s in payment.sources.all()] == [Kind.INVOICE]
    assert sponsor.claims == []
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 8000


def test_no_sponsor_option_is_shown_without_one(no_sponsor, coach, session_type, bob):
    client = signed_in(bob)
    _, page, _ = review(client, coach, session_type, bob, at(3, 10))
    assert 'name="use_sponsor"' not in page.content.decode()
    assert "Covered by" not in text_of(page)


def test_the_quote_asks_the_port_and_switches_with_the_choice(sponsor, coach, session_type, bob):
    quote = payments_hook.port().quote(
        client=bob,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(),
        now=at(0, 9),
    )
    assert quote.sponsor == "Northwind Traders (Leadership 2026)"
    assert quote.from_sponsor and quote.remaining_minor == 0
    declined = payments_hook.port().quote(
        client=bob,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(sponsored=False),
        now=at(0, 9),
    )
    assert declined.sponsor and not declined.from_sponsor
    assert declined.remaining_minor == 8000


def test_every_quote_that_knows_the_slot_asks_the_port_about_it(
    sponsor, coach, session_type, bob, stripe_standin
):
    """The review step, checkout's card check and its re-ask after a refused claim all give
    the port the session's start, so its answer is about the session's own date."""
    fund(8000)
    client = signed_in(bob)
    start = at(3, 10)
    review(client, coach, session_type, bob, start)
    assert sponsor.offer_starts == [start]
    sponsor.claim_refused = True
    with pytest.raises(SponsorNotCovering):
        book(bob, coach, session_type, at(4, 10))
    assert sponsor.offer_starts == [start, at(4, 10), at(4, 10)]
    assert not Booking.objects.exists()


def test_a_free_session_never_asks_the_sponsor(sponsor, coach, bob):
    free = make_type(coach, name="Intro", price=0)
    with transaction.atomic():
        outcome = book(bob, coach, free, at(3, 10))
    assert outcome.payment is None
    assert sponsor.claims == [] and sponsor.offers == []


# --- the wizard's first step and the review step's other split --------------------------------


def test_the_quote_carries_the_split_with_the_sponsors_box_the_other_way(
    sponsor, coach, session_type, bob
):
    give_credit(bob, 2500)
    ticked = payments_hook.port().quote(
        client=bob,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(),
        now=at(0, 9),
    )
    assert ticked.from_sponsor and ticked.from_credit == "" and ticked.remaining_minor == 0
    assert ticked.other is not None and not ticked.other.from_sponsor
    assert (ticked.other.from_credit, ticked.other.remaining_minor) == ("25.00 EUR", 5500)
    assert ticked.other.other is None
    unticked = payments_hook.port().quote(
        client=bob,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(sponsored=False),
        now=at(0, 9),
    )
    assert unticked.other is not None and unticked.other.from_sponsor
    assert len(sponsor.offers) == 2  # the port is asked once per quote


def test_no_other_split_without_a_sponsor(sponsor, coach, session_type, charlie):
    quote = payments_hook.port().quote(
        client=charlie,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(),
        now=at(0, 9),
    )
    assert quote.sponsor == "" and quote.other is None


def test_sponsor_covers_asks_the_port_once_for_every_priced_type(sponsor, coach, bob, charlie):
    types = [
        make_type(coach, name="A"),
        make_type(coach, name="Intro", price=0),
        make_type(coach, name="B", price=Decimal("120.00")),
    ]
    covers = payments_hook.port().sponsor_covers(
        client=bob, coach=coach, session_types=types, now=at(0, 9)
    )
    assert covers == [
        "Northwind Traders (Leadership 2026)",
        "",
        "Northwind Traders (Leadership 2026)",
    ]
    assert sponsor.offer_alls == [[8000, 12000]]  # once, the free type left out
    assert sponsor.offers == []
    assert payments_hook.port().sponsor_covers(
        client=charlie, coach=coach, session_types=types, now=at(0, 9)
    ) == ["", "", ""]


class _OfferOnly:
    """A port written before `offer_all`: asked per type."""

    def __init__(self, inner: FakeSponsor) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "offer_all":
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_a_port_without_offer_all_is_asked_per_type(coach, bob):
    fake = FakeSponsor(clients={bob.pk}, currency="USD")  # another currency: never covers
    previous = sponsor_port.port()
    sponsor_port.register(cast(SponsorPort, _OfferOnly(fake)))
    try:
        types = [make_type(coach, name="A"), make_type(coach, name="B", price=Decimal("120.00"))]
        covers = payments_hook.port().sponsor_covers(
            client=bob, coach=coach, session_types=types, now=at(0, 9)
        )
    finally:
        sponsor_port.register(previous)
    assert covers == ["", ""]
    assert fake.offers == [(bob.pk, 8000), (bob.pk, 12000)] and fake.offer_alls == []
    assert fake.offer_starts == [None, None]  # today's answer
