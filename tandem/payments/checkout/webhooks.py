"""Stripe's webhook endpoint: `POST /webhooks/stripe`.

1. The `Stripe-Signature` header is verified over the *raw* body with the webhook secret and a
   timestamp tolerance (`stripe.Webhook.construct_event`); a bad or missing signature, a
   timestamp older than TANDEM_WEBHOOK_TOLERANCE_SECONDS or a body that is not an event answers
   400 `invalid_signature` / `invalid_payload` and changes nothing.
2. Each event id is recorded once (`ProviderEvent`, unique per provider): a redelivery answers
   200 and does nothing.
3. The event's body is never trusted for state. For `payment_intent.*` events the intent is
   re-read from Stripe and that state is applied to the payment (`cards.payment_apply_intent`,
   idempotent), so events arriving late, twice or out of order end in the right state.
   `charge.refunded` and `refund.*` events are recorded only (refund rows are made by the
   refund service when Tandem asks Stripe for the refund).
4. The event row and the state change commit in one transaction: a crash in between leaves
   nothing recorded, and Stripe's redelivery redoes it.

Unknown intents (not ours, or a payment from another installation) are recorded and ignored.
If Stripe cannot be reached for the re-read, the answer is 502 and nothing is recorded, so
Stripe delivers the event again later.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError, error_body

from ..errors import InvalidWebhook
from ..models import Payment, ProviderEvent
from ..providers import ProviderIntent, get_provider
from . import cards

log = logging.getLogger(__name__)

PROVIDER = "stripe"
MAX_BODY_BYTES = 512 * 1024  # Stripe's events are a few KB; anything huge is not one


@dataclass(frozen=True, slots=True)
class StripeEvent:
    id: str
    type: str
    object_id: str
    object_type: str


def parse_event(payload: bytes, signature: str) -> StripeEvent:
    """Verify and parse one delivery. Raises InvalidWebhook (400) for anything else."""
    secret = settings.STRIPE_WEBHOOK_SECRET or ""
    if not secret:
        raise InvalidWebhook("The Stripe webhook secret is not configured.")
    try:
        stripe.Webhook.construct_event(
            payload,
            signature,
            secret,
            tolerance=settings.TANDEM_WEBHOOK_TOLERANCE_SECONDS,
            api_key=settings.STRIPE_SECRET_KEY or None,
        )
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(
            f"The Stripe signature is not valid: {exc.user_message or exc}"
        ) from None
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        # Signed but not an event (not UTF-8, not JSON, not an object).
        raise InvalidWebhook(
            "The webhook body is not a Stripe event.", code="invalid_payload"
        ) from exc
    body = json.loads(payload)
    data = body.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    event = StripeEvent(
        id=body.get("id"),
        type=body.get("type"),
        object_id=obj.get("id", "") if isinstance(obj, dict) else "",
        object_type=obj.get("object", "") if isinstance(obj, dict) else "",
    )
    if not (
        isinstance(event.id, str)
        and 0 < len(event.id) <= 120
        and isinstance(event.type, str)
        and 0 < len(event.type) <= 80
        and isinstance(event.object_id, str)
        and len(event.object_id) <= 120
        and isinstance(event.object_type, str)
    ):
        raise InvalidWebhook("The webhook body is not a Stripe event.", code="invalid_payload")
    return event


def stripe_event_handle(*, event: StripeEvent, now: datetime | None = None) -> str:
    """Record a verified event once and apply what it is about. Returns what was done:
    "duplicate", "ignored", "recorded" or "applied"."""
    now = now or timezone.now()
    is_intent = event.type.startswith("payment_intent.") and event.object_type == "payment_intent"
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProviderEvent.objects.create(
                    provider=PROVIDER,
                    event_id=event.id,
                    type=event.type,
                    object_id=event.object_id,
                    received_at=now,
                )
        except IntegrityError:
            return "duplicate"
        if not is_intent:
            return "recorded"
        payment = (
            Payment.objects.select_for_update()
            .filter(provider=PROVIDER, provider_ref=event.object_id)
            .first()
            if event.object_id
            else None
        )
        if payment is None:
            return "ignored"
        # Re-read under the payment's lock: whichever event applies last read the newest
        # state, whatever order the events came in. (A ProviderError here rolls the event
        # row back too, so Stripe's redelivery tries again.)
        intent: ProviderIntent = get_provider(PROVIDER).retrieve_intent(event.object_id)
        try:
            with transaction.atomic():
                cards.payment_apply_intent(payment=payment, intent=intent, now=now)
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            # The state cannot apply (e.g. the payment was closed meanwhile); redelivering
            # would not change that. Keep the event recorded and say so in the log.
            log.warning("stripe event %s for %s not applied: %s", event.id, payment.pk, exc)
            return "recorded"
        return "applied"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


@csrf_exempt  # Stripe is not a browser: the signature authenticates the request
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        if len(request.body) > MAX_BODY_BYTES:
            return _error(400, "invalid_payload", "The webhook body is too large.")
        event = parse_event(request.body, request.headers.get("Stripe-Signature", ""))
        done = stripe_event_handle(event=event)
    except ServiceError as exc:
        return _error(exc.status, exc.code, exc.message)
    except RequestDataTooBig:
        return _error(400, "invalid_payload", "The webhook body is too large.")
    return JsonResponse(_answer(done))


def _answer(done: str) -> dict[str, Any]:
    return {"received": True, "result": done}
