"""20 invited people accept at once for the last 3 seats: exactly 3 are seated.

Through the real API (POST /api/v1/orgs/invitations/accept), each request in its own thread
with its own connection (booking's concurrency harness): on PostgreSQL the programme's row
lock serialises the seat count; on SQLite (a database file) the IMMEDIATE transaction does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tandem.booking.tests.test_concurrency import (  # noqa: F401 (file_database: a fixture)
    Answer,
    api_user,
    file_database,
    run_together,
)
from tandem.orgs.models import Organisation, Participant
from tandem.orgs.participants import services
from tandem.orgs.tests.conftest import NOW, make_programme

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

RACERS = 20
SEATS = 5
ALREADY_SEATED = 2


def test_twenty_accept_for_the_last_three_seats(monkeypatch):
    sent: dict[int, str] = {}
    monkeypatch.setattr(
        "tandem.orgs.notify.invitations", lambda pairs, now: sent.update(dict(pairs))
    )
    org = Organisation.objects.create(name="Northwind Traders", slug="northwind")
    programme = make_programme(org, seats=SEATS)
    for i in range(ALREADY_SEATED):
        held = api_user(f"held{i}@example.com", f"Held {i}")
        Participant.objects.create(
            programme=programme, email=held.user.email, user=held.user, status="active"
        )
    racers = [api_user(f"racer{i:02d}@example.com", f"Racer {i:02d}") for i in range(RACERS)]
    made = services.participant_add_many(
        programme=programme,
        rows=[(r.user.email, r.user.name) for r in racers],
        source="invite",
        actor=None,
        now=NOW,
    )
    tokens = [sent[p.pk] for p in made]

    def work(index: int) -> Answer:
        response = Client().post(
            "/api/v1/orgs/invitations/accept",
            data=json.dumps({"token": tokens[index]}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {racers[index].token}"},
        )
        return Answer(response.status_code, response.json())

    outcome = run_together(RACERS, work)
    outcome.check_clean()
    statuses = outcome.statuses()
    assert statuses[200] == SEATS - ALREADY_SEATED, statuses
    assert statuses[409] == RACERS - (SEATS - ALREADY_SEATED), statuses
    codes = {a.code for a in outcome.answers if a is not None and a.status == 409}
    assert codes == {"programme_full"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM orgs_participant WHERE programme_id = %s "
            "AND status IN ('active', 'paused')",
            [programme.pk],
        )
        (seated,) = cursor.fetchone()
    assert seated == SEATS
    refused: Any = Participant.objects.filter(programme=programme, status="invited")
    assert refused.count() == RACERS - (SEATS - ALREADY_SEATED)
    assert not refused.exclude(user__isnull=True).exists()


def test_a_seat_moved_while_ten_invitees_accept_goes_only_to_the_new_person(monkeypatch):
    """The programme is full; Olivia moves a seat while 10 other invitees try to accept. The
    moved seat is held for its new invitation from the move's commit, so none of them gets it
    (before the move it was Bob's), and the new person takes it afterwards."""
    from tandem.orgs.models import Membership

    sent: dict[int, str] = {}
    monkeypatch.setattr(
        "tandem.orgs.notify.invitations", lambda pairs, now: sent.update(dict(pairs))
    )
    org = Organisation.objects.create(name="Northwind Traders", slug="northwind")
    olivia = api_user("olivia@example.com", "Olivia Olsen")
    Membership.objects.create(organisation=org, user=olivia.user, role=Membership.Role.ADMIN)
    programme = make_programme(org, seats=SEATS)
    holders = [api_user(f"held{i}@example.com", f"Held {i}") for i in range(SEATS)]
    for held in holders:
        Participant.objects.create(
            programme=programme, email=held.user.email, user=held.user, status="active"
        )
    moved = Participant.objects.get(programme=programme, email=holders[0].user.email)
    racers = [api_user(f"racer{i:02d}@example.com", f"Racer {i:02d}") for i in range(10)]
    made = services.participant_add_many(
        programme=programme,
        rows=[(r.user.email, r.user.name) for r in racers],
        source="invite",
        actor=None,
        now=NOW,
    )
    tokens = [sent[p.pk] for p in made]

    def work(index: int) -> Answer:
        if index == 0:
            response = Client().post(
                f"/api/v1/orgs/participants/{moved.public_id}/move",
                data=json.dumps({"email": "new@example.com", "name": "New"}),
                content_type="application/json",
                headers={"Authorization": f"Bearer {olivia.token}"},
            )
        else:
            response = Client().post(
                "/api/v1/orgs/invitations/accept",
                data=json.dumps({"token": tokens[index - 1]}),
                content_type="application/json",
                headers={"Authorization": f"Bearer {racers[index - 1].token}"},
            )
        return Answer(response.status_code, response.json())

    outcome = run_together(1 + len(racers), work)
    outcome.check_clean()
    assert outcome.answers[0] is not None and outcome.answers[0].status == 201
    refused = {(a.status, a.code) for a in outcome.answers[1:] if a is not None}
    assert refused == {(409, "programme_full")}, refused
    assert (
        not Participant.objects.filter(programme=programme, email__startswith="racer")
        .exclude(status="invited")
        .exists()
    )
    new = Participant.objects.get(programme=programme, email="new@example.com")
    assert (new.status, new.seat_reserved) == ("invited", True)
    newcomer = api_user("new@example.com", "New")
    response = Client().post(
        "/api/v1/orgs/invitations/accept",
        data=json.dumps({"token": sent[new.pk]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {newcomer.token}"},
    )
    assert response.status_code == 200, response.content
    assert (
        Participant.objects.filter(programme=programme, status__in=Participant.SEATED).count()
        == SEATS
    )
