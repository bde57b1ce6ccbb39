"""The Stripe webhook endpoint, fed deliveries signed exactly as Stripe signs them by the local
Stripe stand-in (Stripe's servers cannot be reached from here), with the real `stripe` library
verifying them and re-reading intents from the stand-in."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest
from django.test import Client

from tandem.booking.models import Booking, Hold
from tandem.booking.services import BookingRequest
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout import services as checkout
from tandem.payments.models import LedgerTransaction, Payment, ProviderEvent

from .ledger_checks import assert_ledger_sound
from .stripe_standin import Delivery, StripeStandin

pytestmark = pytest.mark.django_db
URL = "/webhooks/stripe"


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach)


def card_payment(client, coach, session_type, start) -> Payment:
    """Bob checks out a session by card: the payment waits for Stripe, the slot is held."""
    outcome = checkout.checkout_booking(
        client=client,
        request=BookingRequest(coach=coach, session_type=session_type, start=start),
        pay_with=checkout.PayWith(provider="stripe"),
        idempotency_key=None,
    )
    payment = checkout.payment_start_card(outcome.payment)  # what on_commit does
    assert payment.status == Payment.Status.REQUIRES_PAYMENT
    assert payment.provider == "stripe" and payment.provider_ref.startswith("pi_")
    return payment


def deliver(delivery: Delivery, *, signature: str | None = None):
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or delivery.signature}
    return Client().post(URL, data=delivery.payload, content_type="application/json", **headers)


def postings(payment: Payment, reason: str) -> int:
    return LedgerTransaction.objects.filter(payment=payment, reason=reason).count()


def unchanged(payment: Payment) -> bool:
    fresh = Payment.objects.get(pk=payment.pk)
    return (
        fresh.status == Payment.Status.REQUIRES_PAYMENT
        and fresh.booking_id is None
        and postings(payment, "card_received") == 0
        and not ProviderEvent.objects.exists()
    )


def test_a_signed_success_event_pays_and_books(bob, coach, session_type, stripe_standin):
    payment = card_payment(bob, coach, session_type, at(3, 10))
    stripe_standin.confirm(payment.provider_ref)
    answer = deliver(
        stripe_standin.event("payment_intent.succeeded", stripe_standin.get(payment.provider_ref))
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"received": True, "result": "applied"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Booking.objects.get(pk=payment.booking_id).client == bob
    assert postings(payment, "card_received") == 1 and postings(payment, "payment_earn") == 1
    event = ProviderEvent.objects.get()
    assert (event.provider, event.type, event.object_id) == (
        "stripe",
        "payment_intent.succeeded",
        payment.provider_ref,
    )
    assert_ledger_sound()


def test_a_redelivered_event_changes_nothing_more(bob, coach, session_type, stripe_standin):
    payment = card_payment(bob, coach, session_type, at(3, 10))
    stripe_standin.confirm(payment.provider_ref)
    delivery = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    assert deliver(delivery).json()["result"] == "applied"
    reads = len(stripe_standin.requests)
    again = deliver(delivery)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert len(stripe_standin.requests) == reads  # a duplicate is not even re-read
    assert ProviderEvent.objects.count() == 1
    assert postings(payment, "card_received") == 1 and Booking.objects.count() == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_event_three_times_in_shuffled_order_changes_state_once(
    seed, bob, coach, session_type, stripe_standin
):
    paid = card_payment(bob, coach, session_type, at(3, 10))
    declined = card_payment(bob, coach, session_type, at(3, 14))
    # What Stripe would send, each a snapshot of the intent when it happened.
    processing = stripe_standin.event(
        "payment_intent.processing", stripe_standin.process(paid.provider_ref)
    )
    succeeded = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.confirm(paid.provider_ref)
    )
    failed = stripe_standin.event(
        "payment_intent.payment_failed",
        stripe_standin.confirm(declined.provider_ref, succeed=False),
    )
    deliveries = [processing, succeeded, failed] * 3
    random.Random(seed).shuffle(deliveries)
    results: Counter[tuple[str, str]] = Counter()
    for delivery in deliveries:
        answer = deliver(delivery)
        assert answer.status_code == 200, answer.content
        results[(delivery.event_id, answer.json()["result"])] += 1

    # Each event was handled once and answered "duplicate" twice, whatever the order.
    for delivery in (processing, succeeded, failed):
        assert results[(delivery.event_id, "duplicate")] == 2
    assert ProviderEvent.objects.count() == 3
    # The final states follow the intents as re-read from Stripe, not the event bodies:
    # even a "processing" event delivered last leaves the paid payment paid.
    paid.refresh_from_db()
    declined.refresh_from_db()
    assert paid.status == Payment.Status.SUCCEEDED
    assert declined.status == Payment.Status.FAILED
    assert declined.failure_reason == "Your card was declined."
    # Exactly one success posting for the paid payment, none for the declined one.
    assert postings(paid, "card_received") == 1 and postings(paid, "payment_earn") == 1
    assert postings(declined, "card_received") == 0 and postings(declined, "payment_earn") == 0
    assert Booking.objects.filter(client=bob).count() == 1
    assert not Hold.objects.filter(public_id=declined.hold_public_id).exists()
    assert_ledger_sound()


def test_the_event_body_is_not_trusted(bob, coach, session_type, stripe_standin):
    """A (validly signed) event claiming success for an intent Stripe says is unpaid."""
    payment = card_payment(bob, coach, session_type, at(3, 10))
    claim = {**stripe_standin.get(payment.provider_ref), "status": "succeeded"}
    answer = deliver(stripe_standin.event("payment_intent.succeeded", claim))
    assert answer.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REQUIRES_PAYMENT
    assert postings(payment, "card_received") == 0 and payment.booking_id is None


def test_bad_signatures_answer_400_and_change_nothing(bob, coach, session_type, stripe_standin):
    payment = card_payment(bob, coach, session_type, at(3, 10))
    stripe_standin.confirm(payment.provider_ref)
    delivery = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    forged = stripe_standin.sign(delivery.payload, secret="whsec_someone_else")
    tampered = delivery.payload.replace(b'"livemode": false', b'"livemode": true')
    assert tampered != delivery.payload
    for answer in (
        deliver(delivery, signature=forged),  # another secret
        deliver(delivery, signature=""),  # no header
        deliver(delivery, signature="garbage"),  # not a Stripe-Signature header
        deliver(delivery, signature=delivery.signature.replace("v1=", "v0=")),  # no v1
        deliver(Delivery(delivery.event_id, tampered, delivery.signature)),  # body changed
    ):
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["code"] == "invalid_signature"
    assert unchanged(payment)


def test_a_timestamp_older_than_the_tolerance_is_refused(
    bob, coach, session_type, stripe_standin, settings
):
    settings.TANDEM_WEBHOOK_TOLERANCE_SECONDS = 300
    payment = card_payment(bob, coach, session_type, at(3, 10))
    stripe_standin.confirm(payment.provider_ref)
    intent = stripe_standin.get(payment.provider_ref)
    stale = stripe_standin.event(
        "payment_intent.succeeded", intent, timestamp=int(time.time()) - 3600
    )
    answer = deliver(stale)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_signature"
    assert "tolerance" in answer.json()["error"]["message"]
    assert unchanged(payment)
    # Well inside the tolerance, the same event is taken.
    recent = stripe_standin.event(
        "payment_intent.succeeded", intent, timestamp=int(time.time()) - 60
    )
    assert deliver(recent).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


@pytest.mark.parametrize(
    "payload",
    [
        b"not json at all",
        b"[1, 2, 3]",
        b'{"id": 5, "type": "payment_intent.succeeded", "data": {"object": {}}}',
        b'{"id": "evt_1", "object": "event"}',
        b"\xff\xfe\x00 not utf-8",
        b'{"id": "evt_\\u0000", "type": "x", "data": {"object": {"id": ["pi_1"]}}}',
    ],
)
def test_signed_bodies_that_are_not_events_answer_400(payload, stripe_standin):
    answer = Client().post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_standin.sign(payload),
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] in ("invalid_payload", "invalid_signature")
    assert not ProviderEvent.objects.exists()


def test_only_post_is_allowed(stripe_standin):
    assert Client().get(URL).status_code == 405
    assert not ProviderEvent.objects.exists()


def test_an_unconfigured_secret_refuses_everything(stripe_standin, settings):
    delivery = stripe_standin.event("payment_intent.succeeded", {"id": "pi_1"})
    settings.STRIPE_WEBHOOK_SECRET = ""
    answer = deliver(delivery)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_signature"
    assert not ProviderEvent.objects.exists()


def test_an_unknown_intent_is_recorded_and_ignored(stripe_standin):
    obj = {"id": "pi_not_ours", "object": "payment_intent", "status": "succeeded"}
    answer = deliver(stripe_standin.event("payment_intent.succeeded", obj))
    assert answer.status_code == 200 and answer.json()["result"] == "ignored"
    assert ProviderEvent.objects.get().object_id == "pi_not_ours"
    assert stripe_standin.requests == []  # nothing to re-read


def test_refund_events_are_recorded_only(bob, coach, session_type, stripe_standin):
    payment = card_payment(bob, coach, session_type, at(3, 10))
    stripe_standin.confirm(payment.provider_ref)
    charge = stripe_standin.get(stripe_standin.get(payment.provider_ref)["latest_charge"])
    for kind, obj in (
        ("charge.refunded", charge),
        ("refund.created", {"id": "re_1", "object": "refund", "payment_intent": "pi_x"}),
    ):
        answer = deliver(stripe_standin.event(kind, obj))
        assert answer.status_code == 200 and answer.json()["result"] == "recorded"
    assert ProviderEvent.objects.count() == 2
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REQUIRES_PAYMENT and payment.refunded == 0


def test_stripe_unreachable_for_the_re_read_answers_502_and_stripe_redelivers(
    bob, coach, session_type, stripe_standin: StripeStandin
):
    payment = card_payment(bob, coach, session_type, at(3, 10))
    stripe_standin.confirm(payment.provider_ref)
    delivery = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    stripe_standin.unavailable = True
    answer = deliver(delivery)
    assert answer.status_code == 502 and answer.json()["error"]["code"] == "provider_error"
    assert unchanged(payment)  # not even the event is recorded: the redelivery redoes it
    stripe_standin.unavailable = False
    assert deliver(delivery).json()["result"] == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_a_huge_body_is_refused_without_500(stripe_standin):
    payload = b'{"id": "evt_1", "padding": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    answer = Client().post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_standin.sign(payload),
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_payload"
    assert not ProviderEvent.objects.exists()
