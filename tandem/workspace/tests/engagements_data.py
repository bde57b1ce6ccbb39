"""Data for the engagements tests: Alice as a bookable coach, bookings made through booking's
own service (so booking's signal runs, as it does in production), engagements and clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from conftest import make_user
from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type  # noqa: F401  (at: for the tests)
from tandem.coaches.models import CoachProfile, SessionType
from tandem.workspace.models import Engagement

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def coach(alice) -> CoachProfile:
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach) -> SessionType:
    return make_type(coach)


@pytest.fixture
def dora(db):
    """A second coach (of Bob too, in some tests)."""
    from tandem.accounts.models import CoachApplication

    user = make_user("dora@example.com", name="Dora Diaz", zone="Europe/Paris")
    CoachApplication.objects.create(
        user=user, headline="Career coach", status=CoachApplication.Status.APPROVED
    )
    return user


@pytest.fixture
def dora_coach(dora) -> CoachProfile:
    return make_coach(dora, slug="dora")


def book(client_user, coach, session_type, start: datetime, capture) -> Any:
    """A booking made through booking's service, its on-commit work run (the signal).
    A start in the past is booked "a day before it", as it was then."""
    with capture(execute=True):
        return booking_services.booking_create(
            client=client_user,
            request=booking_services.BookingRequest(
                coach=coach, session_type=session_type, start=start
            ),
            now=start - timedelta(days=1),
        ).booking


def engagement(coach, client_user, **values) -> Engagement:
    return Engagement.objects.create(coach=coach, client=client_user, **values)


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot(model) -> list[tuple]:
    """Every row of a model, to check that a refused request changed nothing."""
    return sorted(model.objects.values_list(), key=repr)
