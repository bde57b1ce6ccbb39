"""How a price is covered: the one home of the rule (issue 15, "one home per rule").

In this order: a sponsor (an organisation's programme the client belongs to, asked through
`sponsors.port`) covers a session whole; then a package credit (of that coach and session
type) covers it whole;
otherwise a gift card pays what its balance allows, then the client's account credit, and
the provider takes the rest (a card through Stripe, or an invoice with the manual provider).
The client's choices (`PayWith`) switch each source on or off; `sponsor_only` (the client
ticked the sponsor's box) leaves the sponsor alone, and its callers refuse a session it does
not cover.

`cover` applies the rule to balances it asks for lazily, at most once each and only while
something is left to pay (a gift card code is not even looked up when a package pays), so
each caller decides how a balance is read:

- `opening.payment_open` claims the sponsor's cover (`SponsorPort.claim`) or the package
  credit and locks the rows it reads (`taking.Taking`: the money really moves);
- `booking_checkout.needs_card` (would this booking wait for a card?) and the booking wizard's quote
  (`checkout.booking_port.quote`) read without claiming (`ReadBalances`; the sponsor
  through `SponsorPort.offer`, given the session's start whenever the slot is known, so the
  answer is about the session's own date as `claim`'s is);
- the wizard's first step (`sponsor_offers`: which of a coach's session types a sponsor
  would cover today, asked at once; the review step asks again for the slot).

Without a registered sponsor port nothing is sponsored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tandem.core.errors import ServiceError

from ..giftcards.codes import find_card
from ..ledger import accounts
from ..ledger.money import to_minor
from ..models import GiftCard
from ..packages.selectors import credits_left
from ..sponsors.port import SponsorAsk, SponsorOffer
from ..sponsors.port import port as sponsor_port

if TYPE_CHECKING:
    from .terms import PayWith


class Balances(Protocol):
    """Where a price may be covered from (each asked at most once, in the rule's order)."""

    def sponsor_covers(self) -> SponsorOffer | None:
        """The programme that covers the session whole (claimed, when the caller pays)."""
        ...

    def package_covers(self) -> bool:
        """Whether a package credit covers the session (claimed, when the caller pays)."""
        ...

    def gift_card(self) -> int:
        """The gift card's balance in minor units (the code is the caller's)."""
        ...

    def account_credit(self) -> int:
        """The client's account credit in the price's currency, in minor units."""
        ...


@dataclass(frozen=True, slots=True)
class Coverage:
    """What each source pays of `price` (minor units); `rest` is the provider's part."""

    price: int
    package: bool
    gift_card: int
    credit: int
    rest: int
    sponsor: SponsorOffer | None = None  # the programme that pays the whole price

    @property
    def sponsored(self) -> bool:
        return self.sponsor is not None

    @property
    def covered_without_provider(self) -> bool:
        return self.rest == 0


def cover(price: int, pay_with: PayWith, balances: Balances) -> Coverage:
    """Split `price` between a sponsor, a package credit, a gift card, account credit and the
    provider."""
    remaining = price
    sponsor = None
    if remaining and (pay_with.sponsored or pay_with.sponsor_only):
        sponsor = balances.sponsor_covers()
        if sponsor is not None:
            remaining = 0
    if pay_with.sponsor_only:
        # Nothing else is looked up, claimed or locked: the caller refuses what is left.
        return Coverage(price, False, 0, 0, remaining, sponsor)
    package = False
    if remaining and pay_with.package and balances.package_covers():
        package, remaining = True, 0
    from_gift_card = 0
    if remaining and pay_with.gift_card_code:
        from_gift_card = max(0, min(balances.gift_card(), remaining))
        remaining -= from_gift_card
    from_credit = 0
    if remaining and pay_with.use_credit:
        from_credit = max(0, min(balances.account_credit(), remaining))
        remaining -= from_credit
    return Coverage(price, package, from_gift_card, from_credit, remaining, sponsor)


@dataclass(slots=True)
class ReadBalances:
    """The balances as they stand, read without claiming or locking anything.

    `lenient`: a gift card code that finds no usable card (unknown, mistyped, used up,
    expired, another currency) counts as nothing instead of raising, for a page that shows
    what would be left while the form reports the code's own error.
    """

    client: Any
    coach: Any
    session_type: Any
    gift_card_code: str | None
    now: datetime
    lenient: bool = False
    start: datetime | None = None  # the session's start, when the slot is known

    def sponsor_covers(self) -> SponsorOffer | None:
        return sponsor_offer(self.client, self.coach, self.session_type, self.now, self.start)

    def package_covers(self) -> bool:
        return credits_left(self.client, self.coach, self.session_type, self.now) > 0

    def gift_card(self) -> int:
        try:
            card = find_card(self.gift_card_code)
        except ServiceError:
            if self.lenient:
                return 0
            raise
        usable = card.status == GiftCard.Status.ACTIVE and card.expires_at > self.now
        if not usable or card.currency != self.session_type.currency:
            return 0  # paying with it is refused (checkout.payment_open says why)
        return accounts.gift_card_balance(card)

    def account_credit(self) -> int:
        return accounts.client_credit_balance(self.client, self.session_type.currency)


def sponsor_offer(
    client: Any, coach: Any, session_type: Any, now: datetime, start: datetime | None = None
) -> SponsorOffer | None:
    """Would a sponsor cover this session whole now (reads only; None without a port)?
    `start`: the session's start when the slot is known (pass it whenever it is: the answer
    is then about the session's own date, as the booking's claim will be)."""
    port = sponsor_port()
    if port is None or session_type is None:
        return None
    currency = session_type.currency
    price = to_minor(session_type.price, currency)
    if price <= 0:
        return None
    offer = port.offer(
        client=client,
        coach=coach,
        session_type=session_type,
        price=price,
        currency=currency,
        now=now,
        start=start,
    )
    if offer is None or offer.currency != currency:
        return None
    return offer


def sponsor_offers(
    client: Any, coach: Any, session_types: Sequence[Any], now: datetime
) -> list[SponsorOffer | None]:
    """`sponsor_offer` without a start (today's answer) for each of `session_types`, in their
    order, asked of the port at once (`SponsorPort.offer_all`; a port without it is asked
    per type). Free types and another currency's answer: None, as `sponsor_offer` says."""
    answers: list[SponsorOffer | None] = [None] * len(session_types)
    port = sponsor_port()
    if port is None:
        return answers
    asks: list[tuple[int, SponsorAsk]] = []
    for i, session_type in enumerate(session_types):
        price = to_minor(session_type.price, session_type.currency)
        if price > 0:
            asks.append((i, SponsorAsk(session_type, price, session_type.currency)))
    if not asks:
        return answers
    offer_all = getattr(port, "offer_all", None)
    if callable(offer_all):
        found = list(offer_all(client=client, coach=coach, asks=[a for _, a in asks], now=now))
    else:
        found = [
            port.offer(
                client=client,
                coach=coach,
                session_type=ask.session_type,
                price=ask.price,
                currency=ask.currency,
                now=now,
            )
            for _, ask in asks
        ]
    for (i, ask), offer in zip(asks, found, strict=True):
        if offer is not None and offer.currency == ask.currency:
            answers[i] = offer
    return answers
