"""Orgs' side of the sponsor port (`tandem.payments.sponsors.port.SponsorPort`).

Checkout asks whether a programme pays for a session. A programme covers it when the client
holds an **active** seat in an **active** programme whose dates include the session's date
(the client's calendar date), the coach is the participant's chosen coach (before a choice:
one the programme's rule admits), the session type is allowed (length, location), the
currencies match, the participant has sessions left (sessions given back whole do not count)
and the programme's budget (in the ledger) holds the whole price.

Several programmes could pay (a person seated in two): the one **ending first** pays (then
the older programme), so its budget is used before it lapses. The choice is deterministic.

`claim` runs inside the booking's transaction, after the booking locked the coach's row: it
locks the programme's row (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction has
already serialised every writer), checks every limit again on fresh rows, and records the
`SponsoredSession`. Two bookings racing for the last budget or the last session of a
participant therefore run one after the other: the second sees the first's session and its
ledger posting (payments posts `price` out of the budget before the transaction commits).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least

from tandem.payments.sponsors.port import SponsorAsk, SponsorOffer

from .. import notify
from ..models import Participant, Programme, SponsoredSession
from . import rules
from .budget import budget_left

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Ask:
    client: Any
    coach: Any
    session_type: Any
    price: int
    currency: str


def _candidates(client: Any, currency: str | set[str]) -> list[Participant]:
    """The client's active seats in active programmes of this currency (or these), in the
    order they would pay (earliest ending first, then the older programme)."""
    if client is None or getattr(client, "pk", None) is None:
        return []
    currencies = {currency} if isinstance(currency, str) else currency
    return list(
        Participant.objects.select_related("programme__organisation")
        .filter(rules.open_seats_q(), user_id=client.pk, programme__currency__in=currencies)
        .order_by("programme__ends_on", "programme_id")
    )


@dataclass
class _Reads:
    """The reads `_covers` makes of a seat: fresh each time (`claim`, under its lock), or
    once per seat (`remember`: `offer_all` asks for several session types of one coach)."""

    remember: bool = False
    _coach: dict[int, bool] = field(default_factory=dict)
    _used: dict[int, int] = field(default_factory=dict)
    _budget: dict[int, int] = field(default_factory=dict)

    def coach_covered(self, participant: Participant, coach: Any) -> bool:
        if not self.remember:
            return rules.coach_covered(participant, coach)
        if participant.pk not in self._coach:
            self._coach[participant.pk] = rules.coach_covered(participant, coach)
        return self._coach[participant.pk]

    def used(self, participant: Participant) -> int:
        if not self.remember:
            return rules.used_by(participant)
        if participant.pk not in self._used:
            self._used[participant.pk] = rules.used_by(participant)
        return self._used[participant.pk]

    def budget(self, programme: Programme) -> int:
        if not self.remember:
            return budget_left(programme)
        if programme.pk not in self._budget:
            self._budget[programme.pk] = budget_left(programme)
        return self._budget[programme.pk]


def _covers(participant: Participant, ask: _Ask, on: date, reads: _Reads | None = None) -> bool:
    """Every limit, the programme running on `on` included: reads only."""
    reads = reads or _Reads()
    programme = participant.programme
    if participant.status != Participant.Status.ACTIVE:
        return False
    if programme.status != Programme.Status.ACTIVE or programme.currency != ask.currency:
        return False
    if not rules.runs_on(programme, on):
        return False
    if getattr(ask.session_type, "currency", ask.currency) != ask.currency:
        return False
    if not rules.session_type_allowed(programme, ask.session_type):
        return False
    if not reads.coach_covered(participant, ask.coach):
        return False
    if reads.used(participant) >= programme.sessions_per_participant:
        return False
    return reads.budget(programme) >= ask.price


def _day_without_start(programme: Programme, today: date) -> date:
    """The date `offer` checks when the session's time is not known yet: today (the
    client's), or the programme's first day when it starts later."""
    return max(today, programme.starts_on)


def _offer(programme: Programme) -> SponsorOffer:
    return SponsorOffer(
        programme_id=programme.public_id,
        sponsor_name=programme.organisation.name,
        budget_owner=programme.budget_owner,
        currency=programme.currency,
        programme_name=programme.name,
    )


def _budget_checked_on_commit(programme_id: int, now: datetime) -> None:
    """Tell the budget alerts after the commit; a failure there never touches the booking
    (robust: logged), and an alert not written yet is only a debug line."""

    def run() -> None:
        try:
            notify.budget_checked(programme_id, now)
        except NotImplementedError:
            logger.debug("budget alerts are not implemented yet (programme %s)", programme_id)

    transaction.on_commit(run, robust=True)


class ProgrammeSponsorPort:
    """The implementation registered in `OrgsConfig.ready`."""

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
        """Read only. With `start` (the session's start), the programme must run on the
        session's own date, by the same rule as `claim` (`rules.session_day`). Without it
        (the session's time not known yet), a programme running on today's date (the
        client's) or starting later counts; `claim` then checks the session's own date."""
        ask = _Ask(client, coach, session_type, price, currency)
        if start is not None:
            on = rules.session_day(start, now, client)
            if on is None:
                return None
            for participant in _candidates(client, currency):
                if _covers(participant, ask, on):
                    return _offer(participant.programme)
            return None
        today = rules.local_date(now, client)
        for participant in _candidates(client, currency):
            programme = participant.programme
            if _covers(participant, ask, _day_without_start(programme, today)):
                return _offer(programme)
        return None

    def offer_all(
        self, *, client: Any, coach: Any, asks: Sequence[SponsorAsk], now: datetime
    ) -> list[SponsorOffer | None]:
        """`offer` without a start for each ask, by the same rule, reading each seat once
        (its coach, sessions used and budget): one query for the seats, then a few per
        seat, none per session type."""
        if not asks:
            return []
        today = rules.local_date(now, client)
        seats = _candidates(client, {a.currency for a in asks})
        reads = _Reads(remember=True)
        answers: list[SponsorOffer | None] = []
        for one in asks:
            ask = _Ask(client, coach, one.session_type, one.price, one.currency)
            found = None
            for participant in seats:
                programme = participant.programme
                if programme.currency != one.currency:
                    continue
                if _covers(participant, ask, _day_without_start(programme, today), reads):
                    found = _offer(programme)
                    break
            answers.append(found)
        return answers

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
        ask = _Ask(client, coach, session_type, price, currency)
        on = rules.session_day(booking.start, now, client)
        if on is None:
            return None
        for candidate in _candidates(client, currency):
            if not rules.runs_on(candidate.programme, on):
                continue
            # The lock, then fresh rows: a pause, a removal, an ended programme or another
            # booking's session committed while we waited is seen here.
            programme = (
                Programme.objects.select_for_update()
                .select_related("organisation")
                .get(pk=candidate.programme_id)
            )
            # The participant's row too (programme, then participant: the order the
            # participants area keeps), so a pause or removal cannot slip in before commit.
            participant = Participant.objects.select_for_update().get(pk=candidate.pk)
            participant.programme = programme
            if not _covers(participant, ask, on):
                continue
            SponsoredSession.objects.create(
                programme=programme,
                participant=participant,
                booking=booking,
                amount=price,
                created_at=now,
            )
            if participant.first_session_at is None or booking.start < participant.first_session_at:
                Participant.objects.filter(pk=participant.pk).update(first_session_at=booking.start)
            _budget_checked_on_commit(programme.pk, now)
            return _offer(programme)
        return None

    def returned(self, *, booking: Any, amount: int, now: datetime) -> None:
        if amount <= 0:
            return
        session = SponsoredSession.objects.filter(booking_id=booking.pk).first()
        if session is None:
            return
        # Never more than the session's amount (the database refuses it too).
        SponsoredSession.objects.filter(pk=session.pk).update(
            returned=Least(F("returned") + amount, F("amount"))
        )
        _budget_checked_on_commit(session.programme_id, now)

    def budget_changed(self, *, budget_owner: str, now: datetime) -> None:
        """A funding (invoice, credit, card confirmed by the webhook or the return page) or
        the closing moved the budget; payments calls this after the commit. Re-check the
        alerts (each sent once; re-armed when spending is back under). Never raises: the
        money is committed already."""
        prefix, _, pk = budget_owner.partition(":")
        if prefix != "programme" or not pk.isdigit():
            return
        try:
            notify.budget_checked(int(pk), now)
        except Exception:
            logger.exception("Budget alerts of %s not checked", budget_owner)


sponsor_port = ProgrammeSponsorPort()
