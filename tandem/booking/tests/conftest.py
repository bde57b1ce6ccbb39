"""Booking fixtures: Alice as a listed coach (Europe/Berlin, open 08:00-20:00 every day) with a
one-hour session type; Bob and Charlie as clients. Times are chosen days ahead of now."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tandem.availability.models import WeeklyInterval
from tandem.coaches.models import CoachProfile, SessionType

BERLIN = ZoneInfo("Europe/Berlin")


def make_coach(user, *, slug: str, zone: str = "Europe/Berlin", **extra) -> CoachProfile:
    values = {"headline": "Coach", "timezone": zone, "is_verified": True, "is_active": True}
    values.update(extra)
    coach = CoachProfile.objects.create(user=user, slug=slug, **values)
    for weekday in range(7):
        WeeklyInterval.objects.create(
            coach=coach, weekday=weekday, start_minute=8 * 60, end_minute=20 * 60
        )
    return coach


def make_type(coach: CoachProfile, **extra) -> SessionType:
    values = {
        "name": "Coaching session",
        "duration_minutes": 60,
        "slot_step_minutes": 30,
        "min_notice_minutes": 0,
        "booking_window_days": 366,
        "price": Decimal("80.00"),
    }
    values.update(extra)
    return SessionType.objects.create(coach=coach, **values)


def at(days: int, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> datetime:
    """Wall time `hour:minute` in `zone`, `days` local days from today, as UTC."""
    day: date = timezone.now().astimezone(zone).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.fixture
def coach(alice) -> CoachProfile:
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach) -> SessionType:
    return make_type(coach)


def token_client(user):
    """An API client authenticated with a personal API token (no session, CSRF enforced)."""
    from django.test import Client

    from tandem.accounts.services import api_token_create

    _, raw = api_token_create(user=user, name="tests")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- Booking pages (issue 4, pages) ------------------------------------------------------------


def book_session(client, coach, session_type, start, **request):
    """A booking made through the service (as a page or the API would), for page tests."""
    from tandem.booking import services

    return services.booking_create(
        client=client,
        request=services.BookingRequest(
            coach=coach, session_type=session_type, start=start, **request
        ),
    ).booking


@pytest.fixture
def request_type(coach) -> SessionType:
    """A second session type of Alice's that she confirms by hand (bookings start pending)."""
    return make_type(coach, name="Intro call", duration_minutes=30, requires_confirmation=True)
