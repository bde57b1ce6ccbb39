"""A fake SponsorPort for the sponsored-session tests (payments never imports orgs)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tandem.payments.sponsors.port import SponsorAsk, SponsorOffer

BUDGET = "programme:1"
ORG = "org:1"


@dataclass
class FakeSponsor:
    """Covers every session of `clients` (all when None) from one budget; records calls."""

    budget_owner: str = BUDGET
    sponsor_name: str = "Northwind Traders"
    programme_name: str = "Leadership 2026"
    currency: str = "EUR"
    clients: set[int] | None = None
    claim_refused: bool = False  # offers, then refuses the claim (e.g. the session's date)
    programme_id: uuid.UUID = field(default_factory=uuid.uuid4)
    offers: list[tuple[int, int]] = field(default_factory=list)
    offer_starts: list[datetime | None] = field(default_factory=list)  # `start` of each offer
    claims: list[tuple[int, int]] = field(default_factory=list)
    returns: list[tuple[int, int]] = field(default_factory=list)
    changes: list[tuple[str, datetime]] = field(default_factory=list)  # budget_changed calls
    offer_alls: list[list[int]] = field(default_factory=list)  # offer_all calls: their prices

    def _offer(self, client: Any) -> SponsorOffer | None:
        if self.clients is not None and client.pk not in self.clients:
            return None
        return SponsorOffer(
            programme_id=self.programme_id,
            sponsor_name=self.sponsor_name,
            budget_owner=self.budget_owner,
            currency=self.currency,
            programme_name=self.programme_name,
        )

    def offer(
        self,
        *,
        client: Any,
        coach: Any,
        session_type: Any,
        price: int,
        currency: str,
        now: datetime,
        start: datetime | None = None,
    ) -> SponsorOffer | None:
        self.offers.append((client.pk, price))
        self.offer_starts.append(start)
        return self._offer(client)

    def offer_all(
        self, *, client: Any, coach: Any, asks: Sequence[SponsorAsk], now: datetime
    ) -> list[SponsorOffer | None]:
        self.offer_alls.append([ask.price for ask in asks])
        return [self._offer(client) for _ in asks]

    def claim(
        self,
        *,
        client: Any,
        coach: Any,
        session_type: Any,
        booking: Any,
        price: int,
        currency: str,
        now: datetime,
    ) -> SponsorOffer | None:
        found = None if self.claim_refused else self._offer(client)
        if found is not None:
            self.claims.append((booking.pk, price))
        return found

    def returned(self, *, booking: Any, amount: int, now: datetime) -> None:
        self.returns.append((booking.pk, amount))

    def budget_changed(self, *, budget_owner: str, now: datetime) -> None:
        self.changes.append((budget_owner, now))
