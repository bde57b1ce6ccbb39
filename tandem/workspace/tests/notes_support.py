"""Session-notes test fixtures: coach Alice (CoachProfile) in an engagement with client Bob and
sessions between them; coach Dora, Bob's second coach; Charlie, a stranger; a staff user.
Import with `from .notes_support import *`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from conftest import make_user
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.workspace.models import Engagement, NoteTemplate, NoteVersion, SessionNote

NOW = datetime(2030, 3, 20, 15, 0, tzinfo=UTC)
MARKER = "okapiquill-private-marker"


def coach_profile(user: Any, slug: str) -> CoachProfile:
    return CoachProfile.objects.create(
        user=user, slug=slug, headline="Coach", is_verified=True, is_active=True
    )


def session(coach: CoachProfile, client: Any, *, days_ago: int = 1) -> Booking:
    """A past session of the pair, written directly (these tests are about notes)."""
    session_type = SessionType.objects.filter(coach=coach).first() or SessionType.objects.create(
        coach=coach, name="Coaching session", duration_minutes=60, price=Decimal("80.00")
    )
    start = NOW - timedelta(days=days_ago)
    return Booking.objects.create(
        coach=coach,
        client=client,
        session_type=session_type,
        start=start,
        end=start + timedelta(hours=1),
        blocked_start=start,
        blocked_end=start + timedelta(hours=1),
        status=Booking.Status.COMPLETED,
    )


@pytest.fixture
def alice_coach(alice) -> CoachProfile:
    return coach_profile(alice, "alice")


@pytest.fixture
def engagement(alice_coach, bob) -> Engagement:
    return Engagement.objects.create(coach=alice_coach, client=bob, started_at=NOW)


@pytest.fixture
def booking(alice_coach, bob) -> Booking:
    return session(alice_coach, bob)


@pytest.fixture
def dora(db):
    return make_user("dora@example.com", name="Dora Diaz", zone="Europe/Lisbon")


@pytest.fixture
def dora_engagement(dora, bob) -> Engagement:
    """Bob's second coach: she must never see Alice's notes."""
    return Engagement.objects.create(coach=coach_profile(dora, "dora"), client=bob, started_at=NOW)


def api_json(client: Any, method: str, path: str, body: object = None, **headers: Any) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


def logged_in(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def snapshot() -> list[tuple]:
    """Every note, version and template row (to assert a refused action changed nothing)."""
    return [
        *SessionNote.objects.order_by("pk").values_list(
            "pk", "visibility", "body", "draft", "draft_saved_at", "version", "template"
        ),
        *NoteVersion.objects.order_by("pk").values_list("pk", "number", "body"),
        *NoteTemplate.objects.order_by("pk").values_list("pk", "name", "body"),
    ]


__all__ = [
    "MARKER",
    "NOW",
    "alice_coach",
    "api_json",
    "booking",
    "coach_profile",
    "dora",
    "dora_engagement",
    "engagement",
    "logged_in",
    "session",
    "snapshot",
]
