"""The coach's booking policy page (/coach/policy/): coaches' cancellation and rescheduling
windows and payments' late cancellation fee, saved together in one transaction.

It lives in payments because it writes both apps (payments builds on coaches, never the
other way round). Someone without a coach profile gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tandem.coaches import services as coach_services
from tandem.coaches.forms_coach import PolicyForm
from tandem.coaches.views_coach import own_coach
from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error

from . import coach_settings


@login_required
@require_http_methods(["GET", "POST"])
def coach_policy(request: HttpRequest) -> HttpResponse:
    coach = own_coach(request)
    initial = {
        "cancel_free_hours": coach.cancel_free_hours,
        "reschedule_min_hours": coach.reschedule_min_hours,
        "late_fee_percent": coach_settings.settings_of(coach).late_fee_percent,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            policy = dict(form.cleaned_data)
            late_fee = policy.pop("late_fee_percent")
            try:
                with transaction.atomic():
                    coach_services.coach_profile_update(coach=coach, **policy)
                    coach_settings.coach_payment_settings_update(
                        coach=coach, late_fee_percent=late_fee
                    )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Booking policy saved. It applies to every session.")
                return redirect("coach_policy")
        else:
            status = 400
    context = {"coach": coach, "form": form}
    return render(request, "coach_settings/policy.html", context, status=status)
