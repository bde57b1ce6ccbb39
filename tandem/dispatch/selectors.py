"""Reads for Book now pages and the API. Someone else's request or offer is None, like an
unknown id (callers answer 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tandem.accounts.models import User
from tandem.availability.slots import first_slots_between
from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import SessionType, Specialty
from tandem.core.ids import parse_id

from .models import DispatchOffer, DispatchRequest

SOONEST_LIMIT = 5
# How far ahead the "soonest scheduled sessions" of an exhausted request look.
SOONEST_HORIZON = timedelta(days=14)


def request_for(client: User, request_id: object) -> DispatchRequest | None:
    public_id = parse_id(request_id)
    if public_id is None:
        return None
    return (
        DispatchRequest.objects.select_related(
            "specialty", "booking", "booking__coach__user", "booking__session_type"
        )
        .filter(public_id=public_id, client=client)
        .first()
    )


def request_offers(request: DispatchRequest) -> list[DispatchOffer]:
    return list(DispatchOffer.objects.filter(request=request).order_by("rank"))


def latest_request(client: User) -> DispatchRequest | None:
    return DispatchRequest.objects.filter(client=client).order_by("-created_at", "-pk").first()


def open_offers_for(coach_user: User, *, now: datetime) -> list[DispatchOffer]:
    """The coach's offers waiting for an answer, soonest deadline first."""
    return list(
        DispatchOffer.objects.filter(
            coach__user=coach_user, status=DispatchOffer.Status.OFFERED, expires_at__gt=now
        )
        .select_related("session_type", "request__client", "request__specialty")
        .order_by("expires_at", "pk")
    )


def offer_for(coach_user: User, offer_id: object) -> DispatchOffer | None:
    public_id = parse_id(offer_id)
    if public_id is None:
        return None
    return (
        DispatchOffer.objects.select_related(
            "session_type", "request__client", "request__specialty", "request__booking"
        )
        .filter(public_id=public_id, coach__user=coach_user)
        .first()
    )


def specialties() -> list[Specialty]:
    return list(coach_selectors.specialties())


def durations() -> list[int]:
    """Session lengths listed coaches offer, shortest first (what the form lets one pick)."""
    return coach_selectors.session_lengths_offered()


@dataclass(frozen=True, slots=True)
class ScheduledSlot:
    session_type: SessionType  # with .coach and .coach.user loaded
    start: datetime
    end: datetime


def soonest_slots(
    request: DispatchRequest, *, now: datetime, limit: int = SOONEST_LIMIT
) -> list[ScheduledSlot]:
    """The soonest bookable sessions of the request's specialty and length, one per coach,
    for booking the usual way when nobody could take it now (online or not, and types the
    coach confirms by hand included). Constant queries however many coaches."""
    types = list(
        coach_selectors.bookable_session_types(
            specialty=request.specialty_id,
            duration_minutes=request.duration_minutes,
            excluding_user_id=request.client_id,
        )
    )
    found = first_slots_between([(t.coach, t) for t in types], now, now + SOONEST_HORIZON, now=now)
    best: dict[int, ScheduledSlot] = {}
    for session_type in types:
        start = found[(session_type.coach_id, session_type.pk)]
        held = best.get(session_type.coach_id)
        if start is not None and (held is None or start < held.start):
            end = start + timedelta(minutes=session_type.duration_minutes)
            best[session_type.coach_id] = ScheduledSlot(session_type, start, end)
    return sorted(best.values(), key=lambda s: (s.start, s.session_type.coach_id))[:limit]
