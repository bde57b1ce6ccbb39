"""Rank coaches for a "Book now" request. Pure Python: no Django, no settings, no database.

docs/dispatch.md explains the model in words; the numbers live here. Every coach given to
`rank` already qualifies (verified, online, the specialty, a free slot of the length in the
window); the score only orders them. Each component is a value in [0, 1]; the score is
their weighted sum times 100. Where there is nothing to go on (no reviews, no offers yet),
a component is neutral (0.5): a newcomer is neither favoured nor punished.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tandem.booking.recommend.scoring import quietness

Component = Literal["response", "soon", "fit", "rating", "load"]
COMPONENTS: tuple[Component, ...] = ("response", "soon", "fit", "rating", "load")

# Sums to 1. Answering is what "now" depends on most: a coach who lets offers time out costs
# the client five minutes each time, so response history weighs most.
WEIGHTS: dict[Component, float] = {
    "response": 0.30,
    "soon": 0.20,
    "fit": 0.15,
    "rating": 0.15,
    "load": 0.20,
}
NEUTRAL = 0.5
# Specialty fit: a coach listing only this specialty is a specialist (1); each further
# specialty dilutes it a little (2 → 0.8, 3 → 0.67, 5 → 0.5).
FOCUS_DECAY = 0.25
# Response history: acceptance is the share of offers accepted, speed how early in the
# window they answered (an offer left to time out counts 0). Both start from one imagined
# neutral offer (Laplace smoothing), so two offers cannot swing a coach to an extreme.
ACCEPTANCE_SHARE = 0.7  # of the response component; speed is the rest
PRIOR_OFFERS = 1.0


@dataclass(frozen=True, slots=True)
class PastOffer:
    """One earlier offer to the coach that they could answer (withdrawn ones are left out)."""

    accepted: bool  # they said yes (even if the booking then failed: the time was taken)
    seconds_to_answer: float | None  # None: they never answered (it expired)
    window_seconds: float  # how long they had


@dataclass(frozen=True, slots=True)
class CoachFacts:
    coach_id: int
    session_type_id: int
    start: datetime  # their earliest free slot of the length in the window (UTC)
    specialties: int  # how many specialties the coach lists (this one among them)
    rating: float | None  # average stars 1..5; None while there are no reviews
    bookings_that_day: int  # active bookings on the slot's local date, in the coach's zone
    history: tuple[PastOffer, ...] = ()


@dataclass(frozen=True, slots=True)
class Ranked:
    coach_id: int
    session_type_id: int
    start: datetime
    score: float  # 0..100, one decimal
    components: dict[Component, float]


def fit(specialties: int) -> float:
    return 1.0 / (1.0 + FOCUS_DECAY * (max(specialties, 1) - 1))


def rating_value(rating: float | None) -> float:
    if rating is None:
        return NEUTRAL
    return (min(max(rating, 1.0), 5.0) - 1.0) / 4.0


def soonness(start: datetime, now: datetime, window: timedelta) -> float:
    """1 for a slot starting now, falling linearly to 0 at the end of the window."""
    if window <= timedelta(0):
        return 1.0
    return min(1.0, max(0.0, 1.0 - (start - now) / window))


def response(history: Sequence[PastOffer]) -> float:
    accepted = sum(1 for offer in history if offer.accepted)
    acceptance = (accepted + NEUTRAL * PRIOR_OFFERS) / (len(history) + PRIOR_OFFERS)
    speeds = [
        0.0
        if offer.seconds_to_answer is None or offer.window_seconds <= 0
        else min(1.0, max(0.0, 1.0 - offer.seconds_to_answer / offer.window_seconds))
        for offer in history
    ]
    speed = (sum(speeds) + NEUTRAL * PRIOR_OFFERS) / (len(history) + PRIOR_OFFERS)
    return ACCEPTANCE_SHARE * acceptance + (1 - ACCEPTANCE_SHARE) * speed


def components(facts: CoachFacts, *, now: datetime, window: timedelta) -> dict[Component, float]:
    return {
        "response": response(facts.history),
        "soon": soonness(facts.start, now, window),
        "fit": fit(facts.specialties),
        "rating": rating_value(facts.rating),
        "load": quietness(facts.bookings_that_day),
    }


def rank(
    coaches: Sequence[CoachFacts], *, now: datetime, window: timedelta, limit: int
) -> list[Ranked]:
    """The best `limit` coaches, best first. Ties: the earlier slot, then the lower coach id
    (deterministic, so the same facts always give the same order)."""
    ranked = []
    for facts in coaches:
        values = components(facts, now=now, window=window)
        score = round(100 * sum(WEIGHTS[name] * value for name, value in values.items()), 1)
        ranked.append(Ranked(facts.coach_id, facts.session_type_id, facts.start, score, values))
    ranked.sort(key=lambda r: (-r.score, r.start, r.coach_id))
    return ranked[:limit]
