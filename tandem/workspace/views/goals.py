"""Pages: goals. The client file's goals section (and its live part), a goal's page, and the
form posts behind them. Both sides use the same URLs (/workspace/<engagement>/...); a goal of
an engagement the viewer is not in is a 404, like an unknown id.

Thin: parse with a form, call one service, redirect; on a refusal render the page again with
the input kept and the service's message on the field (status 400/409).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.booking.forms import show_service_error
from tandem.core.errors import NotFound, ServiceError
from tandem.realtime.context_processors import pin_events_position

from ..models import Engagement, Goal
from ..selectors import access
from ..selectors import goals as selectors
from ..services import goals as services
from .goal_forms import CheckInForm, GoalForm, MilestoneForm

NEW_PREFIX = "goal-new"


def _engagement(request: HttpRequest, engagement_id: uuid.UUID) -> Engagement:
    engagement = access.engagement_for(request.user, engagement_id)
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement


def _goal(request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID) -> Goal:
    goal = selectors.goal_for(request.user, goal_id)
    if goal is None or goal.engagement.public_id != engagement_id:
        raise Http404("No such goal.")
    return goal


def _milestone_goal(
    request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID, milestone_id: uuid.UUID
) -> Goal:
    goal = _goal(request, engagement_id, goal_id)
    milestone = selectors.milestone_for(request.user, milestone_id)
    if milestone is None or milestone.goal_id != goal.pk:
        raise Http404("No such milestone.")
    return goal


# --- the client file's section ----------------------------------------------------------------


def section_context(engagement: Engagement, viewer: Any) -> dict[str, Any]:
    """What the engagements area's client file gives workspace/goals/_section.html."""
    section = selectors.file_section(engagement, viewer, now=timezone.now())
    return {"section": section, "engagement": engagement}


