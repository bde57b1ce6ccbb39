"""Workspace reads: the progress report of an engagement over a period.

What a report may hold, and nothing else: goals with progress, milestones and check-in values;
sessions held; action items done; SHARED notes' saved text (never a private note, never a
draft); and, only when the client consented (Engagement.mood_in_reports), the daily average
of the mood NUMBERS of the journal entries the client shared with this coach (the privacy
tier of an unshared entry covers its mood too, and the coach's journal insights are over
shared entries as well); never an entry's text or tags.

A fixed number of queries whatever the counts (prefetches, no per-row queries).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, Q

from tandem.booking.models import Booking

from ..models import ActionItem, CheckIn, Engagement, Goal, JournalEntry, Milestone, SessionNote
from ..services.errors import InvalidInput

DEFAULT_DAYS = 90
# Two years, a leap day included.
MAX_DAYS = 731
HELD = Q(status=Booking.Status.COMPLETED) | Q(status=Booking.Status.CONFIRMED)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive
    zone: ZoneInfo

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def end_before(self) -> datetime:
        """The first instant after the period (its last day included)."""
        next_day = self.end + timedelta(days=1)
        return datetime.combine(next_day, time(), tzinfo=self.zone).astimezone(UTC)


@dataclass(slots=True)
class GoalReport:
    goal: Goal
    milestones: list[Milestone]
    # (when, progress 0-100) inside the period, oldest first: milestones done (cumulative
    # share) for a goal with milestones, else check-ins.
    points: list[tuple[datetime, int]] = field(default_factory=list)


@dataclass(slots=True)
class ReportData:
    engagement: Engagement
    period: Period
    now: datetime
    goals: list[GoalReport]
    sessions: list[Booking]
    actions_done: list[ActionItem]
    shared_notes: list[SessionNote]
    # Daily average moods (only with the client's consent; None without it).
    mood: list[tuple[date, float]] | None


def _parse_day(value: Any, name: str) -> date:
    text = str(value or "").strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    # Far years would overflow when made into instants in a zone.
    if day is None or not 1970 <= day.year <= 2999:
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD.", fields={name: ["invalid_date"]})
    return day


def report_period(start: Any, end: Any, *, zone: str, now: datetime) -> Period:
    """The period asked for: both ends given, or the last 90 days ending today (in the
    viewer's zone). At most two years, start not after end; anything else is InvalidInput."""
    try:
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        tz = ZoneInfo("UTC")
    today = now.astimezone(tz).date()
    end_day = _parse_day(end, "end") if end else today
    start_day = _parse_day(start, "start") if start else end_day - timedelta(days=DEFAULT_DAYS)
    if start_day > end_day:
        raise InvalidInput("The start must not be after the end.", fields={"start": ["after_end"]})
    if (end_day - start_day).days > MAX_DAYS:
        raise InvalidInput(
            "A report covers at most two years.", fields={"start": ["period_too_long"]}
        )
    return Period(start_day, end_day, tz)


def _goal_reports(engagement: Engagement, period: Period) -> list[GoalReport]:
    checkins = CheckIn.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_before
    ).order_by("created_at", "pk")
    goals = (
        Goal.objects.filter(engagement=engagement, created_at__lt=period.end_before)
        .order_by("created_at", "pk")
        .prefetch_related(
            "milestones",
            Prefetch("checkins", queryset=checkins, to_attr="period_checkins"),
        )
    )
    reports = []
    for goal in goals:
        milestones = list(goal.milestones.all())
        points: list[tuple[datetime, int]] = []
        if milestones:
            done = sorted(m.done_at for m in milestones if m.done_at is not None)
            for n, at in enumerate(done, start=1):
                if period.start_at <= at < period.end_before:
                    points.append((at, round(100 * n / len(milestones))))
        else:
            points = [(c.created_at, c.progress) for c in goal.period_checkins]
        reports.append(GoalReport(goal, milestones, points))
    return reports


def _mood(engagement: Engagement, period: Period) -> list[tuple[date, float]]:
    # Only the two clear columns are read: the entry's text and tags never leave the table.
    rows = JournalEntry.objects.filter(
        author_id=engagement.client_id,
        shares__engagement=engagement,
        mood__isnull=False,
        written_at__gte=period.start_at,
        written_at__lt=period.end_before,
    ).values_list("written_at", "mood")
    by_day: dict[date, list[int]] = defaultdict(list)
    for written_at, mood in rows:
        if mood is None:  # excluded above; for the type checker
            continue
        by_day[written_at.astimezone(period.zone).date()].append(mood)
    return [(day, sum(v) / len(v)) for day, v in sorted(by_day.items())]


def report_data(engagement: Engagement, period: Period, *, now: datetime) -> ReportData:
    """Everything the report shows, for an engagement the viewer is known to be in."""
    in_period = Q(start__gte=period.start_at, start__lt=period.end_before)
    # The pair's sessions that took place: completed, or confirmed and over by now.
    held = engagement.coach.bookings.filter(
        in_period, HELD, client_id=engagement.client_id, end__lte=now
    )
    sessions = list(held.select_related("session_type").order_by("start", "pk"))
    shared_notes = [
        note
        for note in SessionNote.objects.filter(
            engagement=engagement,
            visibility=SessionNote.Visibility.SHARED,
            booking__in=held.values("pk"),
            version__gt=0,
        )
        .select_related("booking")
        .order_by("booking__start", "pk")
        if note.body.strip()
    ]
    actions_done = list(
        ActionItem.objects.filter(
            engagement=engagement,
            status=ActionItem.Status.DONE,
            done_at__gte=period.start_at,
            done_at__lt=period.end_before,
        )
        .select_related("assignee")
        .order_by("done_at", "pk")
    )
    return ReportData(
        engagement=engagement,
        period=period,
        now=now,
        goals=_goal_reports(engagement, period),
        sessions=sessions,
        actions_done=actions_done,
        shared_notes=shared_notes,
        mood=_mood(engagement, period) if engagement.mood_in_reports else None,
    )
