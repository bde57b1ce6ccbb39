"""Journal test fixtures: coach Alice (a CoachProfile) in an engagement with client Bob; coach
Dora, Bob's second coach; Charlie, a stranger. Import with `from .journal_support import *`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import make_user
from tandem.coaches.models import CoachProfile
from tandem.workspace.models import Engagement, JournalEntry
from tandem.workspace.services import journal as services

NOW = datetime(2030, 3, 20, 15, 0, tzinfo=UTC)
MARKER = "zebracorn-private-marker"


def coach_profile(user: Any, slug: str) -> CoachProfile:
    return CoachProfile.objects.create(
        user=user, slug=slug, headline="Coach", is_verified=True, is_active=True
    )


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
    """Bob's second coach: she must never see what Bob shares with Alice."""
    return Engagement.objects.create(coach=coach_profile(dora, "dora"), client=bob, started_at=NOW)


@pytest.fixture
def frozen(monkeypatch) -> datetime:
    """django.utils.timezone.now() is NOW (the views, selectors and services call it)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def write(author: Any, body: str = "A quiet day.", *, now: datetime = NOW, **extra: Any):
    return services.entry_create(author=author, body=body, now=now, **extra)


def api_json(client, method: str, path: str, body: object = None, **headers: Any):
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


def snapshot() -> list[object]:
    """Every journal row (to assert that a refused action changed nothing)."""
    from tandem.workspace.models import JournalPrompt, JournalShare, SearchTerm

    return [
        sorted(JournalEntry.objects.values_list("pk", "body", "mood", "tags", "updated_at")),
        sorted(JournalShare.objects.values_list("entry_id", "engagement_id")),
        sorted(JournalPrompt.objects.values_list("pk", "text", "answered_at")),
        sorted(Engagement.objects.values_list("pk", "mood_in_reports")),
        SearchTerm.objects.count(),
    ]


__all__ = [
    "MARKER",
    "NOW",
    "alice_coach",
    "api_json",
    "coach_profile",
    "dora",
    "dora_engagement",
    "engagement",
    "frozen",
    "snapshot",
    "write",
]
