"""The staff payment page says where a refund goes, in the order the refund code takes the
payment's sources (checkout's RETURN_ORDER), naming only the sources the payment has. It
once said "back to the card first … then the package" for a payment the sponsor had paid,
whose refund goes back to the programme's budget.

Alice coaches (80.00 EUR sessions); Bob is a sponsored participant; Charlie pays part with
account credit and the rest by invoice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout.invoices import invoice_mark_paid
from tandem.payments.checkout.refunds import give_back
from tandem.payments.checkout.services import PayWith, checkout_booking
from tandem.payments.models import Payment, PaymentSource
from tandem.payments.sponsors import port as sponsor_port
from tandem.payments.sponsors import services as sponsor_services
from tandem.payments.templatetags.refund_order import refund_order

from .ledger_checks import assert_ledger_sound
from .sponsor_fakes import BUDGET, ORG, FakeSponsor
from .test_booking_pages_payment import give_credit

pytestmark = pytest.mark.django_db
Kind = PaymentSource.Kind
MANUAL = PayWith(package=False, provider="manual", sponsored=False)


@pytest.fixture
def session_type(alice):
    return make_type(make_coach(alice, slug="alice"))  # 80.00 EUR


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


def book(client, session_type, pay_with: PayWith, day: int = 3) -> Payment:
    payment = checkout_booking(
        client=client,
        request=booking_services.BookingRequest(
            coach=session_type.coach, session_type=session_type, start=at(day, 10)
        ),
        pay_with=pay_with,
        idempotency_key=None,
    ).payment
    assert payment is not None
    return payment


def refund_text(staff_user, payment: Payment) -> str:
    client = Client()
    client.force_login(staff_user)
    html = client.get(f"/staff/payments/{payment.public_id}/").content.decode()
    return html.split("can still be refunded. ")[1].split("</p>")[0]


def taken_in_order(payment: Payment) -> list[str]:
    """What the refund code does: give back one cent, see which source it came from, then
    the rest of that source; again until nothing is left. The kinds, in the order taken."""
    taken: list[str] = []
    while True:
        before = {
            s.pk: s.refunded + s.voided for s in PaymentSource.objects.filter(payment=payment)
        }
        with transaction.atomic():
            give_back(Payment.objects.get(pk=payment.pk), amount=1, reason="staff")
        moved = [
            s
            for s in PaymentSource.objects.filter(payment=payment)
            if s.refunded + s.voided != before[s.pk]
        ]
        if not moved:
            return taken
        (source,) = moved
        taken.append(source.kind)
        rest = source.amount - source.refunded - source.voided
        if rest:
            with transaction.atomic():
                give_back(Payment.objects.get(pk=payment.pk), amount=rest, reason="staff")


def test_a_sponsored_payment_goes_back_to_the_programme_budget(
    sponsor, session_type, bob, staff_user
):
    sponsor_services.fund(
        budget_owner=BUDGET,
        org_owner=ORG,
        amount=20000,
        currency="EUR",
        method="invoice",
        actor=None,
        now=at(0, 9),
    )
    payment = book(bob, session_type, PayWith())
    assert [s.kind for s in payment.sources.all()] == [Kind.SPONSOR]
    text = refund_text(staff_user, payment)
    assert text == "It goes back to the sponsor&#x27;s programme budget."
    assert "card" not in text and "package" not in text
    expected = refund_order(payment)
    assert expected == [Kind.SPONSOR]
    assert taken_in_order(payment) == expected
    assert_ledger_sound()


def test_an_open_invoice_is_reduced_before_the_credit_is_given_back(
    session_type, charlie, staff_user
):
    give_credit(charlie, 3000)
    payment = book(charlie, session_type, MANUAL)
    assert payment.status == Payment.Status.AWAITING_INVOICE
    assert refund_text(staff_user, payment) == (
        "It goes back to the open invoice (it is reduced, nothing is paid back) first, "
        "then account credit."
    )
    expected = refund_order(payment)
    assert expected == [Kind.INVOICE, Kind.CREDIT]
    assert taken_in_order(payment) == expected
    assert refund_text(staff_user, payment) == "Nothing is left to give back."
    assert_ledger_sound()


def test_a_paid_invoice_is_paid_back_by_hand_before_the_credit(session_type, charlie, staff_user):
    give_credit(charlie, 3000)
    payment = book(charlie, session_type, MANUAL)
    invoice_mark_paid(payment_id=payment.public_id, user=staff_user)
    payment.refresh_from_db()
    assert refund_text(staff_user, payment) == (
        "It goes back to the paid invoice (you pay it back by hand) first, then account credit."
    )
    expected = refund_order(payment)
    assert expected == [Kind.INVOICE, Kind.CREDIT]
    assert taken_in_order(payment) == expected
    assert_ledger_sound()


def test_every_source_kind_has_a_place_in_the_refund_order():
    """A new kind of source missing from RETURN_ORDER would break refunds and this page."""
    from tandem.payments.checkout.refunds import RETURN_ORDER

    assert sorted(RETURN_ORDER) == sorted(Kind.values)
