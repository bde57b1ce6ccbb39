"""Privacy of what a sponsor sees (issue 18: "every sponsor-facing page and API response
checked against a dump of the participants' private texts").

Participants and their coach write marker texts through the workspace API and messaging
(goal titles and whys, journal entries shared with the coach, session notes private and
shared, action items, messages both ways) and in their bookings' notes; then Olivia, the
sponsor's admin, fetches every page and API response of reporting (the programme dashboard,
the ROI view, the report API, her home dashboard's card) and none holds a marker, a
participant's name or email. Groups of 4 are suppressed, 5 shown. Charlie, Alice (the
coach) and Gus (another organisation's admin) get 404 for all of them.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.orgs.models import Participant, Programme, SponsoredSession
from tandem.workspace.models import Engagement

from .conftest import NOW
from .test_reporting_selectors import fund, make_participants

MARK = "ZQXMARK"
_keys = itertools.count()


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        url,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"privacy-{next(_keys)}",
    )
    assert response.status_code in (200, 201), (url, response.status_code, response.content)
    return response.json()


def write_private_texts(programme: Programme, person: Participant, session_type, i: int) -> None:
    """Everything a participant and their coach write that a sponsor must never see."""
    coach_user = session_type.coach.user
    assert person.user is not None
    start = NOW - timedelta(days=3 + i, hours=i % 5)
    booking = Booking.objects.create(
        coach=session_type.coach,
        client=person.user,
        session_type=session_type,
        start=start,
        end=start + timedelta(hours=1),
        blocked_start=start,
        blocked_end=start + timedelta(hours=1),
        status=Booking.Status.COMPLETED,
        notes=f"{MARK} booking note {i}",
    )
    SponsoredSession.objects.create(
        programme=programme, participant=person, booking=booking, amount=8000
    )
    engagement, _ = Engagement.objects.get_or_create(
        coach=session_type.coach, client=person.user, defaults={"started_at": NOW}
    )
    eid = engagement.public_id
    me, coach = client_of(person.user), client_of(coach_user)
    post_json(
        me,
        f"/api/v1/workspace/engagements/{eid}/goals",
        {"title": f"{MARK} goal {i}", "why": f"{MARK} why {i}"},
    )
    entry = post_json(me, "/api/v1/workspace/journal/entries", {"body": f"{MARK} journal {i}"})
    post_json(me, f"/api/v1/workspace/journal/entries/{entry['id']}/shares/{eid}", {})
    post_json(
        coach,
        f"/api/v1/workspace/engagements/{eid}/action-items",
        {"title": f"{MARK} action {i}", "detail": f"{MARK} detail {i}"},
    )
    for visibility in ("private", "shared"):
        post_json(
            coach,
            f"/api/v1/workspace/engagements/{eid}/notes",
            {
                "booking": str(booking.public_id),
                "visibility": visibility,
                "body": f"{MARK} {visibility} note {i}",
            },
        )
    conversation = post_json(me, "/api/v1/conversations", {"user": str(coach_user.public_id)})
    for sender, text in ((me, "from the participant"), (coach, "from the coach")):
        response = sender.post(
            f"/api/v1/conversations/{conversation['id']}/messages",
            {"body": f"{MARK} message {text} {i}"},
            HTTP_IDEMPOTENCY_KEY=f"privacy-{next(_keys)}",
        )
        assert response.status_code in (200, 201), response.content


def sponsor_views(olivia: Any, programme: Programme) -> dict[str, str]:
    client = client_of(olivia)
    pid = programme.public_id
    found = {}
    for url in (
        f"/org/programmes/{pid}/",
        f"/org/programmes/{pid}/roi/",
        f"/api/v1/orgs/programmes/{pid}/report",
        "/dashboard/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response.content.decode()
    return found


def assert_nothing_private(pages: dict[str, str], people: list[Participant]) -> None:
    for url, body in pages.items():
        assert MARK.lower() not in body.lower(), url
        for person in people:
            assert person.name not in body, (url, person.name)
            assert person.user is not None and person.user.display_name not in body, url
            assert person.email not in body, url
            assert str(person.public_id) not in body, url
        assert " Zed" not in body, url  # every participant's surname here


def test_no_private_text_or_name_reaches_the_sponsor(olivia, programme, coach, session_type):
    fund(programme, 100_000)
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    people = make_participants(programme, 6, coach)
    for i, person in enumerate(people):
        write_private_texts(programme, person, session_type, i)
    pages = sponsor_views(olivia, programme)
    assert_nothing_private(pages, people)
    # ... and the figures are there (the markers were really written and counted)
    report = json.loads(pages[f"/api/v1/orgs/programmes/{programme.public_id}/report"])
    assert report["sessions"]["held"] == {"value": 6, "suppressed": False}
    assert report["goal_progress"]["participants"] == {"value": 6, "suppressed": False}


def _session_figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)">\s*(.*?)\s*</dd>', html))


def test_groups_of_four_are_suppressed_and_five_shown(olivia, programme, coach, session_type):
    people = make_participants(programme, 4, coach)
    for i, person in enumerate(people):
        write_private_texts(programme, person, session_type, i)
    pages = sponsor_views(olivia, programme)
    assert_nothing_private(pages, people)
    html = pages[f"/org/programmes/{programme.public_id}/"]
    figures = _session_figures(html)
    for name in ("booked", "held", "seats_used", "active"):
        assert "fewer than 5" in figures[name] and "4" not in figures[name], name
    report = json.loads(pages[f"/api/v1/orgs/programmes/{programme.public_id}/report"])
    assert report["sessions"]["held"] == {"value": None, "suppressed": True}
    assert report["goal_progress"]["suppressed"] is True and report["goal_progress"]["bands"] == []
    assert report["days_to_first_session"] == {"value": None, "suppressed": True}
    assert "4 of 20" not in pages["/dashboard/"]

    fifth = make_participants(programme, 1, coach, prefix="f")
    write_private_texts(programme, fifth[0], session_type, 4)
    pages = sponsor_views(olivia, programme)
    assert_nothing_private(pages, people + fifth)
    figures = _session_figures(pages[f"/org/programmes/{programme.public_id}/"])
    assert figures["held"] == "5" and figures["seats_used"] == "5"
    report = json.loads(pages[f"/api/v1/orgs/programmes/{programme.public_id}/report"])
    assert report["sessions"]["held"] == {"value": 5, "suppressed": False}
    assert report["goal_progress"]["suppressed"] is False
    assert "5 of 20" in re.sub(r"\s+", " ", pages["/dashboard/"])


def test_charlie_alice_and_gus_get_404(programme, coach, session_type, charlie, alice, gus):
    people = make_participants(programme, 5, coach)
    for i, person in enumerate(people):
        write_private_texts(programme, person, session_type, i)
    pid = programme.public_id
    for user in (charlie, alice, gus, people[0].user):
        client = client_of(user)
        for url in (
            f"/org/programmes/{pid}/",
            f"/org/programmes/{pid}/roi/",
            f"/api/v1/orgs/programmes/{pid}/report",
        ):
            response = client.get(url)
            assert response.status_code == 404, (user.email, url)
            assert MARK not in response.content.decode()
            assert programme.name not in response.content.decode()
