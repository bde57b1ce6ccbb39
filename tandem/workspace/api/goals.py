"""/api/v1/workspace/... : goals, milestones and check-ins. Thin: parse, authorise through
selectors (the viewer's engagements only), call one service, present.

Someone else's engagement, goal or milestone (a stranger, another coach of the client, staff,
a sponsor) answers 404 exactly like an unknown id. Changes arrive on both people's event
streams as `workspace.goals` (ids only).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from tandem.core.schemas import ErrorOut

from ..models import CheckIn, Engagement, Goal, Milestone
from ..selectors import goals as selectors
from ..selectors.access import engagement_for
from ..services import goals as services
from ..services.errors import EngagementNotFound
from ..services.idempotency import once
from .goal_schemas import (
    CheckInIn,
    CheckInListOut,
    CheckInOut,
    GoalDetailOut,
    GoalIn,
    GoalListOut,
    GoalOut,
    GoalPatchIn,
    GoalProgressOut,
    MilestoneIn,
    MilestoneOut,
    MilestonePatchIn,
)

router = Router(tags=["workspace: goals"])

NOT_YOURS = "Another person's engagement, goal or milestone answers 404, like an unknown id. "
ENDED = "An ended engagement is read-only: 409 `engagement_ended`. "
EVENTS = "Both people get a `workspace.goals` event (ids only). "
IDEMPOTENT = (
    "`Idempotency-Key`: the same key and body again returns what the first request made (200, "
    "`Idempotent-Replayed: true`); another body answers 409 `idempotency_key_reused`. "
)
DATES = "Dates may not be in the past (400). "


# --- presenting -------------------------------------------------------------------------------


def _side(engagement: Engagement, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    if user_id == engagement.client_id:
        return "client"
    return "coach" if user_id == engagement.coach.user_id else None


def milestone_body(milestone: Milestone, goal: Goal) -> dict[str, Any]:
    return {
        "id": milestone.public_id,
        "goal": goal.public_id,
        "title": milestone.title,
        "due_date": milestone.due_date,
        "done": milestone.done_at is not None,
        "done_at": milestone.done_at,
        "position": milestone.position,
    }


def goal_body(goal: Goal, engagement: Engagement) -> dict[str, Any]:
    """A goal with its prefetched milestones (selectors.goals_of / goal_with_rows)."""
    return {
        "id": goal.public_id,
        "engagement": engagement.public_id,
        "title": goal.title,
        "why": goal.why,
        "measure": goal.measure,
        "target_date": goal.target_date,
        "status": goal.status,
        "progress": goal.progress,
        "created_by": _side(engagement, goal.created_by_id),
        "created_at": goal.created_at,
        "updated_at": goal.updated_at,
        "milestones": [milestone_body(m, goal) for m in goal.milestones.all()],
    }


def checkin_body(checkin: CheckIn, goal: Goal) -> dict[str, Any]:
    return {
        "id": checkin.public_id,
        "goal": goal.public_id,
        "progress": checkin.progress,
        "note": checkin.note,
        "author": _side(goal.engagement, checkin.author_id),
        "created_at": checkin.created_at,
    }


def _goal(request: HttpRequest, goal_id: Any) -> Goal:
    found = selectors.goal_for(request.user, goal_id)
    if found is None:
        raise services.GoalNotFound()
    return found


def _engagement(request: HttpRequest, engagement_id: str) -> Engagement:
    found = engagement_for(request.user, engagement_id)
    if found is None:
        raise EngagementNotFound()
    return found


def _fresh(request: HttpRequest, goal_id: Any) -> dict[str, Any]:
    goal = selectors.goal_with_rows(_goal(request, goal_id))
    return goal_body(goal, goal.engagement)


def _replayed(response: HttpResponse, replayed: bool) -> int:
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return 200 if replayed else 201


# --- goals ------------------------------------------------------------------------------------


@router.get(
    "/workspace/engagements/{engagement_id}/goals",
    response=GoalListOut,
    summary="An engagement's goals",
    description="Every goal with its milestones (both sides see all; a handful per engagement, "
    "so one page). " + NOT_YOURS,
)
def list_goals(request: HttpRequest, engagement_id: str) -> dict[str, Any]:
    engagement = _engagement(request, engagement_id)
    return {"items": [goal_body(g, engagement) for g in selectors.goals_of(engagement)]}


@router.post(
    "/workspace/engagements/{engagement_id}/goals",
    response={200: GoalOut, 201: GoalOut, 409: ErrorOut},
    summary="Set a goal",
    description="Either side may set one. `title` is required (at most 200 characters); "
    "`why` and `measure` at most 2,000. " + DATES + IDEMPOTENT + ENDED + EVENTS + NOT_YOURS,
)
def create_goal(
    request: HttpRequest, response: HttpResponse, payload: GoalIn, engagement_id: str
) -> Status[Any]:
    engagement = _engagement(request, engagement_id)
    goal, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="workspace.goal",
        body={"engagement": str(engagement.public_id), **payload.model_dump(mode="json")},
        create=lambda: services.goal_create(
            user=request.user, engagement_id=engagement.public_id, **payload.model_dump()
        ),
        load=lambda public_id: selectors.goal_for(request.user, public_id),
    )
    return Status(_replayed(response, replayed), _fresh(request, goal.public_id))


@router.get(
    "/workspace/engagements/{engagement_id}/goals/progress",
    response=GoalProgressOut,
    summary="An engagement's progress over time",
    description="The average progress of its active goals, for a chart. " + NOT_YOURS,
)
def engagement_progress(request: HttpRequest, engagement_id: str) -> dict[str, Any]:
    engagement = _engagement(request, engagement_id)
    points = selectors.engagement_history(selectors.goals_of(engagement), now=timezone.now())
    return {
        "engagement": engagement.public_id,
        "points": [{"at": p.at, "progress": p.progress} for p in points],
    }


@router.get(
    "/workspace/goals/{goal_id}",
    response=GoalDetailOut,
    summary="A goal",
    description="With its milestones and its progress over time. " + NOT_YOURS,
)
def get_goal(request: HttpRequest, goal_id: str) -> dict[str, Any]:
    goal = selectors.goal_with_rows(_goal(request, goal_id))
    body = goal_body(goal, goal.engagement)
    history = selectors.goal_history(goal, now=timezone.now())
    body["history"] = [{"at": p.at, "progress": p.progress} for p in history]
    return body


@router.patch(
    "/workspace/goals/{goal_id}",
    response={200: GoalOut, 409: ErrorOut},
    summary="Change a goal",
    description="Only the fields sent change (`title` may not be empty; `target_date: null` "
    "clears it). Either side may change any field, the status too. "
    + DATES
    + ENDED
    + EVENTS
    + NOT_YOURS,
)
def patch_goal(request: HttpRequest, payload: GoalPatchIn, goal_id: str) -> dict[str, Any]:
    goal = services.goal_update(
        user=request.user, goal_id=goal_id, **payload.model_dump(exclude_unset=True)
    )
    return _fresh(request, goal.public_id)


@router.delete(
    "/workspace/goals/{goal_id}",
    response={204: None, 409: ErrorOut},
    summary="Delete a goal",
    description="Its milestones and check-ins go with it. The coach may delete any goal; the "
    "client only one they set (else 403 `forbidden`: set its status to `dropped` instead). "
    + ENDED
    + EVENTS
    + NOT_YOURS,
)
def delete_goal(request: HttpRequest, goal_id: str) -> Status[Any]:
    services.goal_delete(user=request.user, goal_id=goal_id)
    return Status(204, None)


# --- milestones -------------------------------------------------------------------------------


@router.post(
    "/workspace/goals/{goal_id}/milestones",
    response={200: MilestoneOut, 201: MilestoneOut, 409: ErrorOut},
    summary="Add a milestone",
    description="At the end of the goal's list (at most 100 per goal: 400 "
    "`too_many_milestones`). The goal's progress then follows its milestones. "
    + DATES
    + IDEMPOTENT
    + ENDED
    + EVENTS
    + NOT_YOURS,
)
def add_milestone(
    request: HttpRequest, response: HttpResponse, payload: MilestoneIn, goal_id: str
) -> Status[Any]:
    goal = _goal(request, goal_id)
    milestone, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="workspace.milestone",
        body={"goal": str(goal.public_id), **payload.model_dump(mode="json")},
        create=lambda: services.milestone_add(
            user=request.user, goal_id=goal.public_id, **payload.model_dump()
        ),
        load=lambda public_id: selectors.milestone_for(request.user, public_id),
    )
    fresh = selectors.milestone_for(request.user, milestone.public_id)
    assert fresh is not None
    return Status(_replayed(response, replayed), milestone_body(fresh, fresh.goal))


@router.patch(
    "/workspace/milestones/{milestone_id}",
    response={200: MilestoneOut, 409: ErrorOut},
    summary="Change, complete or move a milestone",
    description="Only the fields sent change: `done` true or false, `position` moves it, "
    "`due_date: null` clears it. The goal's progress is recomputed. "
    + DATES
    + ENDED
    + EVENTS
    + NOT_YOURS,
)
def patch_milestone(
    request: HttpRequest, payload: MilestonePatchIn, milestone_id: str
) -> dict[str, Any]:
    services.milestone_update(
        user=request.user, milestone_id=milestone_id, **payload.model_dump(exclude_unset=True)
    )
    fresh = selectors.milestone_for(request.user, milestone_id)
    assert fresh is not None
    return milestone_body(fresh, fresh.goal)


@router.delete(
    "/workspace/milestones/{milestone_id}",
    response={204: None, 409: ErrorOut},
    summary="Delete a milestone",
    description="The goal's progress is recomputed (from its check-ins once the last milestone "
    "is gone). " + ENDED + EVENTS + NOT_YOURS,
)
def delete_milestone(request: HttpRequest, milestone_id: str) -> Status[Any]:
    services.milestone_delete(user=request.user, milestone_id=milestone_id)
    return Status(204, None)


# --- check-ins --------------------------------------------------------------------------------


@router.post(
    "/workspace/goals/{goal_id}/checkins",
    response={200: CheckInOut, 201: CheckInOut, 409: ErrorOut},
    summary="Check in on a goal",
    description="A progress value (0..100) and a note (at most 2,000 characters), by either "
    "side. Without milestones the goal's progress becomes this value. "
    + IDEMPOTENT
    + ENDED
    + EVENTS
    + NOT_YOURS,
)
def add_checkin(
    request: HttpRequest, response: HttpResponse, payload: CheckInIn, goal_id: str
) -> Status[Any]:
    goal = _goal(request, goal_id)

    def load(public_id: Any) -> CheckIn | None:
        return CheckIn.objects.filter(goal=goal, public_id=public_id).first()

    checkin, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="workspace.checkin",
        body={"goal": str(goal.public_id), **payload.model_dump(mode="json")},
        create=lambda: services.checkin_add(
            user=request.user, goal_id=goal.public_id, **payload.model_dump()
        ),
        load=load,
    )
    return Status(_replayed(response, replayed), checkin_body(checkin, goal))


@router.get(
    "/workspace/goals/{goal_id}/checkins",
    response=CheckInListOut,
    summary="A goal's check-ins",
    description="Newest first, 50 a page (`cursor` from the previous page's `next_cursor`; "
    "400 for a cursor that is not one). " + NOT_YOURS,
)
def list_checkins(
    request: HttpRequest,
    goal_id: str,
    cursor: str | None = None,
) -> dict[str, Any]:
    goal = _goal(request, goal_id)
    rows, next_cursor = selectors.checkins_page(goal, cursor=cursor)
    return {"items": [checkin_body(c, goal) for c in rows], "next_cursor": next_cursor}
