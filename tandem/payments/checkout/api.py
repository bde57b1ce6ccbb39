"""Checkout and payment API: book and pay, see a payment, mark an invoice paid, refunds.

Thin: parse, call one service, present. Someone else's payment answers 404.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from tandem.booking import selectors as booking_selectors
from tandem.booking.present import booking_data
from tandem.booking.requests import booking_request
from tandem.core.errors import InvalidInput, NotFound
from tandem.core.ids import parse_id

from ..ledger.money import to_minor
from ..providers import get_provider
from . import booking_checkout, cards, invoices, refunds, selectors, terms
from .present import next_action, payment_data
from .schemas import CheckoutIn, CheckoutOut, PaymentOut, StaffRefundIn

router = Router(tags=["payments"])


def pay_with(payload) -> terms.PayWith:
    return terms.PayWith(
        package=payload.use_package,
        gift_card_code=payload.gift_card_code or None,
        use_credit=payload.use_credit,
        provider=payload.provider or None,
        sponsored=payload.sponsored,
    )


@router.post(
    "/checkout",
    response={200: CheckoutOut, 201: CheckoutOut},
    summary="Book and pay for a session",
    description=(
        "Like POST /bookings, plus how to pay: a package credit, a gift card, your account "
        "credit, then an invoice (manual provider) or a card (Stripe). Send an "
        "`Idempotency-Key`: the same key and body give the same booking and payment (200). "
        "With a card, `next_action` is `pay_card`: confirm `payment.client_secret` with "
        "Stripe.js; the slot stays held until the payment succeeds or the hold expires. "
        "409 `slot_unavailable` when the time is gone, `insufficient_funds` when a balance ran "
        "out meanwhile; 400 `invalid_gift_card_code` for a mistyped code."
    ),
)
def create_checkout(request: HttpRequest, response: HttpResponse, payload: CheckoutIn) -> Status:
    outcome = booking_checkout.checkout_booking(
        client=request.user,
        request=booking_request(payload),  # the same parsing as POST /bookings
        pay_with=pay_with(payload.payment),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    now = timezone.now()
    booking = None
    if outcome.booking is not None:
        booking = booking_selectors.booking_for(request.user, outcome.booking.public_id)
    payment = (
        selectors.payment_for(request.user, outcome.payment.public_id) if outcome.payment else None
    )
    if payment is not None and payment.provider == "stripe" and not payment.provider_ref:
        payment = selectors.payment_for(request.user, cards.payment_start_card(payment).public_id)
    body = {
        "payment": payment_data(payment, request.user) if payment else None,
        "booking": booking_data(booking, request.user, now) if booking else None,
        "next_action": next_action(payment),
    }
    return Status(200 if outcome.replayed else 201, body)


def _visible(request: HttpRequest, payment_id: str):
    payment = selectors.payment_for(request.user, payment_id)
    if payment is None:
        raise NotFound("No such payment.")
    return payment


@router.get("/payments/{payment_id}", response=PaymentOut, summary="One payment")
def get_payment(request: HttpRequest, payment_id: str) -> dict:
    return payment_data(_visible(request, payment_id), request.user)


@router.post(
    "/payments/{payment_id}/sync",
    response=PaymentOut,
    summary="Re-read a card payment's state from the provider",
    description="For the page after Stripe.js confirmed the card; webhooks do the same.",
)
def sync_payment(request: HttpRequest, payment_id: str) -> dict:
    payment = _visible(request, payment_id)
    if payment.client_id != request.user.pk:
        raise NotFound("No such payment.")
    if payment.provider == "stripe" and payment.provider_ref:
        intent = get_provider("stripe").retrieve_intent(payment.provider_ref)
        cards.payment_apply_intent(payment=payment, intent=intent)
    return payment_data(_visible(request, payment_id), request.user)


@router.post(
    "/payments/{payment_id}/mark-paid",
    response=PaymentOut,
    summary="Record that an invoice was paid (its coach, or staff)",
)
def mark_paid(request: HttpRequest, payment_id: str) -> dict:
    parsed = parse_id(payment_id)
    if parsed is None:
        raise NotFound("No such payment.")
    invoices.invoice_mark_paid(payment_id=parsed, user=request.user)
    return payment_data(_visible(request, payment_id), request.user)


@router.post(
    "/payments/{payment_id}/refunds",
    response={201: PaymentOut},
    summary="Refund part or all of a payment (staff)",
)
def staff_refund(request: HttpRequest, payment_id: str, payload: StaffRefundIn) -> Status:
    payment = _visible(request, payment_id)
    if not request.user.is_staff:
        raise NotFound("No such payment.")
    try:
        value = Decimal(payload.amount.strip())
        minor = to_minor(value, payment.currency)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise InvalidInput(
            "Enter an amount such as 12.50.", fields={"amount": ["invalid"]}
        ) from exc
    refunds.refund_staff(
        payment_id=payment.public_id, staff=request.user, amount=minor, message=payload.message
    )
    return Status(201, payment_data(_visible(request, payment_id), request.user))
