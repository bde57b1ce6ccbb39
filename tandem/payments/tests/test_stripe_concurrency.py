"""One charge, however many times a payment is asked for at once.

20 threads, each with its own database connection and its own Django test `Client`, released
together by a barrier, send the same `POST /api/v1/checkout` with one `Idempotency-Key`; the
card goes to the local Stripe stand-in through the real `stripe` library (Stripe's servers
cannot be reached from here). Exactly one Payment and one PaymentIntent come of it. Runs on
PostgreSQL and on a SQLite *file* (the booking concurrency tests' `file_database` fixture).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from conftest import make_user
from tandem.accounts.services import api_token_create
from tandem.booking.models import Booking, Hold
from tandem.booking.services import BookingRequest
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.booking.tests.test_concurrency import (  # noqa: F401 (file_database is a fixture)
    Answer,
    file_database,
    run_together,
)
from tandem.payments.checkout import services as checkout
from tandem.payments.models import LedgerTransaction, Payment

from .ledger_checks import assert_ledger_sound
from .stripe_standin import StripeStandin

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

THREADS = 20


def checkout_together(threads: int) -> tuple[Any, list[Answer]]:
    """Bob sends the same card checkout with one Idempotency-Key from `threads` threads at once."""
    alice = make_user("alice@example.com", name="Alice Adler", zone="Europe/Berlin")
    bob = make_user("bob@example.com", name="Bob Brown", zone="America/New_York")
    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    _, token = api_token_create(user=bob, name="concurrency test")
    body = json.dumps(
        {
            "coach": str(coach.public_id),
            "session_type": str(session_type.public_id),
            "start": at(3, 10).isoformat(),
            "payment": {"provider": "stripe"},
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "bob-checkout-0001"}

    def work(_: int) -> Answer:
        response = Client().post(
            "/api/v1/checkout", data=body, content_type="application/json", headers=headers
        )
        return Answer(response.status_code, response.json())

    outcome = run_together(threads, work)
    outcome.check_clean()
    return bob, [a for a in outcome.answers if a is not None]


def test_twenty_identical_checkouts_with_one_key_make_one_charge(stripe_standin: StripeStandin):
    bob, answers = checkout_together(THREADS)
    statuses = Counter(a.status for a in answers)
    assert set(statuses) <= {200, 201}, statuses
    # Tandem's idempotency: one of them made it; the rest are the same answer. (Whether a
    # concurrent duplicate says 200 or 201 is checkout's business; one charge is ours.)
    assert statuses[201] >= 1, statuses
    # Every answer is the same payment, with the same intent's client secret.
    payment = Payment.objects.get()
    assert {a.body["payment"]["id"] for a in answers} == {str(payment.public_id)}
    assert payment.provider == "stripe" and payment.provider_ref.startswith("pi_")
    assert payment.status == Payment.Status.REQUIRES_PAYMENT
    assert Hold.objects.filter(client=bob).count() == 1

    # One PaymentIntent at "Stripe", for the price, keyed by the payment.
    assert stripe_standin.created["payment_intent"] == 1
    (intent,) = stripe_standin.intents()
    assert intent["id"] == payment.provider_ref
    assert (intent["amount"], intent["currency"]) == (8000, "eur")
    assert intent["metadata"]["payment"] == str(payment.public_id)
    keys = {r["idempotency_key"] for r in stripe_standin.requests if r["method"] == "POST"}
    assert keys == {f"payment-{payment.public_id}"}

    # Bob pays once; the webhook (delivered twice) books once and posts once.
    stripe_standin.confirm(payment.provider_ref)
    delivery = stripe_standin.event("payment_intent.succeeded", stripe_standin.get(intent["id"]))
    for _ in range(2):
        assert (
            Client()
            .post(
                "/webhooks/stripe",
                data=delivery.payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=delivery.signature,
            )
            .status_code
            == 200
        )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Booking.objects.filter(client=bob).count() == 1
    assert LedgerTransaction.objects.filter(payment=payment, reason="card_received").count() == 1
    assert_ledger_sound()


def test_concurrent_duplicate_checkouts_keep_the_payments_hold_and_answer_200(
    stripe_standin: StripeStandin,
):
    bob, answers = checkout_together(THREADS)
    payment = Payment.objects.get()
    assert Counter(a.status for a in answers) == Counter({201: 1, 200: THREADS - 1})
    assert list(Hold.objects.filter(client=bob).values_list("public_id", flat=True)) == [
        payment.hold_public_id
    ]


def test_twenty_concurrent_card_starts_for_one_payment_make_one_intent(
    stripe_standin: StripeStandin,
):
    """Below Tandem's own key: the provider call itself, retried at once from 20 places
    (a retried job, a replayed request, ...), creates one intent thanks to Stripe's key."""
    alice = make_user("alice@example.com", name="Alice Adler", zone="Europe/Berlin")
    bob = make_user("bob@example.com", name="Bob Brown", zone="America/New_York")
    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    outcome = checkout.checkout_booking(
        client=bob,
        request=BookingRequest(coach=coach, session_type=session_type, start=at(3, 10)),
        pay_with=checkout.PayWith(provider="stripe"),
        idempotency_key=None,
    )
    payment = outcome.payment
    assert payment is not None
    # Forget the intent on our side (as if the answer was lost): Stripe still has it, or not.
    Payment.objects.filter(pk=payment.pk).update(provider_ref="", client_secret="")

    def work(_: int) -> Answer:
        fresh = Payment.objects.get(pk=payment.pk)
        started = checkout.payment_start_card(fresh)
        return Answer(200, {"ref": started.provider_ref})

    result = run_together(THREADS, work)
    result.check_clean()
    refs = {a.body["ref"] for a in result.answers if a is not None}
    assert stripe_standin.created["payment_intent"] == 1
    (intent,) = stripe_standin.intents()
    assert refs == {intent["id"]}
    payment.refresh_from_db()
    assert payment.provider_ref == intent["id"]
