"""The coach's booking policy applied to one booking: what cancelling or moving it means now.

- A client may cancel free of charge until `coach.cancel_free_hours` before the start; later
  is a *late* cancellation (payments charge it). A coach cancelling, or a client withdrawing a
  request the coach never confirmed, is never late.
- A client may reschedule until `coach.reschedule_min_hours` before the start; the coach may
  move an upcoming session until it starts.
- Impact (shown before a cancellation) is about how short the notice is for the other side:
  high under 24 hours before the start, medium under 72 hours, low otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tandem.accounts.models import User

from ..models import Booking

HIGH_IMPACT = timedelta(hours=24)
MEDIUM_IMPACT = timedelta(hours=72)

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


def cancellation_terms(booking: Booking, actor: User, now: datetime) -> CancellationTerms:
    free_until = booking.start - timedelta(hours=booking.coach.cancel_free_hours)
    late = (
        booking.client_id == actor.pk
        and not is_coach_of(booking, actor)
        and booking.status == Booking.Status.CONFIRMED
        and now > free_until
    )
    return CancellationTerms(late=late, impact=impact(booking, now), free_until=free_until)


def reschedule_deadline(booking: Booking, actor: User) -> datetime:
    """The last instant `actor` may move this booking."""
    if is_coach_of(booking, actor):
        return booking.start
    return booking.start - timedelta(hours=booking.coach.reschedule_min_hours)
