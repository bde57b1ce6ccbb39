"""Pages of this area: a programme's dashboard and its ROI view. Thin: the gate
(orgs/access.py) finds the programme for its admins (anyone else: 404, like an unknown id),
the reporting gate (selectors.programme_report) computes every figure, present lays it out."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import access
from ..models import Programme
from ..selectors import MIN_GROUP
from .present import page
from .selectors import report_for_viewer


def _programme(request: HttpRequest, programme_id: uuid.UUID) -> Programme:
    programme = access.programme_for_admin(request.user, programme_id)
    if programme is None:
        raise Http404("No such programme.")
    return programme


def _render(request: HttpRequest, programme_id: uuid.UUID, template: str) -> HttpResponse:
    programme = _programme(request, programme_id)
    report = report_for_viewer(programme, now=timezone.now(), zone=timezone.get_current_timezone())
    return render(
        request,
        template,
        {
            "programme": programme,
            "organisation": programme.organisation,
            "page": page(report),
            "report": report,
            "min_group": MIN_GROUP,
        },
    )


@login_required
@require_safe
def dashboard(request: HttpRequest, programme_id: uuid.UUID) -> HttpResponse:
    return _render(request, programme_id, "orgs/reporting/dashboard.html")


@login_required
@require_safe
def roi(request: HttpRequest, programme_id: uuid.UUID) -> HttpResponse:
    return _render(request, programme_id, "orgs/reporting/roi.html")
