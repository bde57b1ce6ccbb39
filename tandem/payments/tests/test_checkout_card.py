"""Card payments (Stripe, through the real library against the local stand-in): the slot is
held until the card succeeds; a failed card frees it and gives credits back; an unpaid
payment lapses with its hold; a card that succeeds after that is refunded in full."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from tandem.booking import services as booking_services
from tandem.booking.models import Booking, Hold
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout.services import (
    PayWith,
    checkout_booking,
    payment_apply_intent,
    payment_start_card,
    payments_sweep,
)
from tandem.payments.ledger import accounts
from tandem.payments.models import Payment, Refund
from tandem.payments.providers import get_provider
from tandem.payments.tasks import provider_refund_task

from .ledger_checks import assert_ledger_sound, natural_balance
from .test_checkout_services import give_credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach)


def pay_by_card(bob, coach, session_type, start):
    hold = booking_services.hold_create(
        client=bob, coach=coach, session_type=session_type, start=start
    )
    outcome = checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(hold_id=hold.public_id, notes="Goals"),
        pay_with=PayWith(),
        idempotency_key="card-1",
    )
    return outcome, payment_start_card(outcome.payment)


def apply(payment):
    intent = get_provider("stripe").retrieve_intent(payment.provider_ref)
    return payment_apply_intent(payment=payment, intent=intent)


def test_a_card_payment_books_the_held_time_when_it_succeeds(
    stripe_standin, coach, session_type, bob
):
    give_credit(bob, 3000)
    outcome, payment = pay_by_card(bob, coach, session_type, at(3, 10))
    assert outcome.booking is None and payment.status == Payment.Status.REQUIRES_PAYMENT
    assert payment.provider_ref.startswith("pi_") and payment.client_secret
    assert stripe_standin.get(payment.provider_ref)["amount"] == 5000  # credit took 30.00
    assert Hold.objects.filter(client=bob).exists()
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    paid = apply(payment)
    assert paid.status == Payment.Status.SUCCEEDED
    booking = Booking.objects.get(pk=paid.booking_id)
    assert booking.status == Booking.Status.CONFIRMED and booking.notes == "Goals"
    assert not Hold.objects.filter(client=bob).exists()
    assert natural_balance("provider_clearing:stripe:") == 5000
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 7200
    assert apply(paid).status == Payment.Status.SUCCEEDED  # applying again changes nothing
    assert Booking.objects.count() == 1
    assert_ledger_sound()


def test_a_failed_card_frees_the_slot_and_gives_credit_back(
    stripe_standin, coach, session_type, bob
):
    give_credit(bob, 3000)
    _, payment = pay_by_card(bob, coach, session_type, at(3, 10))
    assert accounts.client_credit_balance(bob, "EUR") == 0
    stripe_standin.confirm(payment.provider_ref, succeed=False)
    failed = apply(payment)
    assert failed.status == Payment.Status.FAILED
    assert not Hold.objects.filter(client=bob).exists()
    assert accounts.client_credit_balance(bob, "EUR") == 3000
    assert not Booking.objects.exists()
    assert_ledger_sound()


def test_an_unpaid_card_lapses_with_its_hold_and_a_late_success_is_refunded(
    stripe_standin, coach, session_type, bob
):
    _, payment = pay_by_card(bob, coach, session_type, at(3, 10))
    assert payments_sweep(now=payment.expires_at + timedelta(seconds=1)) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    # The client's card went through anyway, after the lapse: the money goes straight back.
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    apply(payment)
    refund = Refund.objects.get(payment=payment)
    assert refund.reason == Refund.Reason.UNBOOKABLE and refund.amount == 8000
    provider_refund_task.call(refund.pk)
    refund.refresh_from_db()
    assert refund.provider_ref.startswith("re_")
    provider_refund_task.call(refund.pk)  # twice: still one refund at the provider
    assert stripe_standin.get(refund.provider_ref)["amount"] == 8000
    assert natural_balance("provider_clearing:stripe:") == 0
    assert not Booking.objects.exists()
    assert_ledger_sound()


def test_cancelling_a_card_paid_session_refunds_the_card_once(
    stripe_standin, coach, session_type, bob
):
    _, payment = pay_by_card(bob, coach, session_type, at(5, 10))
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    paid = apply(payment)
    with transaction.atomic():
        booking_services.booking_cancel(
            booking_id=paid.booking.public_id, user=bob, reason_code="travel"
        )
    refund = Refund.objects.get(payment=paid)
    assert refund.amount == 8000 and refund.reason == Refund.Reason.POLICY
    provider_refund_task.call(refund.pk)
    provider_refund_task.call(refund.pk)
    refund.refresh_from_db()
    refunds_at_stripe = [o for o in stripe_standin.objects.values() if o["object"] == "refund"]
    assert len(refunds_at_stripe) == 1 and refunds_at_stripe[0]["amount"] == 8000
    assert natural_balance("provider_clearing:stripe:") == 0
    assert_ledger_sound()
