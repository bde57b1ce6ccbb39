"""Checkout and refunds by policy: sessions paid by invoice, credit, gift card, package and
card, and what cancelling, declining and no-shows give back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.core.errors import NotFound
from tandem.payments.checkout.services import PayWith, checkout_booking, invoice_mark_paid
from tandem.payments.errors import PaymentNotOpen
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import Invoice, Payment, Refund

from .ledger_checks import assert_ledger_sound, natural_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice", cancel_free_hours=24)


@pytest.fixture
def session_type(coach):
    return make_type(coach)  # 80.00 EUR, one hour


def book(client, coach, session_type, start, pay_with=None, key=None):
    return checkout_booking(
        client=client,
        request=booking_services.BookingRequest(
            coach=coach, session_type=session_type, start=start
        ),
        pay_with=pay_with or PayWith(),
        idempotency_key=key,
    )


def give_credit(user, amount: int, currency: str = "EUR") -> None:
    with transaction.atomic():
        ledger.post(
            reason="test_credit",
            correlation_key=f"test-credit-{user.pk}-{amount}",
            legs=[
                (accounts.promotions(currency), amount),
                (accounts.client_credit(user, currency), -amount),
            ],
        )


def test_a_free_session_books_without_a_payment(coach, bob):
    free = make_type(coach, name="Intro", price=0)
    outcome = book(bob, coach, free, at(3, 10))
    assert outcome.payment is None
    assert outcome.booking.status == Booking.Status.CONFIRMED
    assert not Payment.objects.exists()


def test_manual_invoice_books_at_once_and_is_marked_paid(coach, session_type, bob, alice):
    outcome = book(bob, coach, session_type, at(3, 10))
    payment = outcome.payment
    assert outcome.booking.status == Booking.Status.CONFIRMED
    assert payment.status == Payment.Status.AWAITING_INVOICE
    assert payment.amount == 8000 and payment.fee == 800  # 10 % platform fee
    invoice = Invoice.objects.get(payment=payment)
    assert invoice.kind == Invoice.Kind.INVOICE and invoice.number == 1
    assert natural_balance(f"receivable:user:{bob.pk}:") == 8000
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 7200
    assert natural_balance("platform_revenue:") == 800
    paid = invoice_mark_paid(payment_id=payment.public_id, user=alice)
    assert paid.status == Payment.Status.SUCCEEDED
    assert natural_balance(f"receivable:user:{bob.pk}:") == 0
    assert natural_balance("provider_clearing:manual:") == 8000
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    with pytest.raises(PaymentNotOpen):
        invoice_mark_paid(payment_id=payment.public_id, user=alice)
    assert_ledger_sound()


def test_charlie_cannot_mark_bobs_invoice_paid(coach, session_type, bob, charlie):
    payment = book(bob, coach, session_type, at(3, 10)).payment
    with pytest.raises(NotFound):
        invoice_mark_paid(payment_id=payment.public_id, user=charlie)
    with pytest.raises(NotFound):
        invoice_mark_paid(payment_id=payment.public_id, user=bob)  # the client cannot either
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_INVOICE
    assert natural_balance("provider_clearing:") == 0


def test_account_credit_covers_a_session_whole(coach, session_type, bob):
    give_credit(bob, 10000)
    payment = book(bob, coach, session_type, at(3, 10)).payment
    assert payment.status == Payment.Status.SUCCEEDED
    assert [s.kind for s in payment.sources.all()] == ["credit"]
    assert accounts.client_credit_balance(bob, "EUR") == 2000
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 7200
    assert Invoice.objects.get(payment=payment).kind == Invoice.Kind.RECEIPT
    assert_ledger_sound()


def test_credit_then_invoice_for_the_rest(coach, session_type, bob):
    give_credit(bob, 3000)
    payment = book(bob, coach, session_type, at(3, 10)).payment
    kinds = {s.kind: s.amount for s in payment.sources.all()}
    assert kinds == {"credit": 3000, "invoice": 5000}
    assert natural_balance(f"receivable:user:{bob.pk}:") == 5000
    assert_ledger_sound()


def test_using_no_credit_when_asked_not_to(coach, session_type, bob):
    give_credit(bob, 10000)
    payment = book(bob, coach, session_type, at(3, 10), PayWith(use_credit=False)).payment
    assert {s.kind for s in payment.sources.all()} == {"invoice"}
    assert accounts.client_credit_balance(bob, "EUR") == 10000


def test_free_cancellation_gives_everything_back(coach, session_type, bob):
    give_credit(bob, 3000)
    outcome = book(bob, coach, session_type, at(5, 10))
    booking_services.booking_cancel(
        booking_id=outcome.booking.public_id, user=bob, reason_code="illness"
    )
    payment = Payment.objects.get(pk=outcome.payment.pk)
    # The 30.00 credit is refunded; the unpaid 50.00 invoice is voided, not refunded.
    assert payment.status == Payment.Status.VOIDED
    assert payment.refunded == 3000 and payment.voided == 5000
    assert accounts.client_credit_balance(bob, "EUR") == 3000
    assert natural_balance(f"receivable:user:{bob.pk}:") == 0  # the invoice is void
    assert Invoice.objects.exclude(kind="credit_note").get(payment=payment).status == "void"
    # One credit note each for the void (50.00) and the refund (30.00).
    notes = Invoice.objects.filter(payment=payment, kind="credit_note").order_by("number")
    assert [n.amount for n in notes] == [5000, 3000]
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 0
    assert natural_balance("platform_revenue:") == 0
    assert_ledger_sound()


def test_late_cancellation_keeps_the_coaches_late_fee(coach, session_type, bob, alice):
    start = timezone.now() + timedelta(hours=5)
    start = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    coach.weekly.update(start_minute=0, end_minute=24 * 60)
    outcome = book(bob, coach, session_type, start)
    # Booked a day before (not at short notice, which has its grace): this is late.
    Booking.objects.filter(pk=outcome.booking.pk).update(created_at=start - timedelta(days=1))
    invoice_mark_paid(payment_id=outcome.payment.public_id, user=alice)
    cancelled = booking_services.booking_cancel(
        booking_id=outcome.booking.public_id, user=bob, reason_code="work"
    )
    assert cancelled.booking.late_cancellation
    refund = Refund.objects.get(payment=outcome.payment)
    assert refund.kept == 4000 and refund.amount == 4000  # 50 % kept by default
    assert refund.fee_returned == 400
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 3600
    assert natural_balance("platform_revenue:") == 400
    assert_ledger_sound()


def test_a_coach_cancelling_refunds_in_full(coach, session_type, bob, alice):
    outcome = book(bob, coach, session_type, at(3, 10))
    invoice_mark_paid(payment_id=outcome.payment.public_id, user=alice)
    booking_services.booking_cancel(
        booking_id=outcome.booking.public_id, user=alice, reason_code="emergency"
    )
    refund = Refund.objects.get(payment=outcome.payment)
    assert refund.reason == Refund.Reason.COACH_CANCELLED and refund.amount == 8000
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 0
    assert_ledger_sound()


def test_a_declined_request_is_never_charged(coach, bob, alice):
    asks = make_type(coach, name="By request", requires_confirmation=True)
    give_credit(bob, 8000)
    outcome = book(bob, coach, asks, at(3, 10))
    assert outcome.booking.status == Booking.Status.PENDING
    assert accounts.client_credit_balance(bob, "EUR") == 0
    booking_services.booking_decline(booking_id=outcome.booking.public_id, user=alice)
    assert accounts.client_credit_balance(bob, "EUR") == 8000
    assert Payment.objects.get(pk=outcome.payment.pk).status == Payment.Status.REFUNDED
    assert_ledger_sound()


def test_a_no_show_keeps_the_late_fee(coach, session_type, bob, alice):
    give_credit(bob, 8000)
    outcome = book(bob, coach, session_type, at(3, 10))
    later = outcome.booking.end + timedelta(minutes=5)
    booking_services.booking_no_show(booking_id=outcome.booking.public_id, user=alice, now=later)
    assert accounts.client_credit_balance(bob, "EUR") == 4000
    assert_ledger_sound()


def test_an_idempotency_key_gives_the_same_booking_and_payment(coach, session_type, bob):
    first = book(bob, coach, session_type, at(3, 10), key="k-1")
    again = book(bob, coach, session_type, at(3, 10), key="k-1")
    assert again.replayed
    assert again.payment.pk == first.payment.pk and again.booking.pk == first.booking.pk
    assert Payment.objects.count() == 1 and Booking.objects.count() == 1


def test_a_taken_slot_moves_no_money(coach, session_type, bob, charlie):
    give_credit(charlie, 8000)
    book(bob, coach, session_type, at(3, 10))
    with pytest.raises(booking_services.SlotUnavailable):
        book(charlie, coach, session_type, at(3, 10))
    assert accounts.client_credit_balance(charlie, "EUR") == 8000
    assert Payment.objects.filter(client=charlie).count() == 0
    assert_ledger_sound()
