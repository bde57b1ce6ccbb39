"""Gift card API: buy, issue (staff), check a balance, my cards, one card, transfer, claim.

Thin: parse, call one service, present. A card is visible only to who holds or bought it;
for anyone else it answers 404 as if it did not exist. Codes are secrets: only the purchase
answer carries the full code, everything else shows the last four symbols.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Router, Status

from tandem.accounts.models import User
from tandem.core.errors import NotFound

from ..checkout.services import PayWith
from ..ledger import accounts
from ..ledger.money import format_minor, from_minor
from ..models import GiftCard, Payment
from . import codes, selectors, services
from .schemas import (
    BalanceOut,
    CodeIn,
    GiftCardBuyIn,
    GiftCardDetailOut,
    GiftCardIssueIn,
    GiftCardListOut,
    GiftCardOut,
    GiftCardPurchaseOut,
    TransferIn,
)

router = Router(tags=["gift cards"])


def card_data(card: GiftCard, user: User) -> dict[str, Any]:
    balance = accounts.gift_card_balance(card)
    return {
        "id": card.public_id,
        "code": codes.masked_code(card.code_hint),
        "last4": card.code_hint,
        "status": card.status,
        "currency": card.currency,
        "initial_amount": card.initial_amount,
        "balance": balance,
        "balance_display": format_minor(balance, card.currency),
        "recipient_email": card.recipient_email,
        "message": card.message,
        "expires_at": card.expires_at,
        "created_at": card.created_at,
        "purchased_by_you": card.purchaser_id == user.pk,
        "held_by_you": card.holder_id == user.pk,
        "can_transfer": (
            selectors.may_transfer(card, user) and card.status == GiftCard.Status.ACTIVE
        ),
    }


def detail_data(card: GiftCard, user: User) -> dict[str, Any]:
    history = selectors.giftcard_history(card)
    return {
        **card_data(card, user),
        "events": [
            {"kind": e.kind, "amount": e.amount, "detail": e.detail, "at": e.at}
            for e in history.events
        ],
        "ledger": [
            {"at": line.at, "reason": line.reason, "amount": line.amount, "balance": line.balance}
            for line in history.ledger
        ],
    }


def _payment(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.public_id,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "client_secret": payment.client_secret
        if payment.status == Payment.Status.REQUIRES_PAYMENT
        else "",
    }


@router.post(
    "/gift-cards",
    response={200: GiftCardPurchaseOut, 201: GiftCardPurchaseOut},
    summary="Buy a gift card",
    description=(
        "The card waits for its payment (an invoice with the manual provider, a card with "
        "Stripe) and becomes active, and is emailed to the recipient, once paid. Send an "
        "`Idempotency-Key`: the same key and body return the same purchase (200, header "
        "`Idempotent-Replayed: true`); the same key with another body answers 409 "
        "`idempotency_key_reused`. 400 `amount_out_of_range` outside 5.00-1000.00."
    ),
)
def buy(request: HttpRequest, response: HttpResponse, payload: GiftCardBuyIn) -> Status:
    purchase = services.giftcard_buy(
        client=request.user,
        amount=services.parse_amount(payload.amount, payload.currency),
        currency=payload.currency,
        recipient_email=payload.recipient_email,
        message=payload.message,
        pay_with=PayWith(
            package=False,
            gift_card_code=None,
            use_credit=payload.use_credit,
            provider=payload.provider,
        ),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if purchase.replayed:
        response["Idempotent-Replayed"] = "true"
    card = purchase.card
    body = {
        **card_data(card, request.user),
        # The code exists only in the first answer (it is not stored): null on a replay.
        "full_code": codes.format_code(card.issued_code) if card.issued_code else None,
        "payment": _payment(purchase.payment),
    }
    return Status(200 if purchase.replayed else 201, body)


@router.post(
    "/gift-cards/issue",
    response={201: GiftCardOut},
    summary="Issue a promotional gift card (staff)",
    description="Staff only (404 for anyone else). The platform's promotions pay for it.",
)
def issue(request: HttpRequest, payload: GiftCardIssueIn) -> Status:
    if not request.user.is_staff:
        raise NotFound("Not found.")
    card = services.giftcard_issue(
        staff=request.user,
        amount=services.parse_amount(payload.amount, payload.currency),
        currency=payload.currency,
        recipient_email=payload.recipient_email,
        message=payload.message,
        expires_at=payload.expires_at,
    )
    return Status(201, card_data(card, request.user))


@router.post(
    "/gift-cards/check",
    response=BalanceOut,
    summary="Check a gift card's balance",
    description=(
        "Anyone signed in may check a code; 20 checks and claims a minute per user (429 "
        "`rate_limited` beyond), so codes cannot be guessed. 404 `gift_card_not_found`."
    ),
)
def check(request: HttpRequest, payload: CodeIn) -> dict:
    found = services.giftcard_balance(payload.code, user=request.user)
    return {
        "balance": str(from_minor(found.balance, found.currency)),
        "balance_minor": found.balance,
        "currency": found.currency,
        "expires_at": found.expires_at,
        "status": found.status,
        "last4": found.last4,
    }


@router.get(
    "/gift-cards",
    response=GiftCardListOut,
    summary="Your gift cards",
    description="Cards you hold or bought, newest first.",
)
def mine(request: HttpRequest) -> dict:
    return {"items": [card_data(c, request.user) for c in selectors.cards_of(request.user)]}


@router.post(
    "/gift-cards/claim",
    response=GiftCardDetailOut,
    summary="Add a gift card to your account by its code",
    description=(
        "The card then shows in your gift cards. 409 `gift_card_held` when someone else "
        "holds it, `gift_card_not_active` when expired or unpaid. Rate-limited like /check."
    ),
)
def claim(request: HttpRequest, payload: CodeIn) -> dict:
    card = services.giftcard_claim(code=payload.code, user=request.user)
    return detail_data(card, request.user)


@router.get(
    "/gift-cards/{card_id}",
    response=GiftCardDetailOut,
    summary="One of your gift cards, with its history",
)
def detail(request: HttpRequest, card_id: str = Path(...)) -> dict:
    return detail_data(selectors.card_for(request.user, card_id), request.user)


@router.post(
    "/gift-cards/{card_id}/transfer",
    response=GiftCardDetailOut,
    summary="Pass a gift card on to another email",
    description=(
        "The holder (or the purchaser while nobody holds it) only: 403 "
        "`not_gift_card_holder` otherwise. The new recipient is emailed the code; if they "
        "have an account the card moves to it, else it waits for them to claim it."
    ),
)
def transfer(request: HttpRequest, payload: TransferIn, card_id: str = Path(...)) -> dict:
    card = services.giftcard_transfer(
        card_id=card_id, user=request.user, to_email=payload.to_email, now=timezone.now()
    )
    return detail_data(card, request.user)
