"""Workspace reads: goals, milestones, check-ins, progress over time.

Every lookup goes through the viewer's engagements (selectors.access): another engagement's
goal is None here and 404 at the edge. Reads that list rows fetch them in a fixed number of
queries (goals, then their milestones and check-ins prefetched), whatever the row counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from tandem.core.cursors import decode_position, encode_cursor

from ..goal_rules import derive_progress
from ..models import CheckIn, Engagement, Goal, Milestone
from .access import parse_id, role_in
from .timeline import TimelineItem

STATUS_ORDER: dict[str, int] = {"active": 0, "achieved": 1, "dropped": 2}
CHECKIN_PAGE = 50


# --- lookups ----------------------------------------------------------------------------------


def _in_viewers_engagements(user: Any, prefix: str = "") -> Q:
    return Q(**{f"{prefix}engagement__coach__user_id": user.pk}) | Q(
        **{f"{prefix}engagement__client_id": user.pk}
    )


def goal_for(user: Any, goal_id: Any, *, lock: bool = False) -> Goal | None:
    """The goal if the user is its engagement's coach or client; else None. `lock` takes the
    goal's row lock (services: progress changes happen one at a time per goal)."""
    parsed = parse_id(goal_id)
    if parsed is None or not getattr(user, "is_authenticated", False):
        return None
    goals = Goal.objects.select_related("engagement__coach__user", "engagement__client")
    if lock:
        goals = goals.select_for_update(of=("self",))
    return goals.filter(_in_viewers_engagements(user), public_id=parsed).first()


def milestone_for(user: Any, milestone_id: Any) -> Milestone | None:
    parsed = parse_id(milestone_id)
    if parsed is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Milestone.objects.select_related(
            "goal__engagement__coach__user", "goal__engagement__client"
        )
        .filter(_in_viewers_engagements(user, "goal__"), public_id=parsed)
        .first()
    )


def _with_rows(goals: QuerySet[Goal], *, checkin_notes: bool = False) -> QuerySet[Goal]:
    """Goals with their milestones and check-ins, three queries in all. Check-in notes are
    decrypted only when asked for (the charts need values and times only)."""
    ordered = CheckIn.objects.order_by("created_at", "id")
    checkins = ordered.select_related("author") if checkin_notes else ordered.defer("note")
    return goals.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("position", "id")),
        Prefetch("checkins", queryset=checkins),
    )


def goals_of(engagement: Engagement, *, brief: bool = False) -> list[Goal]:
    """The engagement's goals (with milestones and check-ins): active first, then achieved,
    then dropped; within each, the nearest target date first, then the oldest. `brief` leaves
    `why` and `measure` undecrypted (and unread: touching them would be a query each)."""
    goals_qs = Goal.objects.filter(engagement=engagement)
    if brief:
        goals_qs = goals_qs.defer("why", "measure")
    goals = list(_with_rows(goals_qs))
    goals.sort(
        key=lambda g: (
            STATUS_ORDER.get(g.status, 3),
            g.target_date or date.max,
            g.created_at,
            g.pk,
        )
    )
    return goals


def goal_with_rows(goal: Goal) -> Goal:
    """The goal again with its milestones and check-ins (notes included): the detail page."""
    found = _with_rows(Goal.objects.filter(pk=goal.pk), checkin_notes=True).first()
    assert found is not None
    found.engagement = goal.engagement
    return found


