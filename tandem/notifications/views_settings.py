"""Settings pages: notification preferences (/settings/notifications/, where every email's
"preferences" link points) with the Web Push opt-in, and a coach's reminder lead times
(/coach/reminders/).

Thin: parse with a form, call one service, render. The services' InvalidInput comes back
as field errors with a 400, and then nothing was changed (they validate before writing).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.coaches.views_coach import own_coach
from tandem.core.errors import ServiceError

from . import selectors, services
from .forms import (
    PreferencesForm,
    RemindersForm,
    describe,
    show_preferences_error,
    show_reminders_error,
)
from .kinds import CHANNEL_LABELS, CHANNELS
from .services.schedules import default_offsets


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    table = services.preferences_get(request.user)
    bound = request.POST if request.method == "POST" else None
    form = PreferencesForm(bound, initial=PreferencesForm.initial_from(table))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.preferences_update(
                    user=request.user,
                    enabled=_changed(table.enabled, form.enabled()),
                    quiet_start=data["quiet_start"],
                    quiet_end=data["quiet_end"],
                    clear_quiet_hours=data["quiet_start"] is None and data["quiet_end"] is None,
                    digest=data["digest"],
                    digest_hour=data["digest_hour"],
                    sound=data["sound"],
                )
            except ServiceError as exc:
                show_preferences_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Notification settings saved.")
                return redirect("settings_notifications")
        else:
            status = 400
    context = {"form": form, "channels": [CHANNEL_LABELS[ch] for ch in CHANNELS]}
    return render(request, "notifications/preferences.html", context, status=status)


def _changed(
    current: dict[str, dict[str, bool]], chosen: dict[str, dict[str, bool]]
) -> dict[str, dict[str, bool]]:
    """Only the cells the user changed: an untouched one keeps meaning "the kind's
    default", so a later change of a default still reaches them."""
    result: dict[str, dict[str, bool]] = {}
    for kind, channels in chosen.items():
        for channel, on in channels.items():
            if current[kind][channel] != on:
                result.setdefault(kind, {})[channel] = on
    return result


@login_required
@require_http_methods(["GET", "POST"])
def coach_reminders(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)  # 404 for someone who does not coach
    defaults = default_offsets()
    coach_side, client_side = selectors.reminder_offsets_of(coach)
    form = RemindersForm(
        request.POST if request.method == "POST" else None,
        defaults=defaults,
        initial=RemindersForm.initial_from(coach_side, client_side),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.schedule_set(
                    coach=coach,
                    coach_offsets=form.offsets("coach"),
                    client_offsets=form.offsets("client"),
                )
            except ServiceError as exc:
                show_reminders_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    "Reminder times saved. They apply to sessions booked or moved from now on.",
                )
                return redirect("coach_reminders")
        else:
            status = 400
    context = {
        "form": form,
        "current": {
            "coach": describe(coach_side if coach_side is not None else defaults["coach"]),
            "client": describe(client_side if client_side is not None else defaults["client"]),
        },
    }
    return render(request, "notifications/coach_reminders.html", context, status=status)
