"""Rows for the calendar and email tests, made directly (no booking services involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar, Event

from tandem.booking.models import Booking, BookingEvent
from tandem.coaches.models import CoachProfile, SessionType


def make_coach(user, *, slug: str = "alice", zone: str = "Europe/London") -> CoachProfile:
    return CoachProfile.objects.create(
        user=user, slug=slug, headline="Coach", timezone=zone, is_verified=True, is_active=True
    )


def make_type(coach: CoachProfile, **extra) -> SessionType:
    values = {"name": "Intro", "duration_minutes": 60, "price": Decimal("50.00")}
    values.update(extra)
    return SessionType.objects.create(coach=coach, **values)


def make_booking(
    session_type: SessionType,
    client,
    start: datetime,
    *,
    status: str = Booking.Status.CONFIRMED,
    **extra,
) -> Booking:
    end = start + timedelta(minutes=session_type.duration_minutes)
    booking = Booking.objects.create(
        coach=session_type.coach,
        client=client,
        session_type=session_type,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=status,
        **extra,
    )
    if status == Booking.Status.CONFIRMED:
        # What the services record when a booking becomes confirmed (instantly or accepted).
        BookingEvent.objects.create(
            booking=booking, kind=BookingEvent.Kind.BOOKED, to_status=Booking.Status.CONFIRMED
        )
    return Booking.objects.select_related("coach__user", "client", "session_type").get(
        pk=booking.pk
    )


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def only_event(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, Event)
    return calendar, event
