"""Reads of gift cards: a user's cards, whether they may pass one on, and a card's history
(its events and the ledger lines of its account, with the running balance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from tandem.accounts.models import User
from tandem.core.errors import NotFound
from tandem.core.ids import parse_id

from ..ledger import services as ledger
from ..models import Account, GiftCard, GiftCardEvent, LedgerEntry


def cards_of(user: User) -> QuerySet[GiftCard]:
    """The cards a user holds or bought (bought ones still awaiting payment included)."""
    return GiftCard.objects.filter(Q(holder=user) | Q(purchaser=user)).select_related(
        "purchaser", "holder"
    )


def card_for(user: User, card_id: Any) -> GiftCard:
    """A card the user holds or bought; NotFound for anyone else (and for bad ids)."""
    public_id = parse_id(card_id)
    if public_id is None:
        raise NotFound("No such gift card.")
    card = cards_of(user).filter(public_id=public_id).first()
    if card is None:
        raise NotFound("No such gift card.")
    return card


def may_transfer(card: GiftCard, user: User) -> bool:
    if card.holder_id is not None:
        return card.holder_id == user.pk
    return card.purchaser_id == user.pk


# --- History -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    at: datetime
    reason: str
    amount: int  # + money onto the card, - money off it
    balance: int  # after this line


@dataclass(frozen=True)
class History:
    events: list[GiftCardEvent]
    ledger: list[LedgerLine]
    balance: int


def giftcard_history(card: GiftCard) -> History:
    events = list(card.events.select_related("actor").order_by("at", "pk"))
    key = ledger.account_key(Account.Kind.GIFT_CARD, card.currency, f"card:{card.pk}")
    entries = (
        LedgerEntry.objects.filter(account__key=key)
        .select_related("transaction")
        .order_by("created_at", "pk")
    )
    lines: list[LedgerLine] = []
    running = 0
    for entry in entries:
        change = -int(entry.amount)  # the card's account is credit-normal
        running += change
        lines.append(
            LedgerLine(
                at=entry.created_at,
                reason=entry.transaction.reason,
                amount=change,
                balance=running,
            )
        )
    return History(events=events, ledger=lines, balance=running)
