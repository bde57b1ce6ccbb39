"""The demo workspace: Alice and Bob's engagement with goals, notes, action items and a month
of Bob's journal; Priya with a paused client. Loaded twice, it converges."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tandem.workspace.models import (
    ActionItem,
    CheckIn,
    Engagement,
    EngagementTag,
    Goal,
    JournalEntry,
    JournalPrompt,
    JournalShare,
    Milestone,
    NoteVersion,
    SearchTerm,
    SessionNote,
)

MODELS = [
    Engagement,
    EngagementTag,
    Goal,
    Milestone,
    CheckIn,
    SessionNote,
    NoteVersion,
    ActionItem,
    JournalPrompt,
    JournalEntry,
    JournalShare,
    SearchTerm,
]


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def alice_and_bob() -> Engagement:
    return Engagement.objects.select_related("client").get(
        coach__user__email="alice@tandem.local", client__email="bob@tandem.local"
    )


def test_the_workspace_demo_converges(db):
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["Engagement"] >= 2


def test_alice_and_bob_have_goals_notes_and_action_items(db):
    seed()
    engagement = alice_and_bob()
    now = timezone.now()
    assert engagement.state == Engagement.State.ACTIVE and engagement.mood_in_reports
    goals = list(engagement.goals.prefetch_related("milestones", "checkins"))
    assert len(goals) == 2
    with_milestones = [g for g in goals if g.milestones.exists()]
    assert len(with_milestones) == 1
    milestones = list(with_milestones[0].milestones.all())
    done = [m for m in milestones if m.done_at]
    assert 0 < len(done) < len(milestones)
    assert with_milestones[0].progress == round(100 * len(done) / len(milestones))
    checkins = [c for g in goals for c in g.checkins.all()]
    assert len(checkins) >= 3 and all(c.created_at < now for c in checkins)
    assert len({c.created_at.isocalendar()[1] for c in checkins}) >= 3  # over past weeks

    # notes on past sessions only, private and shared, some with several versions
    notes = list(engagement.notes.select_related("booking"))
    assert {n.visibility for n in notes} == {"private", "shared"}
    assert all(n.booking.end <= now for n in notes)
    assert any(n.versions.count() > 1 for n in notes)
    assert all(n.versions.count() == n.version for n in notes)

    # action items: open and done, one due soon and one overdue
    today = now.astimezone(ZoneInfo(engagement.client.timezone)).date()
    items = list(engagement.action_items.all())
    open_items = [i for i in items if i.status == "open"]
    assert any(i.status == "done" and i.reflection for i in items)
    assert any(i.due_date and today <= i.due_date <= today + timedelta(days=2) for i in open_items)
    assert any(i.due_date and i.due_date < today for i in open_items)


def test_a_month_of_bobs_journal_with_moods_tags_prompts_and_a_few_shares(db):
    seed()
    engagement = alice_and_bob()
    entries = list(JournalEntry.objects.filter(author=engagement.client))
    now = timezone.now()
    assert 20 <= len(entries) <= 31
    assert all(now - timedelta(days=31) <= e.written_at <= now for e in entries)
    assert all(e.mood and 1 <= e.mood <= 5 for e in entries)
    assert all(e.tags.startswith("[") for e in entries)
    assert any(e.builtin_prompt for e in entries) and any(e.prompt_id for e in entries)
    shared = JournalShare.objects.filter(engagement=engagement).count()
    assert 0 < shared < len(entries) / 2
    # encrypted at rest: the text is not in the table
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, tags FROM workspace_journalentry")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert "release" not in stored and "delegation" not in stored


def test_priya_has_a_paused_client(db):
    seed()
    paused = Engagement.objects.filter(coach__user__email="priya@tandem.local", state="paused")
    assert paused.count() == 1


def test_a_demo_progress_report_has_the_shared_notes_and_not_the_private_ones(db):
    from tandem.payments.tests.test_documents_money import pdf_texts
    from tandem.workspace.services.reports import report_pdf

    seed()
    engagement = alice_and_bob()
    report = report_pdf(
        viewer=engagement.client, engagement_id=engagement.public_id, start="", end="",
        now=timezone.now(),
    )  # fmt: skip
    text = pdf_texts(report.pdf)
    assert "Hand over the weekly release" in text
    assert "Daily average mood" in text
    assert "perfectionism" not in text and "quickly' costs" not in text
