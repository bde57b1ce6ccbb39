"""Pages of the participant's side: my programmes, one seat, choosing a coach, the survey and
what my sponsor sees. Another person's seat (or an unknown id) is a 404.

Thin: find the seat through the gate, call one selector or service, render or redirect; a
refused form is shown again with the service's message (status 400/409).
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tandem.booking.forms import show_service_error
from tandem.core.errors import ServiceError

from ..models import SurveyResponse
from . import rules, selectors, services


def _seat(request: HttpRequest, participant_id: uuid.UUID) -> selectors.Seat:
    seat = selectors.my_seat(request.user, participant_id)
    if seat is None:
        raise Http404("No such programme place.")
    return seat


@login_required
@require_safe
def my_programmes(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "orgs/sponsorship/my_programmes.html",
        {
            "seats": selectors.my_seats(request.user),
            "invitations": list(selectors.pending_invitations(request.user, now)),
        },
    )


@login_required
@require_safe
def seat(request: HttpRequest, participant_id: uuid.UUID) -> HttpResponse:
    the_seat = _seat(request, participant_id)
    today = rules.local_date(timezone.now(), request.user)
    return render(
        request,
        "orgs/sponsorship/seat.html",
        {"seat": the_seat, "surveys": selectors.surveys_offered(the_seat, today)},
    )


class CoachPickForm(forms.Form):
    """The whole list to pick from; which coach may be chosen is the service's rule."""

    coach = forms.CharField(
        label="Another coach from your programme", max_length=64, widget=forms.Select
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["coach"].widget.choices = [("", "Choose a coach"), *choices]


@login_required
@require_http_methods(["GET", "POST"])
def seat_coach(request: HttpRequest, participant_id: uuid.UUID) -> HttpResponse:
    the_seat = _seat(request, participant_id)
    now = timezone.now()
    # "Another coach" means another: the current one is never offered again in the list
    current = the_seat.coach.pk if the_seat.coach is not None else None
    others = [c for c in selectors.coaches_to_choose(the_seat) if c.pk != current]
    choices = [(str(c.public_id), f"{c.user.name} — {c.headline}") for c in others]
    pick = CoachPickForm(choices=choices)
    error = None
    status = 200
    if request.method == "POST":
        posted = CoachPickForm(request.POST, choices=choices)
        if posted.is_valid():
            try:
                services.seat_choose_coach(
                    seat=the_seat, coach_id=posted.cleaned_data["coach"], now=now
                )
            except ServiceError as exc:
                show_service_error(posted, exc)
                status = exc.status
            else:
                messages.success(
                    request, "Your coach is chosen: book your first session when it suits you."
                )
                return redirect("orgs_seat", participant_id=participant_id)
        else:
            status = 400
        pick = posted
        error = True
    return render(
        request,
        "orgs/sponsorship/coach.html",
        {
            "seat": the_seat,
            "suggestions": selectors.coach_suggestions(the_seat, now=now),
            "pick": pick,
            "error": error,
            "coach_count": len(others),
        },
        status=status,
    )


class SurveyForm(forms.Form):
    SCALE = [(str(i), str(i)) for i in range(1, 6)]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, question in services.SURVEY_QUESTIONS:
            self.fields[name] = forms.ChoiceField(
                label=question,
                choices=self.SCALE,
                widget=forms.RadioSelect,
                help_text="1 = not at all, 5 = very much",
            )


@login_required
@require_http_methods(["GET", "POST"])
def seat_survey(request: HttpRequest, participant_id: uuid.UUID, phase: str) -> HttpResponse:
    the_seat = _seat(request, participant_id)
    if phase not in SurveyResponse.Phase.values:
        raise Http404("No such survey.")
    now = timezone.now()
    today = rules.local_date(now, request.user)
    is_open = selectors.survey_open(the_seat, phase, today)
    form = SurveyForm()
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                services.seat_answer_survey(
                    seat=the_seat, phase=phase, scores=form.cleaned_data, now=now
                )
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Thank you: your answers are saved.")
                return redirect("orgs_seat", participant_id=participant_id)
        else:
            status = 400
    return render(
        request,
        "orgs/sponsorship/survey.html",
        {
            "seat": the_seat,
            "phase": phase,
            "phase_label": SurveyResponse.Phase(phase).label,
            "is_open": is_open,
            "form": form,
        },
        status=status,
    )


@login_required
@require_safe
def seat_sponsor_view(request: HttpRequest, participant_id: uuid.UUID) -> HttpResponse:
    the_seat = _seat(request, participant_id)
    return render(
        request,
        "orgs/sponsorship/sponsor_view.html",
        {
            "seat": the_seat,
            "row": selectors.roster_row(the_seat.participant),
            "seat_url": reverse("orgs_seat", args=[participant_id]),
        },
    )
