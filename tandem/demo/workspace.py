"""Demo workspace for `seed_demo`: Alice and Bob's engagement with two goals (one with
milestones, one with weekly check-ins), private and shared notes with versions on their past
sessions, open (one due soon, one overdue) and done action items, a month of Bob's journal
(moods, tags, prompts, a few entries shared with Alice, mood trend in reports agreed); Priya
with a paused client (Charlie).

Engagements come from the engagement service (the same one bookings call); the dated rows
are written directly (the services only accept "now" for dates), then put in their owners'
blind index through the search service so the demo's search finds them. Dates are relative
to the seed's now. Converges like the rest of the demo: each piece is made only when missing.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Min

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile
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
    SessionNote,
)
from tandem.workspace.services import search
from tandem.workspace.services.engagements import engagement_follow_booking

SHARED, PRIVATE = SessionNote.Visibility.SHARED, SessionNote.Visibility.PRIVATE

# (private note, shared note: first version, shared note: saved again after the session)
NOTES = [
    (
        "Bob is anxious about the first skip-level. Underneath: fear of being seen as not "
        "technical enough any more. Watch for perfectionism.",
        "Goal: hand over the weekly release.\nReality: Bob still runs it himself.",
        "Goal: hand over the weekly release to the team by next month.\n"
        "Reality: Bob still runs it himself every Thursday.\n"
        "Options: pair with Mia twice, write the checklist, then step back.\n"
        "Will: write the release checklist before the next session.",
    ),
    (
        "Energy much better. Still says 'I'll just do it quickly' about code reviews. "
        "Next time: explore what 'quickly' costs him.",
        "Feedback within a day: tried it twice this week.",
        "Feedback within a day: tried it twice this week, both went well.\n"
        "Next: one piece of corrective feedback, using situation-behaviour-impact.",
    ),
]

JOURNAL_TAGS = [["work"], ["team", "feedback"], ["sleep"], ["work", "delegation"], ["family"]]
JOURNAL_TEXT = [
    "Long day. Ran the release again myself because it was faster. It wasn't, really.",
    "Gave Mia feedback on her design doc the same afternoon. She seemed glad of it.",
    "Slept badly, too much on my mind. Wrote the worries down and it helped a bit.",
    "Mia ran the release with the checklist! Two questions, no problems. I only watched.",
    "Quiet weekend, no laptop. Felt strange, then good.",
    "One-to-ones all day. Listening more than talking is harder than it sounds.",
]
SHARED_DAYS = {3, 10, 17, 24}  # days back of the entries Bob shares with Alice
PROMPTED = {2: "builtin:went-well", 9: "builtin:feedback", 16: "builtin:energy"}


def seed_workspace(
    users: dict[str, User], profiles: dict[str, CoachProfile], now: datetime
) -> None:
    alice, bob = profiles["alice"], users["bob"]
    _every_booked_pair(now)
    engagement = engagement_follow_booking(coach_id=alice.pk, client_id=bob.pk, now=now)
    if engagement is None:
        return
    if not engagement.tags.exists():
        EngagementTag.objects.create(engagement=engagement, name="engineering manager")
    if not engagement.mood_in_reports:
        # Bob agreed to the mood trend in his progress reports (the demo shows it).
        Engagement.objects.filter(pk=engagement.pk).update(mood_in_reports=True)
    today = now.astimezone(ZoneInfo(bob.timezone)).date()
    goals = _goals(engagement, bob, now, today)
    _notes(engagement, now)
    _actions(engagement, bob, goals, now, today)
    _journal(engagement, bob, now)
    _paused_client(profiles["priya"], users["charlie"], now)


def _goals(engagement: Engagement, bob: User, now: datetime, today: date) -> list[Goal]:
    existing = list(engagement.goals.order_by("created_at", "pk"))
    if existing:
        return existing
    started = now - timedelta(days=28)
    release = Goal.objects.create(
        engagement=engagement,
        title="Hand over the weekly release to the team",
        why="It eats every Thursday, and the team should own what they ship.",
        measure="Two releases in a row run by someone else, with me not in the channel.",
        target_date=today + timedelta(days=30),
        created_by=engagement.coach.user,
        created_at=started,
        updated_at=now,
    )
    done = [now - timedelta(days=20), now - timedelta(days=6)]
    for position, (title, due, done_at) in enumerate(
        [
            ("Write the release checklist", today - timedelta(days=18), done[0]),
            ("Mia runs a release while I watch", today - timedelta(days=5), done[1]),
            ("Skip a release entirely", today + timedelta(days=10), None),
        ]
    ):
        Milestone.objects.create(
            goal=release, title=title, due_date=due, done_at=done_at, position=position,
            created_at=started,
        )  # fmt: skip
    release.progress = round(100 * 2 / 3)  # milestones done / all (what the services derive)
    release.save(update_fields=["progress"])

    feedback = Goal.objects.create(
        engagement=engagement,
        title="Give feedback within a day, not a week",
        why="Late feedback is a surprise; early feedback is a conversation.",
        measure="How often this week feedback went out the same or the next day (0-100).",
        created_by=bob,
        created_at=started,
        updated_at=now,
    )
    for weeks, value, note in [
        (4, 15, "Mostly saving it up for one-to-ones."),
        (3, 30, "Did it twice, felt awkward."),
        (2, 45, ""),
        (1, 60, "Most feedback went out the same day."),
    ]:
        at = now - timedelta(weeks=weeks) + timedelta(days=1)
        CheckIn.objects.create(goal=feedback, author=bob, progress=value, note=note, created_at=at)
    feedback.progress = 60  # the last check-in (no milestones)
    feedback.save(update_fields=["progress"])
    return [release, feedback]


def _notes(engagement: Engagement, now: datetime) -> None:
    coach = engagement.coach.user
    past = Booking.objects.filter(
        coach_id=engagement.coach_id,
        client_id=engagement.client_id,
        status=Booking.Status.COMPLETED,
        end__lte=now,
    ).order_by("start")
    for booking, (private, first, second) in zip(past, NOTES, strict=False):
        for visibility, versions in ((PRIVATE, [private]), (SHARED, [first, second])):
            if SessionNote.objects.filter(booking=booking, visibility=visibility).exists():
                continue
            at = booking.end + timedelta(minutes=10)
            note = SessionNote.objects.create(
                engagement=engagement, booking=booking, visibility=visibility,
                template="grow" if visibility == SHARED else "", body=versions[-1],
                version=len(versions), created_at=at,
                updated_at=at + timedelta(hours=len(versions) - 1),
            )  # fmt: skip
            NoteVersion.objects.bulk_create(
                NoteVersion(
                    note=note,
                    number=n,
                    body=body,
                    author=coach,
                    created_at=at + timedelta(hours=n - 1),
                )
                for n, body in enumerate(versions, start=1)
            )
            search.index(owner=coach, kind="note", object_id=note.pk, text=note.body)


def _actions(
    engagement: Engagement, bob: User, goals: list[Goal], now: datetime, today: date
) -> None:
    if engagement.action_items.exists():
        return
    coach = engagement.coach.user
    release = goals[0] if goals else None
    feedback = goals[1] if len(goals) > 1 else None
    plan = [
        ("Write the release checklist", bob, release, today - timedelta(days=19),
         now - timedelta(days=20), "Took an hour. Should have done it a year ago."),
        ("Ask Mia if she wants to run a release", bob, release, today - timedelta(days=9),
         now - timedelta(days=10), "She said yes before I finished the question."),
        ("One piece of corrective feedback, same day", bob, feedback, today + timedelta(days=1),
         None, ""),
        ("Block Thursday afternoon for deep work", bob, None, today - timedelta(days=3),
         None, ""),
        ("Send Bob the article on situation-behaviour-impact", coach, feedback,
         today + timedelta(days=6), None, ""),
    ]  # fmt: skip
    for title, assignee, goal, due, done_at, reflection in plan:
        item = ActionItem.objects.create(
            engagement=engagement, title=title, assignee=assignee, created_by=coach, goal=goal,
            due_date=due, status=ActionItem.Status.DONE if done_at else ActionItem.Status.OPEN,
            done_at=done_at, reflection=reflection,
            created_at=now - timedelta(days=21), updated_at=done_at or now - timedelta(days=21),
        )  # fmt: skip
        search.index(owner=assignee, kind="action", object_id=item.pk, text=title)


def _journal(engagement: Engagement, bob: User, now: datetime) -> None:
    if JournalEntry.objects.filter(author=bob).exists():
        return
    assigned = JournalPrompt.objects.create(
        engagement=engagement,
        text="Which decision did you hand to the team this week, and how did it feel?",
        created_at=now - timedelta(days=14),
        answered_at=now - timedelta(days=6),
    )
    moods = [3, 2, 4, 3, 4, 5, 3, 2, 3, 4, 4, 5, 4, 3]
    for days in range(30, 0, -1):
        if days % 7 == 5:  # a few days without an entry, as in a real month
            continue
        tags = JOURNAL_TAGS[days % len(JOURNAL_TAGS)]
        entry = JournalEntry.objects.create(
            author=bob,
            body=JOURNAL_TEXT[days % len(JOURNAL_TEXT)],
            mood=moods[days % len(moods)],
            tags=json.dumps(tags),
            builtin_prompt=PROMPTED.get(days, ""),
            prompt=assigned if days == 6 else None,
            written_at=now - timedelta(days=days, hours=-20),
            updated_at=now - timedelta(days=days, hours=-20),
        )
        if days in SHARED_DAYS:
            JournalShare.objects.create(
                entry=entry, engagement=engagement, shared_at=entry.written_at
            )
        search.index(
            owner=bob, kind="journal", object_id=entry.pk, text=entry.body + "\n" + " ".join(tags)
        )


HELD_STATUSES = (*Booking.ACTIVE_STATUSES, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)


def _every_booked_pair(now: datetime) -> None:
    """The seed writes bookings to the tables directly, so booking's signal that starts an
    engagement never fired: start one for every pair that has a booking, as it would have,
    dated from the pair's first booking."""
    pairs = (
        Booking.objects.filter(status__in=HELD_STATUSES)
        .values("coach_id", "client_id")
        .annotate(first=Min("created_at"))
    )
    for pair in pairs:
        engagement = engagement_follow_booking(
            coach_id=pair["coach_id"], client_id=pair["client_id"], now=now
        )
        if engagement is not None and engagement.started_at > pair["first"]:
            Engagement.objects.filter(pk=engagement.pk).update(
                started_at=pair["first"], state_changed_at=pair["first"]
            )


