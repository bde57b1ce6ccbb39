"""The org admin's card on /dashboard/: the organisations' running programmes with seats
used (a count of people: from 5) and budget left, linking to each programme's dashboard;
the same queries for one programme or five."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.orgs.models import Programme

from .conftest import NOW, make_programme
from .test_reporting_selectors import fund, make_participants


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def card(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    return html.split('id="dashboard-usage"')[1].split('id="staff-title"')[0]


def test_running_programmes_with_seats_and_budget(olivia, programme, coach, gus):
    fund(programme, 250_000)
    people = make_participants(programme, 6, coach)
    small = make_programme(programme.organisation, name="Pilot 2030", seats=8)
    make_participants(small, 3, coach, prefix="s")
    make_programme(programme.organisation, name="Old one", status=Programme.Status.ENDED)
    html = card(olivia)
    assert f'href="/org/programmes/{programme.public_id}/"' in html
    assert "Leadership 2030" in html and "Pilot 2030" in html and "Old one" not in html
    assert 'Seats used</dt><dd class="col-5 mb-1 text-end">6 of 20<' in html
    assert "fewer than 5</span> of 8" in html
    assert "2,500.00" in html or "2500.00" in html
    for person in people:
        assert person.name not in html and person.email not in html
    assert "Leadership 2030" not in card(gus)


def test_an_organisation_without_a_running_programme_says_how_to_start_one(olivia, northwind):
    html = card(olivia)
    assert "No programme is running" in html
    assert f'href="/org/{northwind.public_id}/programmes/new/"' in html


def _queries(user) -> int:
    client = Client()
    client.force_login(user)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/dashboard/").status_code == 200
    return len(ctx.captured_queries)


def test_the_card_costs_the_same_for_one_programme_or_five(olivia, programme, coach):
    make_participants(programme, 5, coach)
    one = _queries(olivia)
    for i in range(4):
        other = make_programme(programme.organisation, name=f"Programme {i}")
        make_participants(other, 5, coach, prefix=f"x{i}")
        fund(other, 1000)
    assert _queries(olivia) == one
