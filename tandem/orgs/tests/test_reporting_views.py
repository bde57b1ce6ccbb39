"""The programme dashboard, the ROI view and the report API: admins of the programme's
organisation only (anyone else 404, like an unknown id), every figure from the gate,
constant queries for 5 and 50 participants."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.orgs.models import Programme, SurveyResponse

from .conftest import NOW
from .test_reporting_selectors import fund, goals_for, make_participants, sponsor


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def urls(programme: Programme) -> list[str]:
    pid = programme.public_id
    return [
        f"/org/programmes/{pid}/",
        f"/org/programmes/{pid}/roi/",
        f"/api/v1/orgs/programmes/{pid}/report",
    ]


def populate(programme, coach, session_type, n: int) -> None:
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    people = make_participants(programme, n, coach)
    goals_for(people, [(i * 13) % 101 for i in range(n)])
    for i, person in enumerate(people):
        sponsor(programme, person, session_type, days=-(i % 70) - 1)
        sponsor(programme, person, session_type, days=i + 1, status="confirmed")
        for phase in ("start", "end"):
            SurveyResponse.objects.create(
                participant=person, phase=phase, clarity=3, confidence=3, wellbeing=4
            )


def test_dashboard_shows_the_figures_and_links(olivia, programme, coach, session_type):
    fund(programme, 500_000)
    populate(programme, coach, session_type, 6)
    response = client_of(olivia).get(f"/org/programmes/{programme.public_id}/")
    assert response.status_code == 200
    html = text(response)
    assert 'data-figure="held">6<' in html and 'data-figure="upcoming">6<' in html
    assert 'data-figure="seats_used">6<' in html
    assert "5,000.00" in html or "5000.00" in html  # funded, formatted with its currency
    for link in ("participants/", "budget/", "exports/", "settings/", "roi/"):
        assert f"/org/programmes/{programme.public_id}/{link}" in html
    assert 'data-report-chart="trend-data"' in html and 'id="trend-table"' in html
    assert 'data-report-chart="goals-data"' in html and 'id="survey-table"' in html
    # satisfaction needs reviews, which do not exist: no card, no number
    assert "atisfaction" not in html


def test_roi_explains_each_figure(olivia, programme, coach, session_type):
    populate(programme, coach, session_type, 5)
    html = text(client_of(olivia).get(f"/org/programmes/{programme.public_id}/roi/"))
    assert "Sessions held, divided by the money spent on those sessions" in html
    assert "out of the 20 seats bought" in html
    assert 'data-figure="seat_utilisation">25.0 %<' in html
    assert 'id="goals-table"' in html and 'id="survey-table"' in html


def test_report_api_gives_nulls_with_a_flag_for_suppressed_figures(
    olivia, programme, coach, session_type
):
    people = make_participants(programme, 6, coach)
    for person in people:
        sponsor(programme, person, session_type, days=-3)
    sponsor(programme, people[0], session_type, days=-2, status=Booking.Status.NO_SHOW)
    response = client_of(olivia).get(f"/api/v1/orgs/programmes/{programme.public_id}/report")
    assert response.status_code == 200
    body = response.json()
    assert body["sessions"]["no_show"] == {"value": None, "suppressed": True}
    # the smaller non-zero of held, upcoming and no-show goes too (the money spent counts
    # their sum); upcoming is 0 and stays
    assert body["sessions"]["held"] == {"value": None, "suppressed": True}
    assert body["sessions"]["upcoming"] == {"value": 0, "suppressed": False}
    assert body["sessions"]["booked"] == {"value": 7, "suppressed": False}
    assert body["seats"] == {"bought": 20, "used": {"value": 6, "suppressed": False}}
    assert body["min_group"] == 5 and body["survey"] is None
    assert "satisfaction" not in body


def test_nobody_else_reaches_a_programme_report(
    programme, coach, session_type, charlie, alice, gus, staff_user
):
    populate(programme, coach, session_type, 5)
    for user in (charlie, alice, gus, staff_user):
        client = client_of(user)
        for url in urls(programme):
            response = client.get(url)
            assert response.status_code == 404, (user.email, url)
            assert "Leadership 2030" not in response.content.decode()
    api = client_of(gus).get(f"/api/v1/orgs/programmes/{programme.public_id}/report")
    assert api.json()["error"]["code"] == "programme_not_found"


@pytest.mark.parametrize("bad", [str(uuid.uuid4()), "not-a-uuid", "1", "%00"])
def test_unknown_or_malformed_ids_answer_404(olivia, bad):
    client = client_of(olivia)
    assert client.get(f"/org/programmes/{bad}/").status_code == 404
    response = client.get(f"/api/v1/orgs/programmes/{bad}/report")
    assert response.status_code == 404 and "error" in response.json()


def test_signed_out_visitors_are_sent_to_sign_in(programme):
    response = Client().get(f"/org/programmes/{programme.public_id}/")
    assert response.status_code == 302
    assert Client().get(f"/api/v1/orgs/programmes/{programme.public_id}/report").status_code == 401


def test_only_get(olivia, programme):
    client = client_of(olivia)
    assert client.post(f"/org/programmes/{programme.public_id}/").status_code == 405


def _count(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("cache_seconds", [0, 60])
def test_dashboard_queries_are_the_same_for_5_and_50_participants(
    cache_seconds, settings, olivia, programme, coach, session_type
):
    # 0: the report computed on each request; 60: served from the cache once computed
    settings.TANDEM_ORGS_REPORT_CACHE_SECONDS = cache_seconds
    fund(programme, 900_000)
    populate(programme, coach, session_type, 5)
    client = client_of(olivia)
    for url in urls(programme):
        client.get(url)  # warm
    small = {url: _count(client, url) for url in urls(programme)}
    populate(programme, coach, session_type, 45)
    for url in urls(programme):
        client.get(url)  # warm again (a new fingerprint: computed once)
    large = {url: _count(client, url) for url in urls(programme)}
    assert small == large
    # the session, the user, the gate's lookup, the report's 6, and the pages' shared context
    assert max(small.values()) <= 16, small


def test_the_cached_report_follows_new_sessions_at_once(olivia, programme, coach, session_type):
    people = make_participants(programme, 5, coach)
    for person in people:
        sponsor(programme, person, session_type, days=-3)
    client = client_of(olivia)
    url = f"/api/v1/orgs/programmes/{programme.public_id}/report"
    assert client.get(url).json()["sessions"]["held"]["value"] == 5
    served = _count(client, url)  # from the cache
    for person in people:
        sponsor(programme, person, session_type, days=-2)
    assert client.get(url).json()["sessions"]["held"]["value"] == 10
    assert _count(client, url) == served  # from the cache again
    sponsor(programme, people[0], session_type, days=+2, status="confirmed")
    assert client.get(url).json()["sessions"]["upcoming"]["suppressed"] is True