def checkins_page(
    goal: Goal, *, cursor: str | None = None, limit: int = CHECKIN_PAGE
) -> tuple[list[CheckIn], str | None]:
    """A goal's check-ins newest first, a page at a time (keyset on created_at, public id)."""
    rows = CheckIn.objects.filter(goal=goal).select_related("author")
    if cursor:
        moment, key = decode_position(
            cursor, moment="at", key="id", key_type=uuid.UUID, scope={"list": "checkins"}
        )
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, public_id__lt=key))
    page = list(rows.order_by("-created_at", "-public_id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    next_cursor = None
    if more and page:
        last = page[-1]
        next_cursor = encode_cursor(
            {"list": "checkins", "at": last.created_at.isoformat(), "id": str(last.public_id)}
        )
    return page, next_cursor


# --- progress over time -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    at: datetime
    progress: int


def goal_history(goal: Goal, *, now: datetime | None = None) -> list[Point]:
    """The goal's progress after each change (milestone added or done, check-in), replaying
    derive_progress over its prefetched milestones and check-ins; starts at 0 when it was
    set. With `now`, ends with today's stored value (which a deleted milestone may change).

    Milestones marked undone or deleted no longer say when they were done, so the replay
    shows the history as the goal's rows are now."""
    changes: list[tuple[datetime, int, str, int]] = []  # (at, order, kind, value)
    for m in goal.milestones.all():
        changes.append((m.created_at, 0, "milestone", 0))
        if m.done_at is not None:
            changes.append((max(m.done_at, m.created_at), 1, "done", 0))
    for c in goal.checkins.all():
        changes.append((c.created_at, 2, "checkin", c.progress))
    changes.sort(key=lambda change: (change[0], change[1]))
    points = [Point(goal.created_at, 0)]
    milestones = done = 0
    last: int | None = None
    for index, (at, _, kind, value) in enumerate(changes):
        if kind == "milestone":
            milestones += 1
        elif kind == "done":
            done += 1
        else:
            last = value
        if index + 1 < len(changes) and changes[index + 1][0] == at:
            continue  # one point per moment
        progress = derive_progress(milestones=milestones, done=done, last_checkin=last)
        if progress != points[-1].progress:
            points.append(Point(max(at, goal.created_at), progress))
    if now is not None and points[-1].progress != goal.progress:
        points.append(Point(max(now, points[-1].at), goal.progress))
    return points


def engagement_history(goals: Sequence[Goal], *, now: datetime | None = None) -> list[Point]:
    """The average progress of the engagement's active goals over time (each goal counts
    from when it was set), rounded half up."""
    histories = [goal_history(g, now=now) for g in goals if g.status == Goal.Status.ACTIVE]
    moments = sorted({p.at for history in histories for p in history})
    cursors = [0] * len(histories)
    current: list[int | None] = [None] * len(histories)
    points: list[Point] = []
    for at in moments:
        for i, history in enumerate(histories):
            while cursors[i] < len(history) and history[cursors[i]].at <= at:
                current[i] = history[cursors[i]].progress
                cursors[i] += 1
        values = [v for v in current if v is not None]
        average = (2 * sum(values) + len(values)) // (2 * len(values))
        if not points or points[-1].progress != average:
            points.append(Point(at, average))
    return points


def _zone(viewer: Any) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(viewer, "timezone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def by_day(points: Iterable[Point], viewer: Any) -> list[dict[str, Any]]:
    """One row per day (in the viewer's zone) with a change: the value at the day's end."""
    zone = _zone(viewer)
    rows: dict[date, int] = {}
    for point in points:
        rows[point.at.astimezone(zone).date()] = point.progress
    return [{"day": day.isoformat(), "progress": value} for day, value in rows.items()]


def chart_data(rows: list[dict[str, Any]], label: str, *, key: Any) -> dict[str, Any]:
    """What static/workspace/goals.js draws (a Chart.js line); the same rows are the table.
    `key` makes the element ids unique on the page."""
    return {
        "canvas_id": f"goal-chart-{key}",
        "data_id": f"goal-chart-data-{key}",
        "labels": [row["day"] for row in rows],
        "label": label,
        "values": [row["progress"] for row in rows],
    }


# --- pages ------------------------------------------------------------------------------------


def goal_url(engagement: Engagement, goal: Goal) -> str:
    return reverse(
        "workspace_goal",
        kwargs={"engagement_id": engagement.public_id, "goal_id": goal.public_id},
    )


def file_url(engagement: Engagement, viewer: Any) -> str:
    """The client file (coach) or the client's view of this coach: where a goal page leads
    back to."""
    if role_in(engagement, viewer) == "coach":
        return f"/coach/clients/{engagement.public_id}/"
    return f"/workspace/{engagement.public_id}/"


def is_writable(engagement: Engagement) -> bool:
    return bool(engagement.state != Engagement.State.ENDED)


def next_milestone(goal: Goal) -> Milestone | None:
    return next((m for m in goal.milestones.all() if m.done_at is None), None)


def goal_card(goal: Goal, engagement: Engagement) -> dict[str, Any]:
    milestones = list(goal.milestones.all())
    return {
        "id": goal.public_id,
        "title": goal.title,
        "status": goal.status,
        "status_label": goal.get_status_display(),
        "progress": goal.progress,
        "target_date": goal.target_date,
        "next_milestone": next_milestone(goal),
        "milestones_total": len(milestones),
        "milestones_done": sum(1 for m in milestones if m.done_at is not None),
        "url": goal_url(engagement, goal),
    }


def file_section(engagement: Engagement, viewer: Any, *, now: datetime) -> dict[str, Any]:
    """The goals section of the client file (both sides): cards, the engagement's progress
    chart and its table. Three queries whatever the numbers of goals, milestones and
    check-ins."""
    goals = goals_of(engagement, brief=True)
    rows = by_day(engagement_history(goals, now=now), viewer)
    eid = engagement.public_id
    return {
        "engagement_id": eid,
        "role": role_in(engagement, viewer),
        "writable": is_writable(engagement),
        "goals": [goal_card(g, engagement) for g in goals],
        "active_count": sum(1 for g in goals if g.status == Goal.Status.ACTIVE),
        "chart": chart_data(rows, "Average progress of active goals (%)", key=eid),
        "chart_rows": rows,
        "part_url": reverse("workspace_goals_part", kwargs={"engagement_id": eid}),
        "new_url": reverse("workspace_goal_new", kwargs={"engagement_id": eid}),
    }


def timeline_items(engagement: Engagement, viewer: Any, *, limit: int = 50) -> list[TimelineItem]:
    """Goals set, milestones done and check-ins, newest first (three queries)."""
    items: list[TimelineItem] = []
    goals = Goal.objects.filter(engagement=engagement).order_by("-created_at", "-id")[:limit]
    for goal in goals:
        items.append(
            TimelineItem(
                at=goal.created_at,
                area="goal",
                title=f"Goal set: {goal.title}",
                url=goal_url(engagement, goal),
            )
        )
    done = (
        Milestone.objects.filter(goal__engagement=engagement, done_at__isnull=False)
        .select_related("goal")
        .order_by("-done_at", "-id")[:limit]
    )
    for milestone in done:
        assert milestone.done_at is not None
        items.append(
            TimelineItem(
                at=milestone.done_at,
                area="goal",
                title=f"Milestone done: {milestone.title}",
                url=goal_url(engagement, milestone.goal),
                detail=milestone.goal.title,
            )
        )
    checkins = (
        CheckIn.objects.filter(goal__engagement=engagement)
        .select_related("goal")
        .order_by("-created_at", "-id")[:limit]
    )
    for checkin in checkins:
        items.append(
            TimelineItem(
                at=checkin.created_at,
                area="checkin",
                title=f"Check-in at {checkin.progress}%: {checkin.goal.title}",
                url=goal_url(engagement, checkin.goal),
                detail=checkin.note,
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
