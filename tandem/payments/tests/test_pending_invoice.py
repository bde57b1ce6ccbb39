"""An invoice for a request the coach has not confirmed yet: the client's session page says to
pay it once the coach confirms, and that a declined or lapsed request voids it — which is
what happens. (It once said "You've received an invoice; pay your coach as agreed" while the
session was still "Awaiting confirmation".)

Alice coaches (a 80.00 EUR session type that needs her confirmation; invoices), Bob asks.
"""

from __future__ import annotations

import pytest

from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_type
from tandem.payments.models import Invoice, Payment

from .ledger_checks import assert_ledger_sound
from .test_booking_pages_payment import signed_in, text_of
from .test_checkout_services import book, coach  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

PENDING_NOTE = "Your coach has not confirmed this request yet: pay the invoice once they do."
CONFIRMED_NOTE = "You’ve received an invoice; pay your coach as agreed."


@pytest.fixture
def request_type(coach):  # noqa: F811
    return make_type(coach, name="By request", requires_confirmation=True)


def test_a_pending_request_says_to_pay_once_confirmed_and_confirmed_says_pay(
    coach,  # noqa: F811
    request_type,
    bob,
    alice,
):
    outcome = book(bob, coach, request_type, at(3, 10))
    booking = outcome.booking
    assert booking.status == Booking.Status.PENDING
    page = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/"))
    assert PENDING_NOTE in page and "the invoice is voided and you owe nothing" in page
    assert CONFIRMED_NOTE not in page

    booking_services.booking_accept(booking_id=booking.public_id, user=alice)
    page = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/"))
    assert CONFIRMED_NOTE in page and PENDING_NOTE not in page


def test_declining_the_request_voids_its_invoice_as_the_page_said(
    coach,  # noqa: F811
    request_type,
    bob,
    alice,
):
    outcome = book(bob, coach, request_type, at(3, 10))
    invoice = Invoice.objects.get(payment=outcome.payment)
    assert invoice.status == Invoice.Status.OPEN
    booking_services.booking_decline(booking_id=outcome.booking.public_id, user=alice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    payment = Payment.objects.get(pk=outcome.payment.pk)
    assert not payment.refunds.exists()  # nothing was paid, so nothing is refunded
    page = text_of(signed_in(bob).get(f"/sessions/{outcome.booking.public_id}/"))
    assert PENDING_NOTE not in page and CONFIRMED_NOTE not in page
    assert_ledger_sound()
