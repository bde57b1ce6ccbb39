"""A coach answers an offer: accept (and the session is booked) or decline.

Accepting is one transaction: lock the request row, claim the offer with a conditional
UPDATE (still offered AND its window not over), book through booking_create (so the no-overlap
promise is the booking's own: exclusion constraint, coach row lock), then claim the request
with a conditional UPDATE (still offered) that sets its booking. Only one offer of a request
is ever open and only one can be accepted (both are partial unique constraints), so two
coaches can never both win.

If the booking cannot be made (the time was taken meanwhile), the offer is recorded as failed
and the request moves to the next coach, in the same transaction; then the coach hears 409
slot_unavailable. A refused answer changes nothing except a lazy timeout that was due anyway.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.booking.selectors import existing_booking
from tandem.booking.services import BookingRequest, booking_create
from tandem.core.errors import ServiceError
from tandem.core.ids import parse_id

from ..models import DispatchOffer, DispatchRequest
from . import events
from .advance import advance
from .errors import OfferClosed, OfferExpired, OfferFailed, OfferNotFound, RequestClosed
from .expire import expire_locked
from .locking import lock_request


@dataclass(frozen=True, slots=True)
class AcceptOutcome:
    offer: DispatchOffer
    booking: Booking
    replayed: bool  # this coach had accepted it already: the same booking again


def _own_offer(coach_user: User, offer_id: uuid.UUID | str) -> DispatchOffer:
    """The coach's own offer; anyone else's (or an unknown id) does not exist."""
    public_id = parse_id(offer_id)
    if public_id is None:
        raise OfferNotFound()
    offer = (
        DispatchOffer.objects.select_related("coach", "session_type")
        .filter(public_id=public_id, coach__user=coach_user)
        .first()
    )
    if offer is None:
        raise OfferNotFound()
    return offer


def _claim(offer: DispatchOffer, status: str, now: datetime) -> bool:
    return bool(
        DispatchOffer.objects.filter(
            pk=offer.pk, status=DispatchOffer.Status.OFFERED, expires_at__gt=now
        ).update(status=status, answered_at=now)
    )


def _refusal(offer: DispatchOffer, request: DispatchRequest, now: datetime) -> ServiceError:
    """Why the claim found nothing to claim; a window that is over is timed out on the way."""
    offer.refresh_from_db(fields=["status", "answered_at"])
    if offer.status == DispatchOffer.Status.OFFERED:  # its window is over, not yet marked
        expire_locked(request, now=now)
        return OfferExpired()
    if offer.status == DispatchOffer.Status.EXPIRED:
        return OfferExpired()
    return OfferClosed()


def dispatch_offer_accept(
    *, coach_user: User, offer_id: uuid.UUID | str, now: datetime | None = None
) -> AcceptOutcome:
    """Accept an offer: the session is booked for the requesting client.

    Raises OfferNotFound (404) for someone else's offer, OfferExpired (409 offer_expired)
    after its window, OfferClosed (409) once answered or withdrawn, OfferFailed (409
    slot_unavailable) when the time was taken meanwhile (the request then moves on).
    """
    now = now or timezone.now()
    offer = _own_offer(coach_user, offer_id)
    error: ServiceError | None = None
    with transaction.atomic():
        request = lock_request(offer.request_id)
        if not _claim(offer, DispatchOffer.Status.ACCEPTED, now):
            offer.refresh_from_db(fields=["status", "answered_at"])
            if offer.status == DispatchOffer.Status.ACCEPTED and request.booking_id is not None:
                booking = existing_booking(request.booking_id)
                return AcceptOutcome(offer, booking, replayed=True)  # a retry
            error = _refusal(offer, request, now)
        else:
            offer.status, offer.answered_at = DispatchOffer.Status.ACCEPTED, now
            booking, error = _book(offer, request, now)
            if booking is not None:
                events.offer_changed(offer, coach_user.pk)
                events.request_changed(request)
                return AcceptOutcome(offer, booking, replayed=False)
    assert error is not None
    raise error


def _book(
    offer: DispatchOffer, request: DispatchRequest, now: datetime
) -> tuple[Booking | None, ServiceError | None]:
    try:
        outcome = booking_create(
            client=request.client,
            request=BookingRequest(
                coach=offer.coach, session_type=offer.session_type, start=offer.start
            ),
            now=now,
        )
    except ServiceError as exc:  # booking_create rolled back its own savepoint
        DispatchOffer.objects.filter(pk=offer.pk).update(
            status=DispatchOffer.Status.FAILED, failure_code=exc.code[:40]
        )
        offer.status, offer.failure_code = DispatchOffer.Status.FAILED, exc.code[:40]
        events.offer_changed(offer, offer.coach.user_id)
        advance(request, now=now)
        return None, OfferFailed()
    booking = outcome.booking
    # The request's own claim; with the offer claimed under the row lock it cannot miss, but
    # the conditional UPDATE is what the promise rests on, not that reasoning.
    won = DispatchRequest.objects.filter(
        pk=request.pk, status=DispatchRequest.Status.OFFERED
    ).update(status=DispatchRequest.Status.ACCEPTED, booking=booking, closed_at=now, updated_at=now)
    if not won:
        raise RequestClosed()  # rolls the whole transaction back, booking included
    request.status, request.booking, request.closed_at = (
        DispatchRequest.Status.ACCEPTED,
        booking,
        now,
    )
    return booking, None


def dispatch_offer_decline(
    *, coach_user: User, offer_id: uuid.UUID | str, now: datetime | None = None
) -> DispatchOffer:
    """Decline an offer; the request moves to the next coach. Declining twice is the same
    answer again; after the window, 409 offer_expired (the record says it timed out)."""
    now = now or timezone.now()
    offer = _own_offer(coach_user, offer_id)
    error: ServiceError | None = None
    with transaction.atomic():
        request = lock_request(offer.request_id)
        if _claim(offer, DispatchOffer.Status.DECLINED, now):
            offer.status, offer.answered_at = DispatchOffer.Status.DECLINED, now
            events.offer_changed(offer, coach_user.pk)
            if request.status == DispatchRequest.Status.OFFERED:
                advance(request, now=now)
            return offer
        offer.refresh_from_db(fields=["status", "answered_at"])
        if offer.status == DispatchOffer.Status.DECLINED:
            return offer
        error = _refusal(offer, request, now)
    raise error