@login_required
@require_safe
def goals_part(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """The goals section's inside, fetched again by realtime/live.js on workspace.goals."""
    engagement = _engagement(request, engagement_id)
    return render(
        request, "workspace/goals/_section_body.html", section_context(engagement, request.user)
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """A new goal: the full form (the client file's short one posts here too)."""
    engagement = _engagement(request, engagement_id)
    status = 200
    # The client file's short form posts here too: why and measure are optional.
    form = GoalForm(request.POST or None, prefix=NEW_PREFIX, with_status=False)
    if request.method == "POST":
        if form.is_valid():
            try:
                goal = services.goal_create(
                    user=request.user, engagement_id=engagement.public_id, **form.cleaned_data
                )
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Goal added. Add milestones or a check-in below.")
                return redirect(selectors.goal_url(engagement, goal))
        else:
            status = 400
    context = {
        "engagement": engagement,
        "form": form,
        "back_url": selectors.file_url(engagement, request.user),
        "writable": selectors.is_writable(engagement),
    }
    return render(request, "workspace/goals/new.html", context, status=status)


# --- a goal's page ----------------------------------------------------------------------------


def detail_context(
    goal: Goal, viewer: Any, *, edit: tuple[uuid.UUID, forms.Form] | None = None
) -> dict[str, Any]:
    engagement = goal.engagement
    now = timezone.now()
    full = selectors.goal_with_rows(goal)
    rows = selectors.by_day(selectors.goal_history(full, now=now), viewer)
    milestones = list(full.milestones.all())
    for m in milestones:  # each milestone's edit form (the one that was refused, as sent)
        m.edit_form = (  # type: ignore[attr-defined]
            edit[1]
            if edit and edit[0] == m.public_id
            else MilestoneForm(
                prefix=f"ms-{m.public_id}", initial={"title": m.title, "due_date": m.due_date}
            )
        )
    checkins = list(full.checkins.all())
    checkins.reverse()  # newest first
    return {
        "engagement": engagement,
        "goal": full,
        "role": access.role_in(engagement, viewer),
        "writable": selectors.is_writable(engagement),
        "back_url": selectors.file_url(engagement, viewer),
        "milestones": milestones,
        "checkins": checkins,
        "chart": selectors.chart_data(rows, "Progress (%)", key=full.public_id),
        "chart_rows": rows,
        "can_delete": access.role_in(engagement, viewer) == "coach"
        or full.created_by_id == viewer.pk,
        "part_url": f"{selectors.goal_url(engagement, full)}part/",
    }


def _detail(
    request: HttpRequest,
    goal: Goal,
    *,
    status: int = 200,
    bound_id: uuid.UUID | None = None,
    **bound: forms.Form,
) -> HttpResponse:
    edit = bound.get("edit_form")
    context = detail_context(
        goal, request.user, edit=(bound_id, edit) if edit and bound_id else None
    )
    full = context["goal"]
    context["goal_form"] = bound.get("goal_form") or GoalForm(
        prefix="goal",
        initial={
            "title": full.title,
            "why": full.why,
            "measure": full.measure,
            "target_date": full.target_date,
            "status": full.status,
        },
    )
    context["milestone_form"] = bound.get("milestone_form") or MilestoneForm(prefix="milestone")
    context["checkin_form"] = bound.get("checkin_form") or CheckInForm(prefix="checkin")
    context["edit_id"] = bound_id if edit else None
    return render(request, "workspace/goals/detail.html", context, status=status)


def _run(
    request: HttpRequest,
    goal: Goal,
    form: forms.Form,
    name: str,
    call: Any,
    done: str,
    bound_id: uuid.UUID | None = None,
) -> HttpResponse:
    """Validate `form`, call the service with its data; back to the page either way."""
    if not form.is_valid():
        return _detail(request, goal, status=400, bound_id=bound_id, **{name: form})
    try:
        call(form.cleaned_data)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        show_service_error(form, exc)
        return _detail(request, goal, status=exc.status, bound_id=bound_id, **{name: form})
    messages.success(request, done)
    return redirect(selectors.goal_url(goal.engagement, goal))


@login_required
@require_http_methods(["GET", "POST"])
def goal_page(request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = _goal(request, engagement_id, goal_id)
    if request.method == "GET":
        pin_events_position(request)
        return _detail(request, goal)
    form = GoalForm(request.POST, prefix="goal")
    return _run(
        request,
        goal,
        form,
        "goal_form",
        lambda data: services.goal_update(user=request.user, goal_id=goal.public_id, **data),
        "Goal saved.",
    )


@login_required
@require_safe
def goal_part(request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    """The goal page's live part (progress, chart, milestones, check-ins)."""
    goal = _goal(request, engagement_id, goal_id)
    return render(request, "workspace/goals/_detail_live.html", detail_context(goal, request.user))


@login_required
@require_POST
def goal_delete(request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = _goal(request, engagement_id, goal_id)
    try:
        services.goal_delete(user=request.user, goal_id=goal.public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(selectors.goal_url(goal.engagement, goal))
    messages.success(request, "Goal deleted.")
    return redirect(selectors.file_url(goal.engagement, request.user))


@login_required
@require_POST
def milestone_add(
    request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID
) -> HttpResponse:
    goal = _goal(request, engagement_id, goal_id)
    return _run(
        request,
        goal,
        MilestoneForm(request.POST, prefix="milestone"),
        "milestone_form",
        lambda data: services.milestone_add(user=request.user, goal_id=goal.public_id, **data),
        "Milestone added.",
    )


@login_required
@require_POST
def milestone_edit(
    request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID, milestone_id: uuid.UUID
) -> HttpResponse:
    goal = _milestone_goal(request, engagement_id, goal_id, milestone_id)
    return _run(
        request,
        goal,
        MilestoneForm(request.POST, prefix=f"ms-{milestone_id}"),
        "edit_form",
        lambda data: services.milestone_update(
            user=request.user, milestone_id=milestone_id, **data
        ),
        "Milestone saved.",
        bound_id=milestone_id,
    )


class _Done(forms.Form):
    done = forms.TypedChoiceField(choices=[("1", "done"), ("0", "not done")], coerce="1".__eq__)


class _Move(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=10_000)


def _simple(
    request: HttpRequest,
    engagement_id: uuid.UUID,
    goal_id: uuid.UUID,
    milestone_id: uuid.UUID,
    form: forms.Form,
    call: Any,
    done: str,
) -> HttpResponse:
    goal = _milestone_goal(request, engagement_id, goal_id, milestone_id)
    if not form.is_valid():
        messages.error(request, "That did not work; please try again.")
        return redirect(selectors.goal_url(goal.engagement, goal))
    try:
        call(form.cleaned_data)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(selectors.goal_url(goal.engagement, goal))


@login_required
@require_POST
def milestone_toggle(
    request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID, milestone_id: uuid.UUID
) -> HttpResponse:
    return _simple(
        request,
        engagement_id,
        goal_id,
        milestone_id,
        _Done(request.POST),
        lambda data: services.milestone_update(
            user=request.user, milestone_id=milestone_id, done=data["done"]
        ),
        "Milestone updated.",
    )


@login_required
@require_POST
def milestone_move(
    request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID, milestone_id: uuid.UUID
) -> HttpResponse:
    return _simple(
        request,
        engagement_id,
        goal_id,
        milestone_id,
        _Move(request.POST),
        lambda data: services.milestone_update(
            user=request.user, milestone_id=milestone_id, position=data["position"]
        ),
        "Milestone moved.",
    )


@login_required
@require_POST
def milestone_delete(
    request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID, milestone_id: uuid.UUID
) -> HttpResponse:
    return _simple(
        request,
        engagement_id,
        goal_id,
        milestone_id,
        forms.Form(request.POST),
        lambda _data: services.milestone_delete(user=request.user, milestone_id=milestone_id),
        "Milestone deleted.",
    )


@login_required
@require_POST
def checkin_add(request: HttpRequest, engagement_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = _goal(request, engagement_id, goal_id)
    return _run(
        request,
        goal,
        CheckInForm(request.POST, prefix="checkin"),
        "checkin_form",
        lambda data: services.checkin_add(user=request.user, goal_id=goal.public_id, **data),
        "Check-in saved.",
    )


GOAL = "workspace/<uuid:engagement_id>/goals/<uuid:goal_id>/"
MILESTONE = GOAL + "milestones/<uuid:milestone_id>/"

urlpatterns: list[URLPattern] = [
    path("workspace/<uuid:engagement_id>/part/goals/", goals_part, name="workspace_goals_part"),
    path("workspace/<uuid:engagement_id>/goals/new/", goal_new, name="workspace_goal_new"),
    path(GOAL, goal_page, name="workspace_goal"),
    path(GOAL + "part/", goal_part, name="workspace_goal_part"),
    path(GOAL + "delete/", goal_delete, name="workspace_goal_delete"),
    path(GOAL + "milestones/", milestone_add, name="workspace_milestone_add"),
    path(GOAL + "checkins/", checkin_add, name="workspace_checkin_add"),
    path(MILESTONE, milestone_edit, name="workspace_milestone_edit"),
    path(MILESTONE + "done/", milestone_toggle, name="workspace_milestone_toggle"),
    path(MILESTONE + "move/", milestone_move, name="workspace_milestone_move"),
    path(MILESTONE + "delete/", milestone_delete, name="workspace_milestone_delete"),
]
