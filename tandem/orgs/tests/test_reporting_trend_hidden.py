"""The dashboard's "Sessions held per month": hidden months are marked as hidden, with the
reason in words next to the chart, never drawn as a gap a reader takes for no activity; with
no month shown, the note replaces the chart. The table stays the source of truth."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from tandem.orgs.models import Programme

from .conftest import NOW
from .test_reporting_selectors import make_participants, sponsor


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def dashboard(user, programme: Programme) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/org/programmes/{programme.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


def chart_data(html: str) -> dict | None:
    found = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


def note(html: str) -> str:
    found = re.search(r'id="trend-hidden-note">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", found.group(1)).replace("&#x27;", "'") if found else ""


def test_hidden_months_are_marked_and_explained_next_to_the_chart(
    olivia, programme, coach, session_type
):
    people = make_participants(programme, 6, coach)
    for person in people:  # February 2030: 6 people
        sponsor(programme, person, session_type, days=-20)
    for person in people[:3]:  # January: 3 people
        sponsor(programme, person, session_type, days=-50)
    html = dashboard(olivia, programme)
    data = chart_data(html)
    assert data is not None
    assert data["labels"] == ["Jan 2030", "Feb 2030", "Mar 2030"]
    assert data["datasets"][0]["values"] == [None, None, 0]
    assert data["hidden"] == [0, 1] and data["integer"] is True
    assert note(html) == (
        "Jan 2030 and Feb 2030 are hidden, not zero: Jan 2030 had sessions of fewer than 5 "
        "people; Feb 2030 is withheld so that month cannot be worked out from the total held."
    )
    # the table says the same, month by month
    table = html[html.index('id="trend-table"') :]
    assert table.index("fewer than 5") < table.index("withheld")
    assert 'data-figure="held">9<' in html


def test_no_month_shown_gives_the_note_instead_of_an_empty_chart(
    olivia, northwind, coach, session_type
):
    from .conftest import make_programme

    programme = make_programme(northwind, starts_on=date(2030, 3, 1))
    people = make_participants(programme, 6, coach)
    for person in people:
        sponsor(programme, person, session_type, days=2, status="confirmed")
    for person in people[:3]:  # March: 3 people held sessions
        sponsor(programme, person, session_type, days=-1)
    html = dashboard(olivia, programme)
    assert chart_data(html) is None
    assert 'data-report-chart="trend-data"' not in html
    assert note(html) == (
        "No month's figure can be shown yet. Mar 2030 is hidden, not zero: Mar 2030 had "
        "sessions of fewer than 5 people."
    )
    assert 'id="trend-table"' in html


def test_every_month_shown_has_no_note(olivia, programme, coach, session_type):
    people = make_participants(programme, 5, coach)
    for days in (-50, -20, -1):
        for person in people:
            sponsor(programme, person, session_type, days=days)
    html = dashboard(olivia, programme)
    data = chart_data(html)
    assert data is not None and data["hidden"] == []
    assert data["datasets"][0]["values"] == [5, 5, 5]
    assert 'id="trend-hidden-note"' not in html
