"""What a payment takes its sources from: the sponsor's cover, a package credit, a gift card
and the account credit, claimed or locked as the coverage rule (coverage.py) reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.core.errors import InvalidInput

from ..errors import CurrencyMismatch
from ..giftcards.codes import find_card
from ..ledger import accounts
from ..ledger import services as ledger
from ..models import Account, GiftCard, PackageCredit
from ..sponsors.port import SponsorOffer
from ..sponsors.port import port as sponsor_port
from .locking import lock_row


def _find_gift_card(code: str, currency: str, now: datetime) -> GiftCard:
    card = lock_row(GiftCard, find_card(code).pk)
    if card.status != GiftCard.Status.ACTIVE or card.expires_at <= now:
        raise InvalidInput(
            "This gift card cannot be used.", code="gift_card_unusable", fields={"gift_card": []}
        )
    if card.currency != currency:
        raise CurrencyMismatch(
            f"This gift card is in {card.currency}; this price is in {currency}.",
            fields={"gift_card": ["currency"]},
        )
    return card


def _claim_package_credit(client: User, coach, session_type, now: datetime):
    """An available credit for this coach and type, claimed (conditional UPDATE) or None."""
    candidates = (
        PackageCredit.objects.filter(
            purchase__client=client,
            purchase__coach=coach,
            purchase__session_type=session_type,
            purchase__status="active",
            purchase__expires_at__gt=now,
            status=PackageCredit.Status.AVAILABLE,
        )
        .select_related("purchase")
        .order_by("purchase__expires_at", "purchase_id", "index")
    )
    for credit in candidates[:5]:
        claimed = PackageCredit.objects.filter(
            pk=credit.pk, status=PackageCredit.Status.AVAILABLE
        ).update(status=PackageCredit.Status.USED, used_at=now)
        if claimed:
            credit.status = PackageCredit.Status.USED
            return credit
    return None


@dataclass(slots=True)
class Taking:
    """payment_open's side of the coverage rule (checkout/coverage.py): what it reads, it
    takes: the sponsor's cover is claimed (orgs locks the programme and records the sponsored
    session), the package credit is claimed, the gift card and the account credit are locked."""

    client: User
    coach: Any
    session_type: Any  # None: not a session (a package or gift card purchase)
    currency: str
    gift_card_code: str | None
    now: datetime
    booking: Booking | None = None
    price: int = 0
    sponsor_declined: bool = False  # the port was asked to claim and said no
    package_credit: PackageCredit | None = None
    card: GiftCard | None = None
    credit_account: Account | None = None

    def sponsor_covers(self) -> SponsorOffer | None:
        # Only a booking already made is claimed (a card payment's hold is never sponsored:
        # a sponsored session needs no card, so it books at once).
        port = sponsor_port()
        if port is None or self.session_type is None or self.booking is None or not self.price:
            return None
        offer = port.claim(
            client=self.client,
            coach=self.coach,
            session_type=self.session_type,
            booking=self.booking,
            price=self.price,
            currency=self.currency,
            now=self.now,
        )
        self.sponsor_declined = offer is None
        if offer is not None and offer.currency != self.currency:
            raise CurrencyMismatch(
                f"The programme's budget is in {offer.currency}; this price is in {self.currency}.",
                fields={"sponsored": ["currency"]},
            )
        return offer

    def package_covers(self) -> bool:
        if self.session_type is None:
            return False
        self.package_credit = _claim_package_credit(
            self.client, self.coach, self.session_type, self.now
        )
        return self.package_credit is not None

    def gift_card(self) -> int:
        self.card = _find_gift_card(self.gift_card_code or "", self.currency, self.now)
        return accounts.gift_card_balance(self.card)

    def account_credit(self) -> int:
        self.credit_account = accounts.client_credit(self.client, self.currency)
        lock_row(Account, self.credit_account.pk)
        return ledger.balance(self.credit_account)
