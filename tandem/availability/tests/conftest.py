"""Availability fixtures: Alice as a listed coach (Europe/London) with one session type."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from conftest import make_user
from tandem.availability.models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType


def make_coach(user, *, slug: str, zone: str = "Europe/London", **extra) -> CoachProfile:
    values = {"headline": "Coach", "timezone": zone, "is_verified": True, "is_active": True}
    values.update(extra)
    return CoachProfile.objects.create(user=user, slug=slug, **values)


def make_type(coach: CoachProfile, **extra) -> SessionType:
    values = {
        "name": "Session",
        "duration_minutes": 60,
        "slot_step_minutes": 60,
        "min_notice_minutes": 0,
        "booking_window_days": 366,
        "price": Decimal("50.00"),
    }
    values.update(extra)
    return SessionType.objects.create(coach=coach, **values)


def add_weekly(coach: CoachProfile, weekday: int, start: str, end: str) -> WeeklyInterval:
    return WeeklyInterval.objects.create(
        coach=coach, weekday=weekday, start_minute=minutes(start), end_minute=minutes(end)
    )


def add_override(coach: CoachProfile, day: date, *intervals: tuple[str, str]) -> DateOverride:
    override = DateOverride.objects.create(coach=coach, date=day)
    for start, end in intervals:
        OverrideInterval.objects.create(
            override=override, start_minute=minutes(start), end_minute=minutes(end)
        )
    return override


def add_time_off(coach: CoachProfile, start: datetime, end: datetime) -> TimeOff:
    return TimeOff.objects.create(coach=coach, start=start, end=end, reason="away")


def book(
    session_type: SessionType,
    client,
    start: datetime,
    *,
    status: str = Booking.Status.CONFIRMED,
) -> Booking:
    end = start + timedelta(minutes=session_type.duration_minutes)
    return Booking.objects.create(
        coach=session_type.coach,
        client=client,
        session_type=session_type,
        start=start,
        end=end,
        blocked_start=start - timedelta(minutes=session_type.buffer_before_minutes),
        blocked_end=end + timedelta(minutes=session_type.buffer_after_minutes),
        status=status,
    )


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def coach(alice) -> CoachProfile:
    """Alice's listed coach profile, in Europe/London."""
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach) -> SessionType:
    """A 60-minute session, hourly grid, no notice, a year's window, no buffers or caps."""
    return make_type(coach, name="Intro")


@pytest.fixture
def make_many_coaches(db):
    """Make n listed coaches, each with hours every day and one session type."""

    def make(n: int, prefix: str = "c") -> list[CoachProfile]:
        coaches = []
        for i in range(n):
            user = make_user(f"{prefix}{i}@example.com", name=f"Coach {prefix}{i}")
            coach = make_coach(user, slug=f"{prefix}-{i}", zone="America/New_York")
            make_type(coach, price=Decimal("30.00") + i)
            for day in range(7):
                add_weekly(coach, day, "09:00", "17:00")
            add_override(coach, date(2030, 1, 1))
            coaches.append(coach)
        return coaches

    return make
