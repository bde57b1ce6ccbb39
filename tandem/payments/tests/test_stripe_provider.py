"""The Stripe provider: the real `stripe` library against the local Stripe stand-in (Stripe's
servers cannot be reached from here), and the stand-in itself behaving as Stripe does."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest
import stripe

from tandem.payments.errors import ProviderError
from tandem.payments.providers import IntentState, get_provider
from tandem.payments.providers.stripe import StripeProvider, intent_state

from .stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StripeStandin, decode_form

META = {"payment": "4b7c0e0a-0000-4000-8000-000000000001", "purpose": "booking"}


@pytest.fixture
def provider(stripe_standin: StripeStandin) -> StripeProvider:
    found = get_provider()  # TANDEM_PAYMENT_PROVIDER="stripe" from the fixture
    assert isinstance(found, StripeProvider) and found.takes_cards
    return found


def test_create_intent_sends_what_stripe_expects(provider, stripe_standin):
    intent = provider.create_intent(
        amount=8000, currency="EUR", idempotency_key="payment-1", metadata=META
    )
    assert intent.ref.startswith("pi_")
    assert intent.state == IntentState.REQUIRES_ACTION
    assert (intent.amount, intent.currency) == (8000, "EUR")
    assert intent.client_secret.startswith(f"{intent.ref}_secret_")
    sent = stripe_standin.requests[-1]
    assert (sent["method"], sent["path"], sent["idempotency_key"]) == (
        "POST",
        "/v1/payment_intents",
        "payment-1",
    )
    assert sent["params"] == {
        "amount": "8000",
        "currency": "eur",
        "automatic_payment_methods": {"enabled": "true"},
        "metadata": META,
    }
    assert stripe_standin.created["payment_intent"] == 1


def test_the_same_idempotency_key_creates_one_intent(provider, stripe_standin):
    first = provider.create_intent(amount=8000, currency="EUR", idempotency_key="k", metadata=META)
    again = provider.create_intent(amount=8000, currency="EUR", idempotency_key="k", metadata=META)
    assert again == first
    assert stripe_standin.created["payment_intent"] == 1
    with pytest.raises(ProviderError) as refused:
        provider.create_intent(amount=9000, currency="EUR", idempotency_key="k", metadata=META)
    assert refused.value.status == 502 and refused.value.code == "provider_error"
    assert "same parameters" in refused.value.message
    assert stripe_standin.created["payment_intent"] == 1
    other = provider.create_intent(amount=8000, currency="EUR", idempotency_key="k2", metadata=META)
    assert other.ref != first.ref and stripe_standin.created["payment_intent"] == 2


def test_retrieve_maps_stripe_statuses(provider, stripe_standin):
    paid = provider.create_intent(amount=500, currency="USD", idempotency_key="a", metadata={})
    slow = provider.create_intent(amount=500, currency="USD", idempotency_key="b", metadata={})
    declined = provider.create_intent(amount=500, currency="USD", idempotency_key="c", metadata={})
    stripe_standin.confirm(paid.ref)
    stripe_standin.process(slow.ref)
    stripe_standin.confirm(declined.ref, succeed=False)
    assert provider.retrieve_intent(paid.ref).state == IntentState.SUCCEEDED
    assert stripe_standin.get(paid.ref)["latest_charge"].startswith("ch_")
    assert provider.retrieve_intent(slow.ref).state == IntentState.PROCESSING
    failed = provider.retrieve_intent(declined.ref)
    assert failed.state == IntentState.FAILED
    assert failed.failure_reason == "Your card was declined."
    assert stripe_standin.created["payment_intent"] == 3  # reads create nothing


@pytest.mark.parametrize(
    ("status", "error", "state"),
    [
        ("requires_payment_method", None, IntentState.REQUIRES_ACTION),
        ("requires_payment_method", {"code": "card_declined"}, IntentState.FAILED),
        ("requires_confirmation", None, IntentState.REQUIRES_ACTION),
        ("requires_action", None, IntentState.REQUIRES_ACTION),
        ("processing", None, IntentState.PROCESSING),
        ("requires_capture", None, IntentState.PROCESSING),
        ("succeeded", None, IntentState.SUCCEEDED),
        ("canceled", None, IntentState.CANCELED),
    ],
)
def test_intent_state_mapping(status, error, state):
    assert intent_state(status, error) == state


def test_cancel_intent(provider, stripe_standin):
    intent = provider.create_intent(amount=800, currency="EUR", idempotency_key="p", metadata={})
    cancelled = provider.cancel_intent(intent.ref, idempotency_key="cancel-p")
    assert cancelled.state == IntentState.CANCELED and cancelled.ref == intent.ref
    # A retried cancel with the same key replays the answer.
    assert provider.cancel_intent(intent.ref, idempotency_key="cancel-p") == cancelled
    paid = provider.create_intent(amount=800, currency="EUR", idempotency_key="q", metadata={})
    stripe_standin.confirm(paid.ref)
    with pytest.raises(ProviderError) as refused:
        provider.cancel_intent(paid.ref, idempotency_key="cancel-q")
    assert "payment_intent_unexpected_state" in refused.value.message
    assert provider.retrieve_intent(paid.ref).state == IntentState.SUCCEEDED


def test_refund_once_per_key_and_never_more_than_paid(provider, stripe_standin):
    intent = provider.create_intent(amount=8000, currency="EUR", idempotency_key="p", metadata={})
    with pytest.raises(ProviderError, match="charge_not_refundable"):
        provider.refund(ref=intent.ref, amount=100, idempotency_key="r0")
    stripe_standin.confirm(intent.ref)
    refund_id = provider.refund(ref=intent.ref, amount=3000, idempotency_key="r1")
    assert refund_id.startswith("re_")
    assert provider.refund(ref=intent.ref, amount=3000, idempotency_key="r1") == refund_id
    assert stripe_standin.created["refund"] == 1
    refund = stripe_standin.get(refund_id)
    assert (refund["amount"], refund["currency"], refund["payment_intent"]) == (
        3000,
        "eur",
        intent.ref,
    )
    with pytest.raises(ProviderError, match="amount_too_large"):
        provider.refund(ref=intent.ref, amount=5001, idempotency_key="r2")
    provider.refund(ref=intent.ref, amount=5000, idempotency_key="r3")
    assert stripe_standin.created["refund"] == 2
    assert stripe_standin.get(stripe_standin.get(intent.ref)["latest_charge"])["refunded"] is True


def test_transfer_to_a_connected_account(provider, stripe_standin):
    transfer_id = provider.transfer(
        destination="acct_1Alice", amount=7200, currency="EUR", idempotency_key="payout-1"
    )
    assert transfer_id.startswith("tr_")
    again = provider.transfer(
        destination="acct_1Alice", amount=7200, currency="EUR", idempotency_key="payout-1"
    )
    assert again == transfer_id and stripe_standin.created["transfer"] == 1
    transfer = stripe_standin.get(transfer_id)
    assert (transfer["destination"], transfer["amount"], transfer["currency"]) == (
        "acct_1Alice",
        7200,
        "eur",
    )
    with pytest.raises(ProviderError, match="No such destination"):
        provider.transfer(destination="bob", amount=1, currency="EUR", idempotency_key="payout-2")
    assert stripe_standin.created["transfer"] == 1


def test_errors_become_provider_errors(provider, stripe_standin, settings):
    with pytest.raises(ProviderError) as missing:
        provider.retrieve_intent("pi_doesnotexist")
    assert missing.value.status == 502
    assert "No such payment_intent: 'pi_doesnotexist'" in missing.value.message
    assert "resource_missing" in missing.value.message

    stripe_standin.unavailable = True
    with pytest.raises(ProviderError, match="HTTP 503"):
        provider.create_intent(amount=100, currency="EUR", idempotency_key="x", metadata={})
    stripe_standin.unavailable = False
    assert stripe_standin.created["payment_intent"] == 0

    settings.STRIPE_SECRET_KEY = "sk_test_wrong_key_000000"
    with pytest.raises(ProviderError, match="refused the API key"):
        provider.create_intent(amount=100, currency="EUR", idempotency_key="y", metadata={})

    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(ProviderError, match="not configured"):
        provider.retrieve_intent("pi_x")
    assert stripe_standin.created["payment_intent"] == 0


def test_unreachable_stripe_is_a_provider_error(settings, stripe_standin):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    with pytest.raises(ProviderError, match="could not be reached"):
        StripeProvider().retrieve_intent("pi_x")


# --- the stand-in speaks like Stripe --------------------------------------------------------


def _call(url: str, *, key: str | None, data: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data)
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_standin_checks_the_api_key_and_answers_in_stripes_error_shape(stripe_standin):
    url = f"{stripe_standin.url}/v1/payment_intents"
    status, body = _call(url, key=None, data=b"amount=100&currency=eur")
    assert status == 401 and body["error"]["type"] == "invalid_request_error"
    status, body = _call(url, key="sk_test_nope", data=b"amount=100&currency=eur")
    assert status == 401 and "Invalid API Key" in body["error"]["message"]
    status, body = _call(f"{url}/pi_missing", key=SECRET_KEY)
    assert status == 404 and body["error"]["code"] == "resource_missing"
    status, body = _call(url, key=SECRET_KEY, data=b"currency=eur")
    assert status == 400 and body["error"]["param"] == "amount"
    status, body = _call(f"{stripe_standin.url}/v1/charges", key=SECRET_KEY)
    assert status == 404 and "Unrecognized request URL" in body["error"]["message"]
    assert stripe_standin.created["payment_intent"] == 0


def test_form_decoding_matches_the_librarys_encoding():
    assert decode_form("a=1&metadata[x]=y&types[0]=card&types[1]=link&n[d][e]=f") == {
        "a": "1",
        "metadata": {"x": "y"},
        "types": ["card", "link"],
        "n": {"d": {"e": "f"}},
    }


def test_standin_events_are_signed_exactly_as_stripe_signs_them(stripe_standin):
    intent = {"id": "pi_123", "object": "payment_intent", "status": "succeeded"}
    delivery = stripe_standin.event("payment_intent.succeeded", intent)
    assert delivery.signature.startswith("t=") and ",v1=" in delivery.signature
    assert stripe.WebhookSignature.verify_header(
        delivery.payload, delivery.signature, WEBHOOK_SECRET, 300
    )
    event = stripe.Webhook.construct_event(
        delivery.payload, delivery.signature, WEBHOOK_SECRET, api_key=SECRET_KEY
    )
    assert event.id == delivery.event_id and event.type == "payment_intent.succeeded"
    assert event.data.object.id == "pi_123"
    # The library's own test helper computes the same header for the same timestamp.
    t = int(delivery.signature.split(",")[0][2:])
    assert delivery.signature == stripe.WebhookSignature.generate_signature_header(
        delivery.payload.decode(), WEBHOOK_SECRET, timestamp=t
    )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(
            delivery.payload + b" ", delivery.signature, WEBHOOK_SECRET, 300
        )
