"""Is this start bookable right now? The availability engine decides, with live busy time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError

from tandem.availability import slots as availability
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import InvalidInput

from .errors import SlotUnavailable

MIN_YEAR, MAX_YEAR = 2000, 2100
# PostgreSQL's exclusion_violation: the no-overlap constraint refused a booking.
EXCLUSION_VIOLATION = "23P01"


def checked_start(start: datetime, *, now: datetime, field: str = "start") -> datetime:
    """An aware instant in the future, as UTC; 400 otherwise."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInput(
            "Give a time zone offset (e.g. 2027-03-02T09:00:00+01:00 or ...Z).",
            fields={field: ["naive_datetime"]},
        )
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise InvalidInput("That date is out of range.", fields={field: ["out_of_range"]})
    start = start.astimezone(UTC)
    if start <= now:
        raise InvalidInput("That time is in the past.", fields={field: ["in_past"]})
    return start


def blocked_range(
    session_type: SessionType, start: datetime
) -> tuple[datetime, datetime, datetime]:
    """(end, blocked_start, blocked_end) of a session of this type starting at `start`."""
    end = start + timedelta(minutes=session_type.duration_minutes)
    return (
        end,
        start - timedelta(minutes=session_type.buffer_before_minutes),
        end + timedelta(minutes=session_type.buffer_after_minutes),
    )


def ensure_bookable(
    coach: CoachProfile,
    session_type: SessionType,
    start: datetime,
    *,
    now: datetime,
    client_id: int | None,
    exclude_booking_id: int | None = None,
) -> None:
    """Raise SlotUnavailable unless `start` is a slot: open hours, notice, window, caps,
    no overlap with active bookings or other clients' live holds (buffers included)."""
    slots = availability.slots_for(
        coach=coach,
        session_type=session_type,
        start=start,
        end=start + timedelta(microseconds=1),
        now=now,
        client_id=client_id,
        exclude_booking_id=exclude_booking_id,
    )
    if start not in slots:
        raise SlotUnavailable()


def is_overlap_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == EXCLUSION_VIOLATION or (
        "booking_no_overlap" in str(exc)
    )
