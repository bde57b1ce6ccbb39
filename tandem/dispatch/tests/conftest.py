"""Book now fixtures: coaches Alice and Dana (UTC, open all day, leadership, one-hour sessions
bookable at no notice) online; client Bob asks; stranger Charlie has nothing to do with it.

Service tests pass a fixed `now` (NOW, 09:50 UTC three days ahead, so the 10:00 slot is ten
minutes away); API and page tests run on the real clock, so the coaches are open all day.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from tandem.accounts.models import CoachApplication
from tandem.availability.models import WeeklyInterval
from tandem.booking.tests.conftest import make_type, token_client
from tandem.coaches.models import CoachProfile, SessionType, Specialty
from tandem.dispatch import services
from tandem.dispatch.models import DispatchRequest
from tandem.realtime import presence

__all__ = ["NOW", "SLOT", "ask", "make_dispatch_coach", "new_key", "online", "state"]


def _now() -> datetime:
    day = timezone.now().astimezone(UTC).date() + timedelta(days=3)
    return datetime(day.year, day.month, day.day, 9, 50, tzinfo=UTC)


NOW = _now()
SLOT = NOW + timedelta(minutes=10)  # the first 30-minute grid point after NOW


@pytest.fixture
def leadership(db) -> Specialty:
    return Specialty.objects.get_or_create(slug="leadership", defaults={"name": "Leadership"})[0]


def make_dispatch_coach(
    user: Any, *, slug: str, specialty: Specialty, **type_fields: Any
) -> tuple[CoachProfile, SessionType]:
    """A verified coach open 00:00-24:00 UTC every day with a one-hour, no-notice type."""
    CoachApplication.objects.get_or_create(
        user=user, defaults={"headline": "Coach", "status": CoachApplication.Status.APPROVED}
    )
    coach = CoachProfile.objects.create(
        user=user, slug=slug, headline="Coach", timezone="UTC", is_verified=True
    )
    coach.specialties.add(specialty)
    for weekday in range(7):
        WeeklyInterval.objects.create(coach=coach, weekday=weekday, start_minute=0, end_minute=1440)
    return coach, make_type(coach, **type_fields)


def online(*users: Any) -> None:
    for user in users:
        presence.seen(user.pk)


@pytest.fixture
def dana(db):
    """A second coach, Dana Diaz."""
    return make_user("dana@example.com", name="Dana Diaz", zone="Europe/London")


@pytest.fixture
def alice_coach(alice, leadership) -> tuple[CoachProfile, SessionType]:
    return make_dispatch_coach(alice, slug="alice", specialty=leadership)


@pytest.fixture
def dana_coach(dana, leadership) -> tuple[CoachProfile, SessionType]:
    return make_dispatch_coach(dana, slug="dana", specialty=leadership)


@pytest.fixture
def both_online(alice, dana, alice_coach, dana_coach) -> None:
    online(alice, dana)


def ask(
    client: Any, *, now: datetime | None = NOW, within: int = 15, **extra: Any
) -> DispatchRequest:
    """Bob (or anyone) asks for an hour of leadership coaching, through the service
    (now=None: on the real clock)."""
    return services.dispatch_request_create(
        client=client,
        specialty=extra.pop("specialty", "leadership"),
        duration_minutes=extra.pop("duration_minutes", 60),
        within_minutes=within,
        now=now,
        **extra,
    ).request


@pytest.fixture
def bob_api(bob):
    return token_client(bob)


@pytest.fixture
def alice_api(alice):
    return token_client(alice)


@pytest.fixture
def dana_api(dana):
    return token_client(dana)


@pytest.fixture
def charlie_api(charlie):
    return token_client(charlie)


def state() -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    from django_tasks_db.models import DBTaskResult

    from tandem.booking.models import Booking
    from tandem.dispatch.models import DispatchOffer
    from tandem.realtime.models import Event

    return (
        list(DispatchRequest.objects.order_by("pk").values()),
        list(DispatchOffer.objects.order_by("pk").values()),
        list(Booking.objects.order_by("pk").values_list("pk", "status")),
        Event.objects.count(),
        DBTaskResult.objects.count(),
    )


def new_key() -> str:
    return str(uuid.uuid4())
