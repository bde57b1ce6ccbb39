"""Action-item test fixtures: coach Alice (CoachProfile, Europe/Berlin) in an engagement with
client Bob (America/New_York); Dora, Bob's second coach (her own engagement); Charlie, a
stranger; staff. Time is frozen at NOW (Wednesday 20 March 2030, 15:00 UTC = 11:00 in New
York, 16:00 in Berlin). Import with `from .actions_support import *`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.workspace.models import ActionItem, Engagement, Goal

NOW = datetime(2030, 3, 20, 15, 0, tzinfo=UTC)
TODAY = date(2030, 3, 20)  # Bob's and Alice's today at NOW


def coach_profile(user: Any, slug: str) -> CoachProfile:
    return CoachProfile.objects.create(
        user=user, slug=slug, headline="Coach", is_verified=True, is_active=True
    )


def session(coach: CoachProfile, client: Any, *, days_ago: int = 1) -> Booking:
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


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def alice_coach(alice) -> CoachProfile:
    return coach_profile(alice, "alice")


@pytest.fixture
def engagement(alice_coach, bob) -> Engagement:
    return Engagement.objects.create(coach=alice_coach, client=bob, started_at=NOW)


@pytest.fixture
def goal(engagement) -> Goal:
    return Goal.objects.create(engagement=engagement, title="Speak up in meetings")


@pytest.fixture
def booking(alice_coach, bob) -> Booking:
    return session(alice_coach, bob)


@pytest.fixture
def dora(db):
    return make_user("dora@example.com", name="Dora Diaz", zone="Europe/Lisbon")


@pytest.fixture
def dora_engagement(dora, bob) -> Engagement:
    """Bob's second coach: she must never see Alice's and Bob's action items."""
    return Engagement.objects.create(coach=coach_profile(dora, "dora"), client=bob, started_at=NOW)


def item(engagement: Engagement, **values: Any) -> ActionItem:
    """An item written directly (for reads); services are tested on their own."""
    values.setdefault("title", "Write down three wins")
    values.setdefault("assignee", engagement.client)
    values.setdefault("created_by", engagement.coach.user)
    values.setdefault("created_at", NOW)
    values.setdefault("updated_at", NOW)
    if values.get("status") == ActionItem.Status.DONE:
        values.setdefault("done_at", NOW)
    return ActionItem.objects.create(engagement=engagement, **values)


def snapshot() -> list[tuple]:
    """Every action item's state, to assert that a refused call changed nothing."""
    return [
        (
            i.pk,
            i.title,
            i.detail,
            i.assignee_id,
            i.goal_id,
            i.due_date,
            i.status,
            i.reflection,
            i.due_notified_at,
            i.overdue_notified_at,
        )
        for i in ActionItem.objects.order_by("pk")
    ]


def api(client: Client, method: str, path: str, body: object = None, **headers: Any) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
