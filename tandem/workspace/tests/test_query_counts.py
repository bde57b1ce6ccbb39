"""The client file, its mirror and the workspace API lists answer in a number of SQL queries
that does not grow with the data (timings live in bench/workspace_bench.py, not here).

Covered (each measured with a small client file, then again after many more rows of every
kind were added; the counts must be equal):
- pages: /coach/clients/<id>/ (Alice, the coach) and /workspace/<id>/ (Bob, the client);
- API GETs: /workspace/engagements, /workspace/engagements/{id}, .../goals, .../notes,
  .../action-items, /workspace/action-items, /workspace/journal/entries (Bob's own, and as
  the coach), /workspace/journal/insights;
- the progress report's data (selectors.reports.report_data).
A route that is not there answers 404, and the test fails: every route above exists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.booking.tests.conftest import make_coach, make_type
from tandem.demo.workspace import bulk_client_file
from tandem.workspace.models import Engagement
from tandem.workspace.selectors.reports import report_data, report_period

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
SMALL: dict[str, Any] = {"sessions": 3, "goals": 2, "notes": 4, "entries": 6, "actions": 3}
MORE: dict[str, Any] = {"sessions": 25, "goals": 12, "notes": 40, "entries": 60, "actions": 30}

PAGES = [
    ("coach", "/coach/clients/{eid}/"),
    ("client", "/workspace/{eid}/"),
]
API = [
    ("coach", "/api/v1/workspace/engagements"),
    ("client", "/api/v1/workspace/engagements"),
    ("coach", "/api/v1/workspace/engagements/{eid}"),
    ("client", "/api/v1/workspace/engagements/{eid}"),
    ("coach", "/api/v1/workspace/engagements/{eid}/goals"),
    ("client", "/api/v1/workspace/engagements/{eid}/goals"),
    ("coach", "/api/v1/workspace/engagements/{eid}/notes"),
    ("client", "/api/v1/workspace/engagements/{eid}/notes"),
    ("coach", "/api/v1/workspace/engagements/{eid}/action-items"),
    ("client", "/api/v1/workspace/engagements/{eid}/action-items"),
    ("client", "/api/v1/workspace/action-items"),
    ("client", "/api/v1/workspace/journal/entries"),
    ("coach", "/api/v1/workspace/journal/entries"),
    ("client", "/api/v1/workspace/journal/insights"),
]


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def engagement(alice, bob, frozen) -> Engagement:
    coach = make_coach(alice, slug="alice")
    make_type(coach)
    engagement = Engagement.objects.create(coach=coach, client=bob, started_at=NOW)
    bulk_client_file(engagement, now=NOW, **SMALL)
    return Engagement.objects.select_related("coach__user", "client").get(pk=engagement.pk)


def queries(user, url: str) -> int:
    client = Client()
    client.force_login(user)
    client.get(url)  # warm: sessions, caches and content types are not what is measured
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def measure(engagement: Engagement, routes) -> dict[tuple[str, str], int]:
    users = {"coach": engagement.coach.user, "client": engagement.client}
    return {
        (role, url): queries(users[role], url.format(eid=engagement.public_id))
        for role, url in routes
    }


def grow(engagement: Engagement) -> None:
    bulk_client_file(engagement, now=NOW, upcoming=False, **MORE)


def test_the_client_file_and_its_mirror_do_not_grow_with_the_data(engagement):
    before = measure(engagement, PAGES)
    grow(engagement)
    assert measure(engagement, PAGES) == before


def test_the_workspace_api_reads_do_not_grow_with_the_data(engagement):
    before = measure(engagement, API)
    grow(engagement)
    assert measure(engagement, API) == before


def test_the_progress_reports_data_does_not_grow_with_the_data(engagement):
    engagement.mood_in_reports = True
    period = report_period("2025-06-16", "2026-06-15", zone="UTC", now=NOW)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            report_data(engagement, period, now=NOW)
        return len(captured)

    before = count()
    grow(engagement)
    assert count() == before
