"""Workspace services: goals, their milestones and check-ins.

Both people of an engagement may create and edit goals, milestones and check-ins. Deleting a
goal takes its milestones and check-ins with it, so it is for the coach, or for the client on a
goal the client created; anyone may set a goal's status to `dropped`, which keeps its history.

`Goal.progress` is derived by one rule (`goal_rules.derive_progress`) and stored by
`_recompute`, which every service that changes milestones or check-ins calls in its own
transaction.

Every write: one transaction, ServiceError on bad input (nothing changed), one
`workspace.goals` event to both people after commit (ids only, never text).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from tandem.core.text import clean_text

from ..goal_rules import derive_progress
from ..models import CheckIn, Engagement, Goal, Milestone
from ..selectors import access
from ..selectors.goals import goal_for, milestone_for
from . import events
from .engagements import ensure_writable
from .errors import EngagementNotFound, InvalidInput, NotAllowed, ObjectNotFound

MAX_TITLE = 200
MAX_TEXT = 2000
MAX_MILESTONES = 100
STATUSES = tuple(Goal.Status.values)


class GoalNotFound(ObjectNotFound):
    """No such goal."""

    code = "goal_not_found"


class MilestoneNotFound(ObjectNotFound):
    """No such milestone."""

    code = "milestone_not_found"


class _Unset:
    """A field a partial update leaves as it is (None means "clear it")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- the progress rule ------------------------------------------------------------------------


def _recompute(goal: Goal, *, now: datetime) -> None:
    """Store the goal's derived progress (inside the caller's transaction)."""
    counts = Milestone.objects.filter(goal=goal).aggregate(
        total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False))
    )
    last = (
        CheckIn.objects.filter(goal=goal)
        .order_by("-created_at", "-id")
        .values_list("progress", flat=True)
        .first()
    )
    goal.progress = derive_progress(
        milestones=counts["total"], done=counts["done"], last_checkin=last
    )
    goal.updated_at = now
    Goal.objects.filter(pk=goal.pk).update(progress=goal.progress, updated_at=now)


# --- input rules ------------------------------------------------------------------------------


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("Must be text.", fields={field: ["Must be text."]})
    return clean_text(value, field=field, max_length=max_length, required=required)


def _today(user: Any, now: datetime) -> date:
    """Today in the user's zone: a date "in the past" is one before their today."""
    try:
        zone = ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def _future_date(value: Any, *, field: str, user: Any, now: datetime) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput("Enter a valid date.", fields={field: ["Enter a valid date."]})
    if value < _today(user, now):
        raise InvalidInput(
            "The date may not be in the past.", fields={field: ["The date may not be in the past."]}
        )
    return value


def _status(value: Any) -> str:
    if value not in STATUSES:
        message = f"Choose one of: {', '.join(STATUSES)}."
        raise InvalidInput(message, fields={"status": [message]})
    return str(value)


