"""Packages API: a coach's offers (public and their own), buying one, and my packages.

Thin: parse, call one service or selector, present. Anyone else's offer or purchase answers
404 as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile
from tandem.core.errors import NotFound

from ..checkout.services import PayWith
from ..ledger import money
from ..models import PackageOffer, Payment
from . import offers, selectors, services
from .schemas import BuyIn, BuyOut, MyOfferOut, OfferCreateIn, OfferOut, OfferUpdateIn, PurchaseOut

router = Router(tags=["packages"])


def _decimal(amount: int, currency: str) -> str:
    return str(money.from_minor(amount, currency))


def _offer(view: selectors.OfferView) -> dict[str, Any]:
    offer = view.offer
    return {
        "id": offer.public_id,
        "name": offer.name,
        "session_type_id": offer.session_type.public_id,
        "session_type_name": offer.session_type.name,
        "sessions": offer.sessions,
        "price": _decimal(offer.price, offer.currency),
        "currency": offer.currency,
        "valid_days": offer.valid_days,
        "single_session_price": _decimal(view.session_price, offer.currency),
        "saving": _decimal(view.saving, offer.currency),
        "is_active": offer.is_active,
        "created_at": offer.created_at,
    }


def _my_offer(offer: PackageOffer) -> dict[str, Any]:
    return _offer(selectors.offer_view(offer))


def _payment(payment: Payment | None) -> dict[str, Any] | None:
    if payment is None:
        return None
    invoice = getattr(payment, "invoice", None)  # none for a card or credit-only payment
    return {
        "id": payment.public_id,
        "status": payment.status,
        "amount": _decimal(payment.amount, payment.currency),
        "currency": payment.currency,
        "provider": payment.provider,
        "client_secret": payment.client_secret or None,
        "invoice_number": invoice.number if invoice else None,
        "invoice_status": invoice.status if invoice else None,
    }


def _purchase(summary: selectors.PurchaseSummary) -> dict[str, Any]:
    purchase = summary.purchase
    return {
        "id": purchase.public_id,
        "offer_id": purchase.offer.public_id,
        "name": purchase.offer.name,
        "coach_id": purchase.coach.public_id,
        "coach_slug": purchase.coach.slug,
        "coach_name": purchase.coach.user.display_name.strip() or purchase.coach.slug,
        "session_type_id": purchase.session_type.public_id,
        "session_type_name": purchase.session_type.name,
        "status": purchase.status,
        "sessions": purchase.sessions,
        "credits_available": summary.available if summary.usable else 0,
        "credits_used": summary.used,
        "credits_forfeited": summary.forfeited,
        "price": _decimal(purchase.price, purchase.currency),
        "currency": purchase.currency,
        "purchased_at": purchase.purchased_at,
        "expires_at": purchase.expires_at,
        "payment": _payment(summary.payment),
    }


def _own_coach(request: HttpRequest) -> CoachProfile:
    coach = coach_selectors.coach_profile_for_user(request.user)
    if coach is None:
        raise NotFound("You do not have a coach profile.")
    return coach


# --- Public ------------------------------------------------------------------------------------


@router.get(
    "/coaches/{coach_id}/packages",
    auth=None,
    response=list[OfferOut],
    summary="A listed coach's packages",
    description="Packages on sale: N sessions of one session type at one price, valid for "
    "some days after payment. The coach by public id or slug.",
)
def coach_packages(request: HttpRequest, coach_id: str) -> list[dict]:
    coach = coach_selectors.coach_get_listed(coach_id)
    if coach is None:
        raise NotFound("No such coach.")
    return [_offer(view) for view in selectors.public_offers(coach)]


# --- The coach's own offers --------------------------------------------------------------------


@router.get("/me/coach/packages", response=list[MyOfferOut], summary="Your packages")
def my_offers(request: HttpRequest) -> list[dict]:
    return [_offer(view) for view in selectors.coach_offers(_own_coach(request))]


@router.post("/me/coach/packages", response={201: MyOfferOut}, summary="Offer a package")
def create_offer(request: HttpRequest, payload: OfferCreateIn) -> Status:
    offer = offers.package_offer_create(coach_user=request.user, **payload.model_dump())
    return Status(201, _my_offer(offer))


@router.patch(
    "/me/coach/packages/{offer_id}",
    response=MyOfferOut,
    summary="Change a package (only new purchases see the change)",
)
def update_offer(request: HttpRequest, offer_id: str, payload: OfferUpdateIn) -> dict:
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    offer = offers.package_offer_update(coach_user=request.user, offer_id=offer_id, **changes)
    return _my_offer(offer)


@router.delete(
    "/me/coach/packages/{offer_id}",
    response={204: None},
    summary="Stop selling a package (purchases already made stay valid)",
)
def delete_offer(request: HttpRequest, offer_id: str) -> Status:
    offers.package_offer_deactivate(coach_user=request.user, offer_id=offer_id)
    return Status(204, None)


# --- Buying and my packages --------------------------------------------------------------------


@router.post(
    "/packages/{offer_id}/buy",
    response={200: BuyOut, 201: BuyOut},
    summary="Buy a package",
    description=(
        "Makes the purchase and its payment: account credit and a gift card are used first "
        "(if asked); the rest is an invoice (manual provider) or a card payment (Stripe, pay "
        "with `payment.client_secret`). The credits become bookable when the payment "
        "succeeds; the validity starts then. Send an `Idempotency-Key` header: repeating the "
        "request returns the same purchase (200, `Idempotent-Replayed: true`); the same key "
        "with another body answers 409 `idempotency_key_reused`."
    ),
)
def buy(request: HttpRequest, response: HttpResponse, offer_id: str, payload: BuyIn) -> Status:
    outcome = services.package_buy(
        client=request.user,
        offer_id=offer_id,
        pay_with=PayWith(
            package=False, gift_card_code=payload.gift_card_code, use_credit=payload.use_credit
        ),
        idempotency_key=request.headers.get("Idempotency-Key"),
        now=timezone.now(),
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    summary = selectors.purchase_for(request.user, outcome.purchase.public_id)
    assert summary is not None
    return Status(
        200 if outcome.replayed else 201, {**_purchase(summary), "replayed": outcome.replayed}
    )


@router.get(
    "/me/packages",
    response=list[PurchaseOut],
    summary="Your packages",
    description="Newest first, with the sessions left and when they expire.",
)
def my_packages(request: HttpRequest) -> list[dict]:
    return [_purchase(s) for s in selectors.credits_summary(request.user)]


@router.get("/me/packages/{purchase_id}", response=PurchaseOut, summary="One of your packages")
def my_package(request: HttpRequest, purchase_id: str) -> dict:
    summary = selectors.purchase_for(request.user, purchase_id)
    if summary is None:
        raise NotFound("No such package.")
    return _purchase(summary)
