"""The seam through which checkout asks orgs whether a sponsor pays for a session.

Payments never imports orgs (orgs builds on payments). Orgs implements `SponsorPort` and
registers it once in `OrgsConfig.ready`; without it nothing is sponsored and every session
is paid the usual way.

Order of locks (PostgreSQL): a booking's transaction has locked the coach's row before
checkout runs, so `claim` may lock the programme's row after it; nothing may lock a
programme and then a coach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class SponsorOffer:
    """A programme that covers (or would cover) a session whole."""

    programme_id: UUID  # the programme's public id
    sponsor_name: str  # the organisation's name: "Covered by Northwind Traders"
    budget_owner: str  # the ledger owner of the programme's budget ("programme:<pk>")
    currency: str
    # Optional (added after the port was first written): the programme's name, for
    # "Covered by Northwind Traders (Leadership 2026)"; "" shows the organisation alone.
    programme_name: str = ""

    @property
    def covered_by(self) -> str:
        """ "Northwind Traders (Leadership 2026)", or the organisation alone."""
        if self.programme_name:
            return f"{self.sponsor_name} ({self.programme_name})"
        return self.sponsor_name


@dataclass(frozen=True, slots=True)
class SponsorAsk:
    """One session type of a list asked at once (`SponsorPort.offer_all`)."""

    session_type: Any
    price: int  # minor units
    currency: str


class SponsorPort(Protocol):
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
        """Would a programme of the client's cover this session now? Reads only (quotes,
        the review step's "Covered by ..."); the answer may change before `claim`.

        `start`: the session's start, when the caller knows the slot; the answer is then
        about the session's own date, by the same date rule `claim` applies. None: the slot
        is not known yet (the answer is about the programme's dates from today)."""
        ...

    def offer_all(
        self, *, client: Any, coach: Any, asks: Sequence[SponsorAsk], now: datetime
    ) -> list[SponsorOffer | None]:
        """`offer` without a start (today's answer) for each of `asks`, in their order, asked
        at once: the booking wizard's session types ("Covered by ..." on each), in a number of
        queries that does not grow with the number of types. Same rule as `offer`; the review
        step asks `offer` again with the slot's start. Optional: payments asks `offer` per
        type when a port lacks it (`checkout.coverage.sponsor_offers`)."""
        ...

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
        """Inside the booking's transaction: lock the programme, check every limit (an active
        participant, the chosen coach, the session type, the dates, sessions left, a budget
        that holds `price`), record the sponsored session and answer the programme that pays.
        None: no programme covers it (the client pays the usual way). Payments then posts
        `price` out of the programme's budget in the same transaction."""
        ...

    def returned(self, *, booking: Any, amount: int, now: datetime) -> None:
        """A cancellation gave `amount` of a sponsored session back to the budget (inside the
        cancellation's transaction)."""
        ...

    def budget_changed(self, *, budget_owner: str, now: datetime) -> None:
        """A funding moved money into or out of the budget `budget_owner` (invoice,
        organisation credit, a card confirmed by the webhook or the return page, closing).
        Called once per posting, **after** its transaction committed (never inside it): a
        failure here is logged by payments and never undoes the money. Sessions drawn and
        given back are not told here (`claim` and `returned` see them)."""
        ...


_port: SponsorPort | None = None


def register(port: SponsorPort | None) -> None:
    global _port
    _port = port


def port() -> SponsorPort | None:
    """The registered sponsor port, or None when orgs is not installed."""
    return _port
