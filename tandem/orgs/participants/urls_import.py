"""Pages of the CSV import and the domain join (mounted by tandem/orgs/urls.py).

- `orgs_import` /org/programmes/<programme_id>/participants/import/: the upload form (admins).
- `orgs_import_job` /org/jobs/<job_id>/import/: an import's progress and per-row errors; htmx
  polls its progress part until the job is done (without JavaScript a refresh link, and the
  page refreshes itself while the job runs).
- `orgs_join` /programmes/join/: the programmes a signed-in person's verified addresses let
  them join, and joining one.

Thin: authorise through orgs/access.py (anyone else's programme or job is a 404, like an
unknown id), call one service, render.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tandem.core.errors import ServiceError

from ..access import job_for_admin, programme_for_admin
from ..models import ProgrammeJob
from . import imports
from .join import joinable_programmes, programme_join


def _job_context(job: ProgrammeJob) -> dict[str, Any]:
    view = imports.job_view(job)
    view["page_url"] = reverse("orgs_import_job", args=[job.public_id])
    return {"job": view, "programme": job.programme}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_page(request: HttpRequest, programme_id: uuid.UUID) -> HttpResponse:
    programme = programme_for_admin(request.user, programme_id)
    if programme is None:
        raise Http404("No such programme.")
    error = ""
    status = 200
    if request.method == "POST":
        try:
            job, _ = imports.import_start(
                actor=request.user,
                programme=programme,
                upload=request.FILES.get("file"),
                now=timezone.now(),
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("orgs_import_job", job_id=job.public_id)
    context = {
        "programme": programme,
        "error": error,
        "recent": [imports.job_view(job) for job in imports.recent_imports(programme)],
        "max_rows": imports.MAX_ROWS,
        "max_mb": imports.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "orgs/participants/import.html", context, status=status)


@login_required
@require_safe
def import_job_page(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = job_for_admin(request.user, job_id)
    if job is None or job.kind != ProgrammeJob.Kind.IMPORT_CSV:
        raise Http404("No such import.")
    context = _job_context(job)
    if request.headers.get("HX-Request") == "true":
        return render(request, "orgs/participants/_import_progress.html", context)
    return render(request, "orgs/participants/import_job.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    error = ""
    status = 200
    if request.method == "POST":
        try:
            seat = programme_join(
                user=request.user, programme_id=request.POST.get("programme", ""), now=now
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, f"You have a place in {seat.programme.name}.")
            return redirect(f"/programmes/{seat.public_id}/")
    context = {"joinable": joinable_programmes(request.user, now=now), "error": error}
    return render(request, "orgs/participants/join.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path(
        "org/programmes/<uuid:programme_id>/participants/import/",
        import_page,
        name="orgs_import",
    ),
    path("org/jobs/<uuid:job_id>/import/", import_job_page, name="orgs_import_job"),
    path("programmes/join/", join_page, name="orgs_join"),
]