def _progress_value(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        message = "A whole number from 0 to 100."
        raise InvalidInput(message, fields={"progress": [message]})
    return value


def _ensure_writable(engagement: Engagement) -> None:
    """An ended engagement is read-only (the engagements area's one rule)."""
    ensure_writable(engagement)


def _locked_goal(user: Any, goal_id: Any) -> Goal:
    """The goal (the user's to see, else GoalNotFound), its row locked for this transaction
    so concurrent check-ins and milestone changes recompute progress one after another."""
    goal = goal_for(user, goal_id, lock=True)
    if goal is None:
        raise GoalNotFound()
    _ensure_writable(goal.engagement)
    return goal


def _locked_milestone(user: Any, milestone_id: Any) -> Milestone:
    found = milestone_for(user, milestone_id)
    if found is None:
        raise MilestoneNotFound()
    # The goal's row first (the lock every progress change takes), then the milestone afresh.
    goal = goal_for(user, found.goal.public_id, lock=True)
    milestone = Milestone.objects.filter(pk=found.pk).first()
    if goal is None or milestone is None:
        raise MilestoneNotFound()
    milestone.goal = goal
    _ensure_writable(milestone.goal.engagement)
    return milestone


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


# --- goals ------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    user: Any,
    engagement_id: Any,
    title: Any,
    why: Any = "",
    measure: Any = "",
    target_date: Any = None,
    status: Any = Goal.Status.ACTIVE,
    now: datetime | None = None,
) -> Goal:
    now = _now(now)
    engagement = access.engagement_for(user, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    _ensure_writable(engagement)
    goal = Goal(
        engagement=engagement,
        title=_text(title, field="title", max_length=MAX_TITLE, required=True),
        why=_text(why, field="why", max_length=MAX_TEXT),
        measure=_text(measure, field="measure", max_length=MAX_TEXT),
        target_date=_future_date(target_date, field="target_date", user=user, now=now),
        status=_status(status),
        created_by=user,
        created_at=now,
        updated_at=now,
    )
    goal.save()
    events.emit(engagement, "goals", object_id=goal.public_id, action="created")
    return goal


@transaction.atomic
def goal_update(
    *,
    user: Any,
    goal_id: Any,
    title: Any = UNSET,
    why: Any = UNSET,
    measure: Any = UNSET,
    target_date: Any = UNSET,
    status: Any = UNSET,
    now: datetime | None = None,
) -> Goal:
    """Change the given fields. A target date already set may stay as it is even once past;
    a new one may not be in the past."""
    now = _now(now)
    goal = _locked_goal(user, goal_id)
    if title is not UNSET:
        goal.title = _text(title, field="title", max_length=MAX_TITLE, required=True)
    if why is not UNSET:
        goal.why = _text(why, field="why", max_length=MAX_TEXT)
    if measure is not UNSET:
        goal.measure = _text(measure, field="measure", max_length=MAX_TEXT)
    if target_date is not UNSET and target_date != goal.target_date:
        goal.target_date = _future_date(target_date, field="target_date", user=user, now=now)
    if status is not UNSET:
        goal.status = _status(status)
    goal.updated_at = now
    goal.save()
    events.emit(goal.engagement, "goals", object_id=goal.public_id, action="updated")
    return goal


@transaction.atomic
def goal_delete(*, user: Any, goal_id: Any) -> None:
    """The coach may delete any goal of the engagement; the client only one they created."""
    goal = _locked_goal(user, goal_id)
    engagement = goal.engagement
    if access.role_in(engagement, user) == "client" and goal.created_by_id != user.pk:
        raise NotAllowed("Only your coach can delete a goal they set; you can drop it instead.")
    public_id = goal.public_id
    goal.delete()
    events.emit(engagement, "goals", object_id=public_id, action="deleted")


# --- milestones -------------------------------------------------------------------------------


@transaction.atomic
def milestone_add(
    *,
    user: Any,
    goal_id: Any,
    title: Any,
    due_date: Any = None,
    now: datetime | None = None,
) -> Milestone:
    """A milestone at the end of the goal's list."""
    now = _now(now)
    goal = _locked_goal(user, goal_id)
    clean_title = _text(title, field="title", max_length=MAX_TITLE, required=True)
    due = _future_date(due_date, field="due_date", user=user, now=now)
    stats = Milestone.objects.filter(goal=goal).aggregate(count=Count("id"), last=Max("position"))
    if stats["count"] >= MAX_MILESTONES:
        raise InvalidInput(
            f"A goal has at most {MAX_MILESTONES} milestones.",
            code="too_many_milestones",
        )
    milestone = Milestone.objects.create(
        goal=goal,
        title=clean_title,
        due_date=due,
        position=(stats["last"] + 1) if stats["last"] is not None else 0,
        created_at=now,
    )
    milestone.goal = goal
    _recompute(goal, now=now)
    events.emit(goal.engagement, "goals", object_id=goal.public_id, action="milestone_added")
    return milestone


@transaction.atomic
def milestone_update(
    *,
    user: Any,
    milestone_id: Any,
    title: Any = UNSET,
    due_date: Any = UNSET,
    done: Any = UNSET,
    position: Any = UNSET,
    now: datetime | None = None,
) -> Milestone:
    """Edit, mark done or undone, or move a milestone (`position`: its 0-based place in the
    goal's list; past the end means last)."""
    now = _now(now)
    milestone = _locked_milestone(user, milestone_id)
    goal = milestone.goal
    if title is not UNSET:
        milestone.title = _text(title, field="title", max_length=MAX_TITLE, required=True)
    if due_date is not UNSET and due_date != milestone.due_date:
        milestone.due_date = _future_date(due_date, field="due_date", user=user, now=now)
    if done is not UNSET:
        if not isinstance(done, bool):
            raise InvalidInput("true or false.", fields={"done": ["true or false."]})
        if done and milestone.done_at is None:
            milestone.done_at = now
        elif not done:
            milestone.done_at = None
    if position is not UNSET and (
        isinstance(position, bool) or not isinstance(position, int) or position < 0
    ):
        message = "A whole number, 0 or more."
        raise InvalidInput(message, fields={"position": [message]})
    milestone.save()
    if position is not UNSET:
        _place(milestone, position)
    _recompute(goal, now=now)
    events.emit(goal.engagement, "goals", object_id=goal.public_id, action="milestone_changed")
    return milestone


def _place(milestone: Milestone, index: int) -> None:
    """Renumber the goal's milestones 0..n-1 with this one at `index`."""
    siblings = list(Milestone.objects.filter(goal_id=milestone.goal_id).exclude(pk=milestone.pk))
    siblings.insert(min(index, len(siblings)), milestone)
    for number, item in enumerate(siblings):
        if item.position != number or item.pk == milestone.pk:
            Milestone.objects.filter(pk=item.pk).update(position=number)
        item.position = number


@transaction.atomic
def milestone_reorder(
    *, user: Any, goal_id: Any, order: list[Any], now: datetime | None = None
) -> list[Milestone]:
    """Put the goal's milestones in this order (every one of its milestone ids, once)."""
    now = _now(now)
    goal = _locked_goal(user, goal_id)
    current = {m.public_id: m for m in Milestone.objects.filter(goal=goal)}
    wanted = [access.parse_id(value) for value in order] if isinstance(order, list) else None
    if wanted is None or len(wanted) != len(current) or set(wanted) != set(current):
        message = "List each of the goal's milestones once."
        raise InvalidInput(message, fields={"order": [message]})
    ordered = [current[public_id] for public_id in wanted if public_id is not None]
    for number, item in enumerate(ordered):
        if item.position != number:
            Milestone.objects.filter(pk=item.pk).update(position=number)
            item.position = number
    Goal.objects.filter(pk=goal.pk).update(updated_at=now)
    events.emit(goal.engagement, "goals", object_id=goal.public_id, action="milestone_changed")
    return ordered


@transaction.atomic
def milestone_delete(*, user: Any, milestone_id: Any, now: datetime | None = None) -> Goal:
    now = _now(now)
    milestone = _locked_milestone(user, milestone_id)
    goal = milestone.goal
    milestone.delete()
    _recompute(goal, now=now)
    events.emit(goal.engagement, "goals", object_id=goal.public_id, action="milestone_deleted")
    return goal


# --- check-ins --------------------------------------------------------------------------------


@transaction.atomic
def checkin_add(
    *,
    user: Any,
    goal_id: Any,
    progress: Any,
    note: Any = "",
    now: datetime | None = None,
) -> CheckIn:
    """A progress value (0..100) with a note, by either side. With milestones the goal's
    progress stays theirs; the check-in is still kept and charted."""
    now = _now(now)
    goal = _locked_goal(user, goal_id)
    checkin = CheckIn.objects.create(
        goal=goal,
        author=user,
        progress=_progress_value(progress),
        note=_text(note, field="note", max_length=MAX_TEXT),
        created_at=now,
    )
    checkin.goal = goal
    _recompute(goal, now=now)
    events.emit(goal.engagement, "goals", object_id=goal.public_id, action="checkin")
    return checkin
