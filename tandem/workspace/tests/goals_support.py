"""Goals test fixtures: coach Alice (CoachProfile) in an engagement with client Bob; coach Dora,
Bob's second coach; Charlie, a stranger; a staff user; a frozen clock.
Import with `from .goals_support import *`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from tandem.coaches.models import CoachProfile
from tandem.workspace.models import CheckIn, Engagement, Goal, Milestone

NOW = datetime(2030, 3, 20, 15, 0, tzinfo=UTC)
LATER = date(2030, 6, 1)
PAST = date(2030, 3, 1)


def coach_profile(user: Any, slug: str) -> CoachProfile:
    return CoachProfile.objects.create(
        user=user, slug=slug, headline="Coach", is_verified=True, is_active=True
    )


@pytest.fixture
def frozen(monkeypatch) -> datetime:
    """timezone.now is NOW (services, selectors and views call it)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def alice_coach(alice) -> CoachProfile:
    return coach_profile(alice, "alice")


@pytest.fixture
def engagement(alice_coach, bob) -> Engagement:
    return Engagement.objects.create(coach=alice_coach, client=bob, started_at=NOW)


@pytest.fixture
def dora(db):
    return make_user("dora@example.com", name="Dora Diaz", zone="Europe/Lisbon")


@pytest.fixture
def dora_engagement(dora, bob) -> Engagement:
    """Bob's second coach: she must never see Alice's goals."""
    return Engagement.objects.create(coach=coach_profile(dora, "dora"), client=bob, started_at=NOW)


def snapshot() -> tuple:
    """Everything goals can change, to assert a refusal changed nothing."""
    return (
        sorted(
            Goal.objects.values_list("public_id", "status", "progress", "target_date", "updated_at")
        ),
        sorted((g.public_id, g.title, g.why, g.measure) for g in Goal.objects.all()),
        sorted(Milestone.objects.values_list("public_id", "position", "done_at", "due_date")),
        sorted((m.public_id, m.title) for m in Milestone.objects.all()),
        sorted(CheckIn.objects.values_list("public_id", "progress")),
    )


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def api_json(client: Any, method: str, path: str, body: object = None, **headers: Any) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


def token_client(user: Any) -> Client:
    from tandem.accounts.services import api_token_create

    _, raw = api_token_create(user=user, name="tests")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