def _paused_client(priya: CoachProfile, charlie: User, now: datetime) -> None:
    engagement = engagement_follow_booking(coach_id=priya.pk, client_id=charlie.pk, now=now)
    if engagement is None or engagement.tags.exists():
        return
    # Once, on the first seed: a client who paused after the intro call (the coach may resume).
    EngagementTag.objects.create(engagement=engagement, name="career change")
    Engagement.objects.filter(pk=engagement.pk).update(
        state=Engagement.State.PAUSED, state_changed_at=now - timedelta(days=3), updated_at=now
    )


# --- a large client file (bench/workspace_bench.py, the query-count tests) -------------------


def bulk_client_file(
    engagement: Engagement,
    *,
    now: datetime,
    sessions: int = 300,
    goals: int = 40,
    notes: int = 600,
    entries: int = 1000,
    actions: int = 200,
    share_every: int = 5,
    upcoming: bool = True,
) -> None:
    """Fill an engagement with many rows in a few bulk inserts: `sessions` completed
    bookings (one a day back from yesterday, and one upcoming if `upcoming`), `notes` notes
    on them (shared and private alternately, up to two per session, one version each),
    `goals` goals (every other one with three milestones, the rest with check-ins),
    `actions` action items and `entries` journal entries of the client (every
    `share_every`-th shared)."""
    coach, client = engagement.coach, engagement.client
    session_type = coach.session_types.order_by("pk").first()
    if session_type is None:
        raise ValueError("the coach needs a session type")
    length = timedelta(minutes=session_type.duration_minutes)
    first = (now - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    starts = [first - timedelta(days=n) for n in range(sessions)]

    def booking(start: datetime, status: str) -> Booking:
        return Booking(
            coach=coach, client=client, session_type=session_type, start=start,
            end=start + length, blocked_start=start, blocked_end=start + length, status=status,
            price=session_type.price, currency=session_type.currency,
            created_at=start - timedelta(days=7), updated_at=start,
        )  # fmt: skip

    made = Booking.objects.bulk_create(booking(s, Booking.Status.COMPLETED) for s in starts)
    if upcoming:
        Booking.objects.bulk_create([booking(first + timedelta(days=3), Booking.Status.CONFIRMED)])
    # Newest first (bulk_create sets primary keys on SQLite and PostgreSQL).
    held = sorted(made, key=lambda b: b.start, reverse=True)
    note_rows = []
    for n in range(min(notes, 2 * len(held))):
        target = held[n // 2]
        visibility = SHARED if n % 2 == 0 else PRIVATE
        note_rows.append(
            SessionNote(
                engagement=engagement,
                booking=target,
                visibility=visibility,
                body=f"{visibility} note {n}: what we talked about, and what comes next.",
                version=1,
                created_at=target.end,
                updated_at=target.end,
            )
        )
    SessionNote.objects.bulk_create(note_rows)
    NoteVersion.objects.bulk_create(
        NoteVersion(note=note, number=1, body=note.body, author=coach.user, created_at=now)
        for note in note_rows
    )

    goal_rows = Goal.objects.bulk_create(
        Goal(
            engagement=engagement,
            title=f"Goal {n}",
            why="Because it matters.",
            measure="A number.",
            progress=(n * 7) % 101,
            created_by=client,
            created_at=now - timedelta(days=200 - n),
            updated_at=now,
        )
        for n in range(goals)
    )
    Milestone.objects.bulk_create(
        Milestone(
            goal=goal,
            title=f"Milestone {m}",
            position=m,
            done_at=now - timedelta(days=10 * m) if m < 2 else None,
        )
        for goal in goal_rows[::2]
        for m in range(3)
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            goal=goal,
            author=client,
            progress=min(100, 10 * c),
            note="fine",
            created_at=now - timedelta(days=7 * (5 - c)),
        )
        for goal in goal_rows[1::2]
        for c in range(5)
    )
    ActionItem.objects.bulk_create(
        ActionItem(
            engagement=engagement,
            title=f"Action {n}",
            assignee=client,
            created_by=coach.user,
            goal=goal_rows[n % len(goal_rows)] if goal_rows else None,
            due_date=(now + timedelta(days=n % 30 - 10)).date(),
            status=ActionItem.Status.DONE if n % 3 == 0 else ActionItem.Status.OPEN,
            done_at=now - timedelta(days=n % 60) if n % 3 == 0 else None,
            created_at=now - timedelta(days=90),
        )
        for n in range(actions)
    )
    written = JournalEntry.objects.bulk_create(
        JournalEntry(
            author=client,
            body=f"Entry {n}: the day, in a few sentences.",
            mood=1 + n % 5,
            tags=json.dumps(["work", f"tag{n % 7}"]),
            written_at=now - timedelta(hours=12 * n + 1),
            updated_at=now,
        )
        for n in range(entries)
    )
    JournalShare.objects.bulk_create(
        JournalShare(entry=entry, engagement=engagement, shared_at=entry.written_at)
        for i, entry in enumerate(written)
        if i % share_every == 0
    )
