"""Staff pages for payments: find, refund with a reason, record an invoice paid. Everyone else
gets 404 and changes nothing."""

from __future__ import annotations

import pytest

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout.services import PayWith, checkout_booking
from tandem.payments.models import LedgerEntry, Payment, Refund

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(alice, bob):
    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    return checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=session_type, start=at(4, 10)
        ),
        pay_with=PayWith(),
        idempotency_key=None,
    ).payment


def test_staff_find_refund_and_mark_paid(payment, staff_user, client):
    client.force_login(staff_user)
    listing = client.get("/staff/payments/", {"q": "bob@"})
    assert listing.status_code == 200 and b"bob@example.com" in listing.content
    page_url = f"/staff/payments/{payment.public_id}/"
    assert client.get(page_url).status_code == 200
    asked = client.post(page_url, {"action": "mark_paid"})
    assert asked.status_code == 200 and b"Record the invoice as paid?" in asked.content
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.AWAITING_INVOICE
    paid = client.post(page_url, {"action": "mark_paid", "confirm": "yes"})
    assert paid.status_code == 302
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    for bad in ({"amount": "abc", "message": "x"}, {"amount": "500", "message": "x"},
                {"amount": "10", "message": ""}, {"amount": "1.234", "message": "x"}):  # fmt: skip
        refused = client.post(page_url, bad)
        assert refused.status_code == 400, bad
    assert not Refund.objects.exists()
    done = client.post(page_url, {"amount": "25.00", "message": "Audio failed for 20 minutes"})
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount == 2500 and refund.reason == "staff"
    assert b"Audio failed" in client.get(page_url).content
    assert_ledger_sound()


def test_others_get_404_and_change_nothing(payment, alice, bob, charlie, client):
    entries = LedgerEntry.objects.count()
    for user in (alice, bob, charlie):
        client.force_login(user)
        assert client.get("/staff/payments/").status_code == 404
        page_url = f"/staff/payments/{payment.public_id}/"
        assert client.get(page_url).status_code == 404
        assert client.post(page_url, {"amount": "80", "message": "mine"}).status_code == 404
        assert client.post(page_url, {"action": "mark_paid"}).status_code == 404
        confirmed = {"action": "mark_paid", "confirm": "yes"}
        assert client.post(page_url, confirmed).status_code == 404
    assert LedgerEntry.objects.count() == entries and not Refund.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.AWAITING_INVOICE
