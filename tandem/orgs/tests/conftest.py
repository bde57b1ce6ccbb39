"""Shared fixtures of the organisations tests: Northwind Traders with sponsor admin Olivia,
coach Alice, and a running programme. Rows are made directly (the services under test are
the areas' own). "Now" is fixed: NOW, a Wednesday."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from conftest import make_user
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.coaches.models import CoachProfile, SessionType
from tandem.orgs.models import Membership, Organisation, Participant, Programme

NOW = datetime(2030, 3, 6, 10, 0, tzinfo=UTC)


@pytest.fixture
def northwind(db) -> Organisation:
    return Organisation.objects.create(name="Northwind Traders", slug="northwind")


@pytest.fixture
def olivia(northwind) -> Any:
    """Sponsor admin Olivia, admin of Northwind Traders."""
    user = make_user("olivia@example.com", name="Olivia Olsen", zone="Europe/London")
    Membership.objects.create(organisation=northwind, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def globex(db) -> Organisation:
    return Organisation.objects.create(name="Globex", slug="globex")


@pytest.fixture
def gus(globex) -> Any:
    """Gus, admin of another organisation (Globex): reaches nothing of Northwind's."""
    user = make_user("gus@example.com", name="Gus Grant", zone="UTC")
    Membership.objects.create(organisation=globex, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def coach(alice) -> CoachProfile:
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach) -> SessionType:
    return make_type(coach)


def make_programme(organisation: Organisation, **extra: Any) -> Programme:
    values: dict[str, Any] = {
        "name": "Leadership 2030",
        "starts_on": date(2030, 1, 1),
        "ends_on": date(2030, 12, 31),
        "sessions_per_participant": 6,
        "seats": 20,
        "currency": "EUR",
    }
    values.update(extra)
    return Programme.objects.create(organisation=organisation, **values)


@pytest.fixture
def programme(northwind, olivia) -> Programme:
    return make_programme(northwind, created_by=olivia)


def seat(programme: Programme, user: Any, *, status: str = Participant.Status.ACTIVE,
         coach: CoachProfile | None = None) -> Participant:  # fmt: skip
    """`user` holding a seat in `programme` (accepted at NOW), optionally matched with `coach`."""
    return Participant.objects.create(
        programme=programme,
        email=user.email.lower(),
        name=user.name,
        user=user,
        status=status,
        accepted_at=NOW,
        coach=coach,
        matched_at=NOW if coach else None,
    )
