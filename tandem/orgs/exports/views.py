"""Pages of the exports: /org/programmes/<programme>/exports/ (start one, recent ones),
/org/jobs/<job>/export/ (progress, polled with htmx, then the download link) and
/org/jobs/<job>/export/download/ (the file; once deleted after the days exports are kept,
or missing, the job page with the reason, 410). Thin: the access gate finds the objects (404
for anyone but the organisation's admins), services do the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tandem.booking.forms import show_service_error
from tandem.core.errors import NotFound, ServiceError

from .. import access
from . import retention
from .selectors import export_view, recent_exports
from .services import export_checked, export_file, export_start
from .writers import CONTENT_TYPES


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label="File format",
        choices=[
            ("xlsx", "Excel workbook (.xlsx)"),
            ("csv", "CSV (.csv)"),
            ("pdf", "PDF report (.pdf)"),
        ],
        initial="xlsx",
        widget=forms.RadioSelect,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def exports_page(request: HttpRequest, programme_id: Any) -> HttpResponse:
    programme = access.programme_for_admin(request.user, programme_id)
    if programme is None:
        raise Http404("No such programme.")
    status = 200
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                job = export_start(
                    user=request.user,
                    programme_id=programme.public_id,
                    fmt=form.cleaned_data["format"],
                    now=timezone.now(),
                )
            except NotFound as error:
                raise Http404("No such programme.") from error
            except ServiceError as error:
                show_service_error(form, error)
                status = error.status
            else:
                return redirect("orgs_export_job", job_id=job.public_id)
        else:
            status = 400
    else:
        form = ExportForm()
    now = timezone.now()
    context = {
        "programme": programme,
        "form": form,
        "exports": [export_view(job, now=now) for job in recent_exports(programme)],
        "keep_days": retention.days_text(retention.keep_days()),
    }
    return render(request, "orgs/exports/exports.html", context, status=status)


@login_required
@require_safe
def export_job_page(request: HttpRequest, job_id: Any) -> HttpResponse:
    now = timezone.now()
    try:
        job = export_checked(user=request.user, job_id=job_id, now=now)
    except NotFound as error:
        raise Http404("No such export.") from error
    context = {"export": export_view(job, now=now), "programme": job.programme}
    if request.headers.get("HX-Request"):
        return render(request, "orgs/exports/_progress.html", context)
    return render(request, "orgs/exports/job.html", context)


@login_required
@require_safe
def export_download(request: HttpRequest, job_id: Any) -> HttpResponse | FileResponse:
    now = timezone.now()
    try:
        _job, handle, filename = export_file(user=request.user, job_id=job_id, now=now)
    except NotFound as error:
        raise Http404("No such export.") from error
    except (retention.ExportExpired, retention.ExportFileMissing) as error:
        # Deleted after the days exports are kept (or missing): the job page, saying so.
        job = export_checked(user=request.user, job_id=job_id, now=now)
        context = {"export": export_view(job, now=now), "programme": job.programme}
        return render(request, "orgs/exports/job.html", context, status=error.status)
    fmt = filename.rsplit(".", 1)[-1]
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES.get(fmt)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
