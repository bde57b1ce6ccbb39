"""The progress report PDF: what it holds (shared notes, never private ones or drafts; moods
only with consent, never journal text), who may download it (the pair; 404 for everyone
else, staff too), and bad periods (400, never a 500)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from tandem.booking.tests.conftest import make_coach, token_client
from tandem.payments.tests.test_documents_money import pdf_texts
from tandem.workspace.models import Engagement
from tandem.workspace.selectors.reports import report_period
from tandem.workspace.services.errors import EngagementNotFound, InvalidInput
from tandem.workspace.services.reports import report_pdf

from .report_setup import NOW, alice_and_bob

NEVER = [
    "Privatemarkerone",  # a private note
    "Draftmarkerone",  # an unsaved draft of a shared note
    "Draftmarkertwo",
    "Outsidemarker",  # a shared note of a session before the period
    "Journalmarker",  # journal text
    "Tagmarker",  # journal tags
    "Actionopenmarker",  # not done
]


def text_of(viewer, engagement, *, start="", end="") -> str:
    report = report_pdf(
        viewer=viewer, engagement_id=engagement.public_id, start=start, end=end, now=NOW
    )
    assert report.pdf.startswith(b"%PDF")
    return pdf_texts(report.pdf)


@pytest.fixture
def pair(alice, bob):
    return alice_and_bob(alice, bob)


def test_the_report_holds_goals_sessions_done_actions_and_shared_notes_only(pair, alice, bob):
    for viewer in (alice, bob):
        text = text_of(viewer, pair.engagement)
        for shown in (
            "Goalmarkerone",
            "Whymarker",
            "Milestonemarkerdone",
            "Milestonemarkeropen",
            "Goalmarkertwo",
            "Actiondonemarker",
            "Reflectionmarker",
            "Sharedmarkerone",
        ):
            assert shown in text, shown
        for hidden in NEVER:
            assert hidden not in text, hidden
        # Mood is not in it without the client's consent.
        assert "Daily average mood" not in text
        # Two sessions held in the last 90 days (not the cancelled, old or upcoming ones).
        assert text.count("Coaching session") == 2
        # A shared note under its month, starting with its session's day and time.
        assert "June 2026" in text
        assert re.search(r"^Fri 5, \d\d:00: Sharedmarkerone", text, re.MULTILINE)


def test_a_note_keeps_its_line_breaks(pair, bob):
    note = pair.engagement.notes.get(booking=pair.sessions["recent"], visibility="shared")
    note.body = "\n\nFirstline of the note\nSecondline of the note\n"
    note.save()
    text = text_of(bob, pair.engagement)
    assert re.search(r"^Fri 5, \d\d:00: Firstline of the note\nSecondline of the note$", text, re.M)


def test_mood_trend_only_with_consent_and_never_journal_text(pair, alice):
    Engagement.objects.filter(pk=pair.engagement.pk).update(mood_in_reports=True)
    pair.engagement.refresh_from_db()
    text = text_of(alice, pair.engagement)
    # The moods of the entries Bob shared with Alice only: day 8 (5); not days 2 (4, 2).
    assert "Daily average mood" in text and "1 day, average 5.0 of 5" in text
    for hidden in NEVER:
        assert hidden not in text, hidden


def test_a_period_selects_what_is_reported(pair, bob):
    # Only the session 200 days ago, and its shared note.
    day = (NOW - timedelta(days=200)).date()
    text = text_of(bob, pair.engagement, start=str(day), end=str(day + timedelta(days=1)))
    assert "Outsidemarker" in text
    assert "Sharedmarkerone" not in text and "Actiondonemarker" not in text
    assert text.count("Coaching session") == 1


def test_nobody_else_gets_it(pair, charlie, staff_user, db):
    from tandem.accounts.models import User

    dana = User.objects.create_user(email="dana@example.com", password="x" * 20)
    other = make_coach(dana, slug="dana")
    Engagement.objects.create(coach=other, client=pair.engagement.client)
    for stranger in (charlie, staff_user, dana):
        with pytest.raises(EngagementNotFound):
            report_pdf(viewer=stranger, engagement_id=pair.engagement.public_id, start="",
                       end="", now=NOW)  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("2026-13-01", "2026-06-01", "invalid_date"),
        ("yesterday", "", "invalid_date"),
        ("2026-06-01", "2026-05-01", "after_end"),
        ("2024-01-01", "2026-06-01", "period_too_long"),
        ("0001-01-01", "0001-01-02", "invalid_date"),
        ("2026-06-01\x00", "", "invalid_date"),
        ("2" * 5000, "", "invalid_date"),
    ],
)
def test_bad_periods_are_refused(start, end, code):
    with pytest.raises(InvalidInput) as refused:
        report_period(start, end, zone="Europe/Berlin", now=NOW)
    assert [code] in refused.value.fields.values()


def test_the_default_period_is_the_last_90_days_in_the_viewers_zone():
    period = report_period("", "", zone="Pacific/Kiritimati", now=NOW)
    assert str(period.end) == "2026-06-16"  # already tomorrow at UTC+14
    assert (period.end - period.start).days == 90
    two_years = report_period("2024-06-15", "2026-06-15", zone="UTC", now=NOW)
    assert (two_years.end - two_years.start).days == 730


# --- pages and API -------------------------------------------------------------------------


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


PERIOD = {"start": "2026-03-01", "end": "2026-06-15"}


def test_coach_and_client_download_it_from_the_page_and_the_api(pair, alice, bob, frozen):
    eid = pair.engagement.public_id
    for user in (alice, bob):
        page = page_client(user).get(f"/workspace/{eid}/report/")
        assert page.status_code == 200
        assert f'action="/workspace/{eid}/report.pdf"' in page.content.decode()
        assert 'value="2026-03-17"' in page.content.decode()  # 90 days back by default
        for response in (
            page_client(user).get(f"/workspace/{eid}/report.pdf", PERIOD),
            token_client(user).get(f"/api/v1/workspace/engagements/{eid}/report.pdf", PERIOD),
        ):
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"
            assert response["Cache-Control"] == "private, no-store"
            text = pdf_texts(response.content)
            assert "Sharedmarkerone" in text and "Privatemarkerone" not in text


def test_strangers_get_404_by_every_route(pair, charlie, staff_user, frozen):
    from tandem.accounts.models import User

    dana = User.objects.create_user(email="dana@example.com", password="x" * 20)
    Engagement.objects.create(coach=make_coach(dana, slug="dana"), client=pair.engagement.client)
    eid = pair.engagement.public_id
    for user in (charlie, staff_user, dana):
        assert page_client(user).get(f"/workspace/{eid}/report/").status_code == 404
        assert page_client(user).get(f"/workspace/{eid}/report.pdf", PERIOD).status_code == 404
        # a bad period too: 404 first, nothing to learn from the error
        bad = {"start": "nonsense"}
        assert page_client(user).get(f"/workspace/{eid}/report.pdf", bad).status_code == 404
        api = token_client(user)
        response = api.get(f"/api/v1/workspace/engagements/{eid}/report.pdf", PERIOD)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "engagement_not_found"
    api = token_client(charlie)
    assert api.get("/api/v1/workspace/engagements/not-a-uuid/report.pdf").status_code == 404
    anonymous = Client().get(f"/api/v1/workspace/engagements/{eid}/report.pdf")
    assert anonymous.status_code == 401
    assert Client().get(f"/workspace/{eid}/report.pdf").status_code == 302  # to sign in


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-02-30"},
        {"start": "2026-06-10", "end": "2026-06-01"},
        {"start": "2020-01-01", "end": "2026-06-01"},
        {"start": "\x00"},
        {"end": "9" * 40},
    ],
)
def test_bad_periods_answer_400_on_the_page_and_the_api(pair, bob, frozen, params):
    eid = pair.engagement.public_id
    page = page_client(bob).get(f"/workspace/{eid}/report.pdf", params)
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
    assert "field-errors" in page.content.decode() or "alert" in page.content.decode()
    api = token_client(bob).get(f"/api/v1/workspace/engagements/{eid}/report.pdf", params)
    assert api.status_code == 400
    assert api.json()["error"]["code"] in {"invalid", "bad_request"}


def test_an_ended_engagement_still_has_its_report(pair, bob):
    # Ended is read-only, and a report only reads.
    Engagement.objects.filter(pk=pair.engagement.pk).update(state=Engagement.State.ENDED)
    assert "Sharedmarkerone" in text_of(bob, pair.engagement)
