"""Notification fixtures: Alice's coach profile and session type (from the booking tests)
and a confirmed session of Bob's with her, made through the booking service."""

from __future__ import annotations

from datetime import datetime

import pytest

from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, coach, make_coach, make_type, session_type  # noqa: F401
from tandem.messaging.tests.conftest import booking, conversation  # noqa: F401
from tandem.notifications.models import Delivery


def book(client, profile, kind, start: datetime, *, now: datetime) -> Booking:
    """`client` books `profile`'s session type `kind` at `start`, as the API would."""
    return booking_services.booking_create(
        client=client,
        request=booking_services.BookingRequest(coach=profile, session_type=kind, start=start),
        now=now,
    ).booking


def pending_reminders(of: Booking) -> list[Delivery]:
    return list(
        Delivery.objects.filter(booking=of, status=Delivery.Status.PENDING).order_by(
            "due_at", "user_id", "channel"
        )
    )


@pytest.fixture
def now() -> datetime:
    return at(0, 6)  # 06:00 in Berlin today
