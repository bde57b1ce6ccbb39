"""Bob books inside his programme through the real booking API: the programme pays (the
sponsored session, the budget drawn, his seat counts it), a free cancellation gives the
session and the money back; a session the programme does not cover is paid the usual way."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking.tests.conftest import make_coach, make_type
from tandem.orgs.models import Participant, Programme, SponsoredSession
from tandem.orgs.tests.conftest import NOW, seat
from tandem.orgs.tests.test_sponsorship_port import PRICE, fund
from tandem.payments.models import PaymentSource
from tandem.payments.sponsors.selectors import budget

pytestmark = pytest.mark.django_db

START = NOW + timedelta(days=3)  # 13:00 Berlin: inside Alice's hours


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def bob_seat(programme: Programme, bob: Any, coach: Any) -> Participant:
    fund(programme, 2 * PRICE)
    return seat(programme, bob, coach=coach)


def book(client: Client, coach: Any, session_type: Any, start: Any) -> Any:
    body = {
        "coach": str(coach.public_id),
        "session_type": str(session_type.public_id),
        "start": start.isoformat(),
    }
    return client.post("/api/v1/bookings", data=json.dumps(body), content_type="application/json")


def test_a_covered_booking_is_paid_by_the_programme_and_a_cancellation_gives_it_back(
    client, bob, bob_seat, programme, coach, session_type
):
    client.force_login(bob)
    answer = book(client, coach, session_type, START)
    assert answer.status_code == 201, answer.content
    booking_id = answer.json()["id"]
    session = SponsoredSession.objects.get()
    assert (session.participant_id, session.amount, session.returned) == (bob_seat.pk, PRICE, 0)
    source = PaymentSource.objects.get(kind=PaymentSource.Kind.SPONSOR)
    assert source.sponsor_name == "Northwind Traders (Leadership 2030)"
    assert budget(programme.budget_owner, "EUR").balance == PRICE
    seat_body = client.get(f"/api/v1/orgs/seats/{bob_seat.public_id}").json()
    assert (seat_body["sessions_used"], seat_body["sessions_left"]) == (1, 5)
    bob_seat.refresh_from_db()
    assert bob_seat.first_session_at == START

    cancelled = client.post(
        f"/api/v1/bookings/{booking_id}/cancel",
        data=json.dumps({"reason_code": "illness"}),
        content_type="application/json",
    )
    assert cancelled.status_code == 200, cancelled.content
    session.refresh_from_db()
    assert session.returned == PRICE
    assert budget(programme.budget_owner, "EUR").balance == 2 * PRICE
    seat_body = client.get(f"/api/v1/orgs/seats/{bob_seat.public_id}").json()
    assert (seat_body["sessions_used"], seat_body["sessions_left"]) == (0, 6)


def test_another_coach_is_paid_the_usual_way(client, bob, bob_seat, programme, charlie):
    other = make_coach(charlie, slug="charlie")
    other_type = make_type(other)
    client.force_login(bob)
    answer = book(client, other, other_type, START)
    assert answer.status_code in (201, 402), answer.content
    assert SponsoredSession.objects.count() == 0
    assert not PaymentSource.objects.filter(kind=PaymentSource.Kind.SPONSOR).exists()
    assert budget(programme.budget_owner, "EUR").balance == 2 * PRICE


def test_the_last_of_the_budget_alerts_the_sponsor_after_the_commit(
    client, bob, programme, coach, session_type, olivia, django_capture_on_commit_callbacks
):
    fund(programme, PRICE)
    seat(programme, bob, coach=coach)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert book(client, coach, session_type, START).status_code == 201
    programme.refresh_from_db()
    assert programme.budget_alert_100_at == NOW
    assert programme.budget_alert_80_at == NOW
