"""The booking an API request body asks for: one parser for POST /api/v1/bookings (booking's
API), POST /api/v1/checkout (payments' API, whose body extends booking's) and the coach and
session type a hold names (POST /api/v1/holds)."""

from __future__ import annotations

from uuid import UUID

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import InvalidInput, NotFound

from .schemas import BookingIn
from .services import BookingRequest


def coach_and_type(coach_ref: str, type_id: UUID) -> tuple[CoachProfile, SessionType]:
    """A listed coach (public id or slug) and one of their active session types; NotFound
    says which of the two is missing."""
    found = coach_selectors.bookable_coach_and_type(coach_ref, type_id)
    if found is None:
        if coach_selectors.bookable_coach(coach_ref) is None:
            raise NotFound("No such coach.")
        raise NotFound("No such session type.")
    return found


def booking_request(payload: BookingIn) -> BookingRequest:
    """A hold, or a coach, session type and start: given by half, the missing one is
    named (400); a coach or type that is not bookable is a 404."""
    coach = session_type = None
    if payload.coach is not None or payload.session_type is not None:
        if payload.coach is None or payload.session_type is None:
            missing = "coach" if payload.coach is None else "session_type"
            raise InvalidInput(
                "Give a hold, or coach, session_type and start.", fields={missing: ["required"]}
            )
        coach, session_type = coach_and_type(payload.coach, payload.session_type)
    return BookingRequest(
        hold_id=payload.hold,
        coach=coach,
        session_type=session_type,
        start=payload.start,
        notes=payload.notes,
    )
