"""Moving a request on: offer it to the next frozen candidate who can still take it.

A candidate is passed over (no offer is made, nobody is alerted) when their slot starts too
soon to be answered and booked, or can no longer be booked at all (taken meanwhile, the
coach unlisted, the session type retired): asking them would only waste the client's time.
Presence is not checked again here: the worker that times offers out does not see the web
process's presence marks in the embedded mode (see ranking.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from tandem.booking.services.holds import ensure_bookable_by
from tandem.booking.services.slots import ensure_bookable
from tandem.coaches import selectors as coach_selectors
from tandem.core.errors import ServiceError

from ..models import DispatchOffer, DispatchRequest
from ..ranking import MIN_ANSWER_TIME
from . import events


def offer_window() -> timedelta:
    return timedelta(seconds=settings.TANDEM_DISPATCH_OFFER_SECONDS)


def advance(
    request: DispatchRequest, *, now: datetime, empty_reason: str = ""
) -> DispatchOffer | None:
    """Offer `request` to its next candidate, or mark it exhausted when none is left.

    Call inside transaction.atomic() with the request row locked (locking.lock_request) and
    no open offer left on it. `empty_reason` is the ranking's `Unfilled` code for a request
    made with no candidates (ranking.Ranking.empty_reason).
    """
    offer = None
    while offer is None and request.next_index < len(request.candidates):
        candidate = request.candidates[request.next_index]
        request.next_index += 1
        offer = _offer(request, candidate, rank=request.next_index, now=now)
    if offer is None:
        request.status = DispatchRequest.Status.EXHAUSTED
        request.closed_at = now
        request.unfilled_reason = unfilled_reason(request, empty_reason)
    else:
        request.status = DispatchRequest.Status.OFFERED
    request.updated_at = now
    request.save(
        update_fields=["status", "next_index", "closed_at", "unfilled_reason", "updated_at"]
    )
    events.request_changed(request, offer)
    return offer


def unfilled_reason(request: DispatchRequest, empty_reason: str) -> str:
    """Why an exhausted request found nobody. With candidates, each one was asked and
    declined, let the offer lapse or failed to book, or was passed over because their time
    was taken or came too close: they were busy or declined. Without, the ranking says which
    filter left nobody (no such sessions, nobody online, nobody free in the window)."""
    if request.candidates:
        return DispatchRequest.Unfilled.DECLINED_OR_BUSY
    return empty_reason or DispatchRequest.Unfilled.NONE_FREE_IN_WINDOW


def _offer(
    request: DispatchRequest, candidate: dict, *, rank: int, now: datetime
) -> DispatchOffer | None:
    start = datetime.fromisoformat(candidate["start"])
    # An offer lasts at most until its slot starts: too close, and there is no time to answer.
    if start - now < MIN_ANSWER_TIME:
        return None
    coach = coach_selectors.coach_with_user_by_pk(candidate["coach"])
    session_type = coach_selectors.session_type_by_pk(candidate["session_type"])
    if coach is None or session_type is None:
        return None
    try:
        ensure_bookable_by(request.client, coach, session_type)
        ensure_bookable(coach, session_type, start, now=now, client_id=request.client_id)
    except ServiceError:
        return None
    offer = DispatchOffer.objects.create(
        request=request,
        coach=coach,
        session_type=session_type,
        start=start,
        rank=rank,
        offered_at=now,
        expires_at=min(now + offer_window(), start),
    )
    events.schedule_expiry(offer)
    events.offer_changed(offer, coach.user_id)
    return offer
