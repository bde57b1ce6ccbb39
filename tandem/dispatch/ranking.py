"""Who can take a "Book now" request, best first: rows in, the frozen candidate list out.

Runs in the web process when the request is made, outside its transaction (reads only).
Presence lives in the cache, which in the embedded mode is per process: only the web
process that serves the coaches' sockets knows who is online, which is why the list is
ranked here once and frozen rather than re-ranked by the worker when an offer times out.

Queries: the qualifying session types (1), the availability engine's inputs for all of them
(see availability/loader.py), the coaches' specialty counts (1), their bookings near the
slots (1) and their offer history (1), however many coaches qualify.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tandem.accounts.models import User
from tandem.availability.slots import first_slots_between
from tandem.booking import selectors as booking_selectors
from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType, Specialty
from tandem.core.timezones import available_zones
from tandem.realtime.presence import presence_of

from . import scoring
from .models import DispatchOffer, DispatchRequest

MAX_CANDIDATES = 10  # ten unanswered offers are most of an hour: further down nobody waits
# A session cannot be booked in the past and the coach needs a moment to answer: a slot must
# start at least this far from the moment it is offered (see services/advance.py).
MIN_ANSWER_TIME = timedelta(seconds=30)
HISTORY_DAYS = 90
HISTORY_PER_COACH = 50
# "Is any coach online at all?" asks the presence cache this many coaches at a time.
PRESENCE_CHUNK = 500

Unfilled = DispatchRequest.Unfilled


@dataclass(frozen=True, slots=True)
class Ranking:
    """The frozen candidate list, and, when it is empty, why (an `Unfilled` code)."""

    candidates: list[dict[str, Any]] = field(default_factory=list)
    empty_reason: str = ""


def coach_ratings(coach_ids: Sequence[int]) -> dict[int, float | None]:
    """Average review stars (1..5) per coach. The hook for reviews: there are none yet, so
    every coach is neutral (None). Return {coach id: stars} once reviews exist."""
    return dict.fromkeys(coach_ids)


def rank_candidates(
    *,
    client: User,
    specialty: Specialty,
    duration_minutes: int,
    window_minutes: int,
    now: datetime,
) -> Ranking:
    """The ranked candidates as stored on the request ([{coach, session_type, start, score}]),
    or the first filter that left nobody: no such sessions, nobody online, nobody free."""
    types = _session_types(client, specialty, duration_minutes)
    if not types:
        return Ranking(empty_reason=Unfilled.NO_MATCHING_SESSIONS)
    online = presence_of(sorted({t.coach.user_id for t in types}))
    types = [t for t in types if online[t.coach.user_id].state == "online"]
    if not types:
        if _any_coach_online(exclude_user_id=client.pk):
            return Ranking(empty_reason=Unfilled.NOBODY_ONLINE_FOR_SPECIALTY)
        return Ranking(empty_reason=Unfilled.NOBODY_ONLINE)
    # "Within N minutes" includes a slot starting at exactly now + N.
    end = now + timedelta(minutes=window_minutes, microseconds=1)
    pairs = [(t.coach, t) for t in types]
    found = first_slots_between(pairs, now + MIN_ANSWER_TIME, end, now=now, client_id=client.pk)
    best: dict[int, tuple[SessionType, datetime]] = {}
    for session_type in types:  # cheapest first per coach: an equally early slot keeps it
        start = found[(session_type.coach_id, session_type.pk)]
        if start is None:
            continue
        held = best.get(session_type.coach_id)
        if held is None or start < held[1]:
            best[session_type.coach_id] = (session_type, start)
    if not best:
        return Ranking(empty_reason=Unfilled.NONE_FREE_IN_WINDOW)
    facts = _facts(best, now)
    window = timedelta(minutes=window_minutes)
    ranked = scoring.rank(facts, now=now, window=window, limit=MAX_CANDIDATES)
    return Ranking(
        candidates=[
            {
                "coach": r.coach_id,
                "session_type": r.session_type_id,
                "start": r.start.isoformat(),
                "score": r.score,
            }
            for r in ranked
        ]
    )


def _listed_coach_users(exclude_user_id: int) -> Iterator[list[int]]:
    ids = coach_selectors.bookable_coach_user_ids(excluding_user_id=exclude_user_id)
    chunk: list[int] = []
    for user_id in ids.iterator(chunk_size=PRESENCE_CHUNK):
        chunk.append(user_id)
        if len(chunk) == PRESENCE_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _any_coach_online(*, exclude_user_id: int) -> bool:
    """Whether any listed coach (of any specialty) is online: tells "nobody of this
    specialty is online" from "nobody is online". Only asked on that failure path, and it
    stops at the first chunk with somebody online."""
    for chunk in _listed_coach_users(exclude_user_id):
        if any(p.state == "online" for p in presence_of(chunk).values()):
            return True
    return False


def _session_types(client: User, specialty: Specialty, duration: int) -> list[SessionType]:
    # A type the coach confirms by hand is left out: accepting the offer *is* the coach's
    # answer, and a booking that then waited for a second confirmation would not be "now".
    return list(
        coach_selectors.bookable_session_types(
            specialty=specialty,
            duration_minutes=duration,
            excluding_user_id=client.pk,
            without_confirmation=True,
        )
    )


def _facts(
    best: dict[int, tuple[SessionType, datetime]], now: datetime
) -> list[scoring.CoachFacts]:
    ids = sorted(best)
    ratings = coach_ratings(ids)
    specialties = coach_selectors.specialty_counts(ids)
    loads = _loads(best)
    history = _history(ids, now)
    return [
        scoring.CoachFacts(
            coach_id=coach_id,
            session_type_id=session_type.pk,
            start=start,
            specialties=specialties.get(coach_id, 1),
            rating=ratings.get(coach_id),
            bookings_that_day=loads[coach_id],
            history=tuple(history[coach_id]),
        )
        for coach_id, (session_type, start) in sorted(best.items())
    ]


def _zone(coach: CoachProfile) -> ZoneInfo:
    return ZoneInfo(coach.timezone if coach.timezone in available_zones() else "UTC")


def _loads(best: dict[int, tuple[SessionType, datetime]]) -> Counter[int]:
    """Active bookings of each coach on the local date (their zone) of their slot."""
    starts = [start for _, start in best.values()]
    rows = booking_selectors.active_booking_starts(
        sorted(best),
        # A day's margin each side covers the local date in any zone.
        starting_from=min(starts) - timedelta(days=1),
        starting_before=max(starts) + timedelta(days=2),
    )
    loads: Counter[int] = Counter()
    for coach_id, start in rows:
        session_type, slot = best[coach_id]
        zone = _zone(session_type.coach)
        if start.astimezone(zone).date() == slot.astimezone(zone).date():
            loads[coach_id] += 1
    return loads


def _history(coach_ids: Sequence[int], now: datetime) -> dict[int, list[scoring.PastOffer]]:
    """Each coach's latest answerable offers (withdrawn ones tell nothing about the coach)."""
    rows = (
        DispatchOffer.objects.filter(
            coach_id__in=coach_ids, offered_at__gte=now - timedelta(days=HISTORY_DAYS)
        )
        .exclude(status__in=[DispatchOffer.Status.OFFERED, DispatchOffer.Status.WITHDRAWN])
        .order_by("coach_id", "-offered_at")
        .values_list("coach_id", "status", "offered_at", "expires_at", "answered_at")
    )
    history: dict[int, list[scoring.PastOffer]] = defaultdict(list)
    for coach_id, status, offered_at, expires_at, answered_at in rows.iterator():
        if len(history[coach_id]) >= HISTORY_PER_COACH:
            continue
        answered = status != DispatchOffer.Status.EXPIRED and answered_at is not None
        history[coach_id].append(
            scoring.PastOffer(
                accepted=status in (DispatchOffer.Status.ACCEPTED, DispatchOffer.Status.FAILED),
                seconds_to_answer=(answered_at - offered_at).total_seconds() if answered else None,
                window_seconds=(expires_at - offered_at).total_seconds(),
            )
        )
    return history
