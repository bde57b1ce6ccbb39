"""The coach's booking policy applied to one booking: what cancelling or moving it means now.

- A client may cancel free of charge until `coach.cancel_free_hours` before the start; later
  is a *late* cancellation (payments charge it). A coach cancelling, or a client withdrawing a
  request the coach never confirmed, is never late.
- A client may reschedule until `coach.reschedule_min_hours` before the start; the coach may
  move an upcoming session until it starts.
- Impact (shown before a cancellation) is about how short the notice is for the other side:
  high under 24 hours before the start, medium under 72 hours, low otherwise.

Short notice (a booking made when its free-cancellation window had already closed, such as
one through Book now): the client gets a grace period instead, free cancellation for
SHORT_NOTICE_GRACE after booking or until the start, whichever comes first, so the deadline
is never before the booking existed. Rescheduling gets no grace: if the client's reschedule
cutoff had passed when it was booked, rescheduling is not available for that session.

`session_rights` is what pages and the API offer (buttons, `can_reschedule`/`can_cancel`);
the services' guards use the same functions, so an offered action is an allowed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tandem.accounts.models import User

from ..models import Booking
from ..rules import request_has_lapsed

HIGH_IMPACT = timedelta(hours=24)
MEDIUM_IMPACT = timedelta(hours=72)
# Free cancellation after a short-notice booking (see the module's docstring).
SHORT_NOTICE_GRACE = timedelta(minutes=15)

# Eight predefined reasons plus "other" (which needs a message).
CANCEL_REASONS: dict[str, str] = {
    "schedule_conflict": "Schedule conflict",
    "illness": "Illness",
    "emergency": "Personal or family emergency",
    "work": "Work commitment",
    "travel": "Travel",
    "technical": "Technical problems",
    "financial": "Cost or budget",
    "no_longer_needed": "No longer needed",
    "other": "Other",
}
OTHER_REASON = "other"


def is_coach_of(booking: Booking, user: User) -> bool:
    return booking.coach.user_id == user.pk


def is_participant(booking: Booking, user: User) -> bool:
    return booking.client_id == user.pk or is_coach_of(booking, user)


def impact(booking: Booking, now: datetime) -> str:
    notice = booking.start - now
    if notice < HIGH_IMPACT:
        return "high"
    if notice < MEDIUM_IMPACT:
        return "medium"
    return "low"


@dataclass(frozen=True, slots=True)
class CancellationTerms:
    late: bool  # cancelling now is a late cancellation
    impact: str  # "high" | "medium" | "low"
    free_until: datetime | None  # last instant a client can cancel free of charge
    short_notice: bool = False  # booked after the regular window: free_until is the grace


def free_cancel_until(booking: Booking) -> datetime:
    """The last instant a client can cancel free of charge: `cancel_free_hours` before the
    start, or, for a booking made after that moment, the short-notice grace."""
    regular = booking.start - timedelta(hours=booking.coach.cancel_free_hours)
    if booking.created_at <= regular:
        return regular
    return min(booking.created_at + SHORT_NOTICE_GRACE, booking.start)


def is_short_notice(booking: Booking) -> bool:
    """Booked after its regular free-cancellation window had closed."""
    return booking.created_at > booking.start - timedelta(hours=booking.coach.cancel_free_hours)


def cancellation_terms(booking: Booking, actor: User, now: datetime) -> CancellationTerms:
    free_until = free_cancel_until(booking)
    late = (
        booking.client_id == actor.pk
        and not is_coach_of(booking, actor)
        and booking.status == Booking.Status.CONFIRMED
        and now > free_until
    )
    return CancellationTerms(
        late=late,
        impact=impact(booking, now),
        free_until=free_until,
        short_notice=is_short_notice(booking),
    )


def reschedule_deadline(booking: Booking, actor: User) -> datetime:
    """The last instant `actor` may move this booking."""
    if is_coach_of(booking, actor):
        return booking.start
    return booking.start - timedelta(hours=booking.coach.reschedule_min_hours)


def reschedule_never_open(booking: Booking, actor: User) -> bool:
    """The client's reschedule cutoff had already passed when the session was booked."""
    return not is_coach_of(booking, actor) and reschedule_deadline(booking, actor) < (
        booking.created_at
    )


def is_upcoming_active(booking: Booking, now: datetime) -> bool:
    """Active, not started, and (a request) not lapsed: what cancel and reschedule need."""
    return booking.is_active and booking.start > now and not request_has_lapsed(booking, now)


@dataclass(frozen=True, slots=True)
class SessionRights:
    """What `viewer` may do with a booking at `now`, and the deadlines to show them."""

    can_cancel: bool
    can_reschedule: bool
    cancel_is_free: bool  # cancelling now is not a late cancellation
    free_cancel_until: datetime
    short_notice: bool  # booked after the regular free window: the grace applies
    reschedule_until: datetime | None  # None: rescheduling was never open to the viewer
    reschedule_closed_hours: int  # the cutoff, hours before the start (for the words)


def session_rights(booking: Booking, viewer: User, now: datetime) -> SessionRights:
    upcoming = is_upcoming_active(booking, now)
    terms = cancellation_terms(booking, viewer, now)
    never = reschedule_never_open(booking, viewer)
    deadline = None if never else reschedule_deadline(booking, viewer)
    return SessionRights(
        can_cancel=upcoming,
        can_reschedule=upcoming and deadline is not None and now <= deadline,
        cancel_is_free=upcoming and not terms.late,
        free_cancel_until=terms.free_until,
        short_notice=is_short_notice(booking),
        reschedule_until=deadline,
        reschedule_closed_hours=booking.coach.reschedule_min_hours,
    )
