"""/api/v1/orgs/seats...: Bob's own seats; everyone else's answer 404 and nothing changes;
bad input is a clear 4xx in the common error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.orgs.models import Participant, Programme, SurveyResponse
from tandem.orgs.tests.conftest import NOW, seat
from tandem.orgs.tests.test_sponsorship_pages import other_coaches  # noqa: F401 (fixture)
from tandem.orgs.tests.test_sponsorship_port import claim, fund

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/seats"
SCORES = {"clarity": 2, "confidence": 3, "wellbeing": 4}


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def bob_seat(programme: Programme, bob: Any) -> Participant:
    return seat(programme, bob)


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def test_my_seats(client, bob, bob_seat, programme, coach, session_type):
    fund(programme, 50_000)
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach, matched_at=NOW)
    assert claim(bob, session_type) is not None
    body = as_user(client, bob).get(API).json()
    [item] = body["items"]
    assert item["id"] == str(bob_seat.public_id)
    assert item["organisation"] == "Northwind Traders"
    assert item["programme_name"] == "Leadership 2030"
    assert (item["sessions_used"], item["sessions_left"], item["can_book"]) == (1, 5, True)
    assert item["coach"]["name"] == "Alice Adler"
    assert client.get(f"{API}/{bob_seat.public_id}").json() == item


def test_invitations_are_not_seats(client, bob, programme):
    Participant.objects.create(programme=programme, email="bob@example.com", user=bob)
    assert as_user(client, bob).get(API).json() == {"items": []}


def test_suggestions_and_choosing(client, bob, bob_seat, coach, session_type, other_coaches):  # noqa: F811
    as_user(client, bob)
    body = client.get(f"{API}/{bob_seat.public_id}/coach-suggestions").json()
    assert len(body["items"]) == 3
    assert all(item["reasons"] for item in body["items"])
    assert len(body["eligible"]) == 5
    chosen = body["items"][1]["coach"]["id"]
    answer = post(client, f"{API}/{bob_seat.public_id}/coach", {"coach": chosen})
    assert answer.status_code == 200
    assert answer.json()["coach"]["id"] == chosen
    assert str(Participant.objects.get(pk=bob_seat.pk).coach.public_id) == chosen


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, None),
        ([], 400, None),
        ({}, 400, None),
        ({"coach": "nope"}, 400, None),
        ({"coach": "00000000-0000-0000-0000-000000000000"}, 400, "coach_not_eligible"),
        ({"coach": "\x00"}, 400, None),
        ({"coach": "x" * 100_000}, 400, None),
        ({"coach": None}, 400, None),
    ],
)
def test_bad_coach_input(client, bob, bob_seat, body, status, code):
    answer = post(as_user(client, bob), f"{API}/{bob_seat.public_id}/coach", body)
    assert answer.status_code == status
    assert "error" in answer.json()
    if code:
        assert answer.json()["error"]["code"] == code
    assert Participant.objects.get(pk=bob_seat.pk).coach_id is None


def test_survey(client, bob, bob_seat, programme):
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    as_user(client, bob)
    assert client.get(f"{API}/{bob_seat.public_id}").json()["surveys_open"] == ["start"]
    url = f"{API}/{bob_seat.public_id}/survey/start"
    created = post(client, url, SCORES, **{"Idempotency-Key": "k1"})
    assert created.status_code == 201
    assert created.json()["clarity"] == 2
    replay = post(client, url, SCORES, **{"Idempotency-Key": "k1"})
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    other = post(client, url, {**SCORES, "clarity": 5})
    assert other.status_code == 409 and other.json()["error"]["code"] == "survey_closed"
    assert SurveyResponse.objects.count() == 1
    assert client.get(f"{API}/{bob_seat.public_id}").json()["surveys_done"] == ["start"]


@pytest.mark.parametrize(
    "body",
    [
        {**SCORES, "clarity": 0},
        {**SCORES, "clarity": 6},
        {**SCORES, "clarity": "3"},
        {**SCORES, "clarity": True},
        {"clarity": 3},
        {**SCORES, "extra": 1},
        [1, 2, 3],
    ],
)
def test_bad_survey_input(client, bob, bob_seat, programme, body):
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    answer = post(as_user(client, bob), f"{API}/{bob_seat.public_id}/survey/start", body)
    assert answer.status_code == 400 and "error" in answer.json()
    assert SurveyResponse.objects.count() == 0


def test_unknown_phase_and_bad_key(client, bob, bob_seat, programme):
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    as_user(client, bob)
    assert post(client, f"{API}/{bob_seat.public_id}/survey/middle", SCORES).status_code == 404
    bad_key = post(client, f"{API}/{bob_seat.public_id}/survey/start", SCORES,
                   **{"Idempotency-Key": "é" * 3})  # fmt: skip
    assert bad_key.status_code == 400
    assert SurveyResponse.objects.count() == 0


def test_what_my_sponsor_sees_is_the_roster_row(client, bob, bob_seat, programme, olivia):
    Participant.objects.filter(pk=bob_seat.pk).update(matched_at=NOW)
    body = as_user(client, bob).get(f"{API}/{bob_seat.public_id}/what-my-sponsor-sees").json()
    assert body["organisation"] == "Northwind Traders"
    assert "at least 5 people" in body["never_shown"]
    sees = body["sees"]
    assert (sees["name"], sees["email"], sees["status"], sees["matched"]) == (
        "Bob Brown",
        "bob@example.com",
        "active",
        True,
    )
    # The very row Olivia's roster API gives about Bob.
    roster = as_user(Client(), olivia).get(
        f"/api/v1/orgs/programmes/{programme.public_id}/participants"
    )
    assert roster.status_code == 200
    [row] = [r for r in roster.json()["items"] if r["id"] == str(bob_seat.public_id)]
    assert row == sees


@pytest.mark.parametrize("who", ["charlie", "alice", "olivia", "gus", "staff_user"])
def test_everyone_else_gets_404(client, request, bob_seat, coach, session_type, programme, who):
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach)
    as_user(client, request.getfixturevalue(who))
    before = list(Participant.objects.values_list("coach_id", "matched_at", "status"))
    base = f"{API}/{bob_seat.public_id}"
    for url in [base, f"{base}/coach-suggestions", f"{base}/what-my-sponsor-sees"]:
        answer = client.get(url)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "seat_not_found"
    assert post(client, f"{base}/coach", {"coach": str(coach.public_id)}).status_code == 404
    assert post(client, f"{base}/survey/start", SCORES).status_code == 404
    assert client.get(API).json() == {"items": []}
    assert list(Participant.objects.values_list("coach_id", "matched_at", "status")) == before
    assert SurveyResponse.objects.count() == 0


def test_signed_out_gets_401(client, bob_seat):
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/{bob_seat.public_id}").status_code == 401


def test_unknown_ids_are_404(client, bob):
    as_user(client, bob)
    for ref in ["00000000-0000-0000-0000-000000000000", "nope", "%00"]:
        assert client.get(f"{API}/{ref}").status_code == 404


def test_the_openapi_document_has_the_seat_schemas_whole():
    from tandem.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert set(schemas["SeatCoachOut"]["properties"]) == {"id", "name", "headline", "slug"}
    assert set(schemas["SeatSurveyIn"]["properties"]) == {"clarity", "confidence", "wellbeing"}
    assert "sessions_left" in schemas["MySeatOut"]["properties"]
    assert "sees" in schemas["SeatSponsorViewOut"]["properties"]
