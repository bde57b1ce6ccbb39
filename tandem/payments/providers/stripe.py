"""The Stripe provider: the official `stripe` library (PaymentIntents, refunds, Connect
transfers) behind the `CardProvider` interface.

Every call that creates something passes our idempotency key to Stripe (`Idempotency-Key`), so
a retried request never charges, refunds or pays out twice. The library itself retries network
errors, 409s and 5xx answers with the same key. `STRIPE_API_BASE` points the library at another
base URL (the tests' local stand-in; Stripe's servers cannot be reached from CI).

Stripe's intent statuses map onto `IntentState`:
  succeeded -> SUCCEEDED; processing, requires_capture -> PROCESSING; canceled -> CANCELED;
  requires_payment_method *with* a last_payment_error (the card was refused) -> FAILED;
  requires_payment_method, requires_confirmation, requires_action -> REQUIRES_ACTION.
"""

from __future__ import annotations

import threading
from typing import Any

import stripe
from django.conf import settings

from ..errors import ProviderError
from .base import IntentState, ProviderIntent

# Seconds before one HTTP request to Stripe gives up (the library's default is 80).
TIMEOUT_SECONDS = 30
NETWORK_RETRIES = 2

_clients: dict[tuple[str, str], stripe.StripeClient] = {}
_clients_lock = threading.Lock()


def _client() -> stripe.StripeClient:
    """One `StripeClient` per (key, base URL), shared by threads (its HTTP client keeps one
    `requests` session per thread)."""
    api_key = settings.STRIPE_SECRET_KEY or ""
    if not api_key:
        raise ProviderError("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
    base = settings.STRIPE_API_BASE or ""
    with _clients_lock:
        client = _clients.get((api_key, base))
        if client is None:
            client = stripe.StripeClient(
                api_key,
                base_addresses={"api": base} if base else None,
                http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
                max_network_retries=NETWORK_RETRIES,
            )
            _clients[(api_key, base)] = client
        return client


def intent_state(status: str, last_payment_error: Any = None) -> IntentState:
    if status == "succeeded":
        return IntentState.SUCCEEDED
    if status in ("processing", "requires_capture"):
        return IntentState.PROCESSING
    if status == "canceled":
        return IntentState.CANCELED
    if status == "requires_payment_method" and last_payment_error:
        return IntentState.FAILED
    return IntentState.REQUIRES_ACTION


def _to_intent(resource: stripe.PaymentIntent) -> ProviderIntent:
    obj: dict[str, Any] = resource.to_dict()  # v15 objects are not dicts
    error = obj.get("last_payment_error")
    reason = ""
    if error:
        reason = str(error.get("message") or error.get("code") or "The card was declined.")
    return ProviderIntent(
        ref=str(obj["id"]),
        state=intent_state(str(obj.get("status") or ""), error),
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        client_secret=str(obj.get("client_secret") or ""),
        failure_reason=reason[:200],
    )


def _wrap(action: str, exc: stripe.StripeError) -> ProviderError:
    detail = exc.user_message or str(exc) or type(exc).__name__
    if isinstance(exc, stripe.APIConnectionError):
        detail = "Stripe could not be reached"
    elif isinstance(exc, stripe.AuthenticationError):
        detail = "Stripe refused the API key"
    status = f" (HTTP {exc.http_status})" if exc.http_status else ""
    code = f" [{exc.code}]" if exc.code else ""
    return ProviderError(f"Stripe could not {action}{status}{code}: {detail}"[:500])


class StripeProvider:
    name = "stripe"
    takes_cards = True

    def create_intent(
        self, *, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderIntent:
        try:
            obj = _client().v1.payment_intents.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": {str(k): str(v) for k, v in metadata.items()},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _wrap("create the payment", exc) from exc
        return _to_intent(obj)

    def retrieve_intent(self, ref: str) -> ProviderIntent:
        try:
            obj = _client().v1.payment_intents.retrieve(ref)
        except stripe.StripeError as exc:
            raise _wrap("read the payment", exc) from exc
        return _to_intent(obj)

    def cancel_intent(self, ref: str, *, idempotency_key: str) -> ProviderIntent:
        try:
            obj = _client().v1.payment_intents.cancel(
                ref, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _wrap("cancel the payment", exc) from exc
        return _to_intent(obj)

    def refund(self, *, ref: str, amount: int, idempotency_key: str) -> str:
        try:
            obj = _client().v1.refunds.create(
                params={"payment_intent": ref, "amount": amount},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _wrap("refund the payment", exc) from exc
        return str(obj.id)

    def transfer(
        self, *, destination: str, amount: int, currency: str, idempotency_key: str
    ) -> str:
        try:
            obj = _client().v1.transfers.create(
                params={"destination": destination, "amount": amount, "currency": currency.lower()},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _wrap("pay out to the coach", exc) from exc
        return str(obj.id)
