"""A small engagement of Alice (coach) and Bob (client) with one thing of each kind, and
marker texts that must or must not reach a progress report (used by test_reports_*.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.workspace.models import (
    ActionItem,
    CheckIn,
    Engagement,
    Goal,
    JournalEntry,
    JournalShare,
    Milestone,
    NoteVersion,
    SessionNote,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
S = Booking.Status


@dataclass
class Pair:
    engagement: Engagement
    sessions: dict[str, Booking]


def booking(coach, client, session_type, start: datetime, status: str) -> Booking:
    end = start + timedelta(hours=1)
    return Booking.objects.create(
        coach=coach,
        client=client,
        session_type=session_type,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=status,
        price=session_type.price,
        currency=session_type.currency,
        created_at=start - timedelta(days=7),
        updated_at=start - timedelta(days=7),
    )


def note(engagement, booking_row, visibility: str, body: str, *, draft: str = "") -> SessionNote:
    saved = SessionNote.objects.create(
        engagement=engagement,
        booking=booking_row,
        visibility=visibility,
        body=body,
        draft=draft,
        version=1 if body else 0,
        created_at=booking_row.end,
        updated_at=booking_row.end,
    )
    if body:
        NoteVersion.objects.create(
            note=saved,
            number=1,
            body=body,
            author=engagement.coach.user,
            created_at=booking_row.end,
        )
    return saved


def alice_and_bob(alice, bob, *, mood_in_reports: bool = False) -> Pair:
    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    engagement = Engagement.objects.create(
        coach=coach,
        client=bob,
        started_at=NOW - timedelta(days=300),
        mood_in_reports=mood_in_reports,
    )
    sessions = {
        "recent": booking(coach, bob, session_type, NOW - timedelta(days=10), S.COMPLETED),
        "older": booking(coach, bob, session_type, NOW - timedelta(days=40), S.CONFIRMED),
        "cancelled": booking(coach, bob, session_type, NOW - timedelta(days=20), S.CANCELLED),
        "outside": booking(coach, bob, session_type, NOW - timedelta(days=200), S.COMPLETED),
        "upcoming": booking(coach, bob, session_type, NOW + timedelta(days=5), S.CONFIRMED),
    }
    shared, private = SessionNote.Visibility.SHARED, SessionNote.Visibility.PRIVATE
    note(engagement, sessions["recent"], shared, "Sharedmarkerone about delegation",
         draft="Draftmarkerone unsaved")  # fmt: skip
    note(engagement, sessions["recent"], private, "Privatemarkerone the coach's own thoughts")
    note(engagement, sessions["older"], shared, "", draft="Draftmarkertwo never saved")
    note(engagement, sessions["outside"], shared, "Outsidemarker from long ago")

    with_milestones = Goal.objects.create(
        engagement=engagement, title="Goalmarkerone lead the team", why="Whymarker",
        progress=50, created_at=NOW - timedelta(days=100),
    )  # fmt: skip
    Milestone.objects.create(goal=with_milestones, title="Milestonemarkerdone", position=0,
                             done_at=NOW - timedelta(days=30))  # fmt: skip
    Milestone.objects.create(goal=with_milestones, title="Milestonemarkeropen", position=1)
    with_checkins = Goal.objects.create(
        engagement=engagement, title="Goalmarkertwo sleep better", progress=70,
        created_at=NOW - timedelta(days=100),
    )  # fmt: skip
    for days, value in ((60, 20), (30, 50), (5, 70)):
        at = NOW - timedelta(days=days)
        CheckIn.objects.create(
            goal=with_checkins, author=bob, progress=value, note="Checkinnote", created_at=at
        )

    ActionItem.objects.create(
        engagement=engagement, title="Actiondonemarker", assignee=bob, created_by=alice,
        status=ActionItem.Status.DONE, done_at=NOW - timedelta(days=3),
        reflection="Reflectionmarker",
    )  # fmt: skip
    ActionItem.objects.create(engagement=engagement, title="Actionopenmarker", assignee=bob,
                              created_by=alice)  # fmt: skip

    for days, mood in ((2, 4), (2, 2), (8, 5)):
        entry = JournalEntry.objects.create(
            author=bob, body="Journalmarker very personal", tags='["Tagmarker"]', mood=mood,
            written_at=NOW - timedelta(days=days),
        )  # fmt: skip
    JournalShare.objects.create(entry=entry, engagement=engagement)
    return Pair(engagement, sessions)
