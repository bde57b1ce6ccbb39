"""The coach's availability editor and its live preview.

Saving calls availability.services.availability_replace — the same function as
PUT /api/v1/me/availability — and the preview calls availability.slots.preview_slots, as
POST /api/v1/me/availability/preview does: one home for every rule. Wall times, dates and
time off are in the coach's zone (CoachProfile.timezone), which the page names.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.views_coach import own_coach
from tandem.core.errors import ServiceError

from . import selectors, services, slots
from .forms import Grid, blanks, grid_from_post, grid_from_saved

PREVIEW_DAYS = 7


def _session_type_choice(
    coach: CoachProfile, types: list[SessionType], wanted: str | None
) -> SessionType | None:
    """The session type to preview: the one asked for (any of the coach's), else the first."""
    if wanted:
        chosen = selectors.session_type_of(coach, wanted[:64], active_only=False)
        if chosen is not None:
            return chosen
    return types[0] if types else None


def _preview(
    coach: CoachProfile, grid: Grid, types: list[SessionType], wanted: str | None
) -> tuple[dict[str, Any], int]:
    """The preview panel's context and status: slots the grid's rules give, saving nothing."""
    session_type = _session_type_choice(coach, types, wanted)
    context: dict[str, Any] = {
        "session_types": types,
        "preview_type": session_type,
        "zone": coach.timezone,
        "problems": [],
    }
    if session_type is None:
        return context, 200
    if grid.has_errors:
        context["problems"] = grid.problems
        return context, 400
    now = timezone.now()
    try:
        rng, starts = slots.preview_slots(
            coach=coach,
            session_type=session_type,
            **grid.service_kwargs(),
            start=None,
            end=None,
            tz=coach.timezone,
            default_tz=coach.timezone,
            now=now,
        )
    except ServiceError as exc:
        grid.attach(exc.fields)
        context["problems"] = grid.problems
        return context, exc.status
    zone = ZoneInfo(rng.tz)
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for start in starts:
        local = start.astimezone(zone)
        by_day[local.date()].append(local)
    first = rng.start.astimezone(zone).date()
    context["days"] = [
        (first + timedelta(days=n), by_day.get(first + timedelta(days=n), []))
        for n in range(PREVIEW_DAYS)
    ]
    context["slot_count"] = len(starts)
    return context, 200


def _render_editor(
    request: AuthenticatedHttpRequest, coach: CoachProfile, grid: Grid, *, status: int = 200
) -> HttpResponse:
    types = list(coach_selectors.session_types_of(coach))
    preview, _ = _preview(coach, grid, types, request.POST.get("preview_session_type"))
    context = {
        "coach": coach,
        "grid": grid,
        "preview": preview,
        "blank": blanks(),
        "zone_differs": request.user.timezone != coach.timezone,
    }
    return render(request, "coach_settings/availability.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def availability_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    if request.method == "GET":
        grid = grid_from_saved(
            selectors.saved_rules(coach),
            zone=coach.timezone,
            daily_cap=coach.daily_cap,
            weekly_cap=coach.weekly_cap,
        )
        return _render_editor(request, coach, grid)
    grid = grid_from_post(request.POST, zone=coach.timezone)
    if grid.has_errors:
        return _render_editor(request, coach, grid, status=400)
    try:
        services.availability_replace(coach=coach, **grid.service_kwargs())
    except ServiceError as exc:
        grid.attach(exc.fields or {"__all__": [exc.message]})
        return _render_editor(request, coach, grid, status=exc.status)
    messages.success(request, "Availability saved. Clients see the new hours right away.")
    return redirect("coach_availability")


@login_required
@require_POST
def availability_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The preview panel for the posted (unsaved) rules; htmx swaps it into the editor."""
    coach = own_coach(request)
    grid = grid_from_post(request.POST, zone=coach.timezone)
    types = list(coach_selectors.session_types_of(coach))
    context, status = _preview(coach, grid, types, request.POST.get("preview_session_type"))
    return render(
        request, "coach_settings/_availability_preview.html", {"preview": context}, status=status
    )
