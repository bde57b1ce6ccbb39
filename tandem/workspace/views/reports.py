"""Pages: the progress report of an engagement (/workspace/<engagement>/report/ and
/workspace/<engagement>/report.pdf?start=&end=).

Its coach and its client may download it; anyone else (staff too) gets 404. A bad period
answers 400 with the form and the error, never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_safe

from tandem.booking.forms import show_service_error
from tandem.core.errors import NotFound, ServiceError

from ..selectors.access import engagement_for, role_in
from ..selectors.reports import report_period
from ..services.reports import report_pdf


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(forms.Form):
    # Plain text fields: the period is checked by report_period (the API's rule), not here.
    start = forms.CharField(
        label="From", max_length=10, widget=DateInput(attrs={"class": "form-control"})
    )
    end = forms.CharField(
        label="To",
        max_length=10,
        widget=DateInput(attrs={"class": "form-control"}),
        help_text="Up to two years. The dates are in your time zone.",
    )


def _page(
    request: HttpRequest, engagement_id: Any, form: ReportForm, status: int = 200
) -> HttpResponse:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise Http404("No such engagement.")
    role = role_in(engagement, request.user)
    context = {
        "engagement": engagement,
        "role": role,
        "other": engagement.client if role == "coach" else engagement.coach.user,
        "form": form,
    }
    return render(request, "workspace/reports/report_form.html", context, status=status)


@login_required
@require_safe
def report_page(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    zone = getattr(request.user, "timezone", "UTC")
    period = report_period(None, None, zone=zone, now=timezone.now())
    form = ReportForm(initial={"start": period.start.isoformat(), "end": period.end.isoformat()})
    return _page(request, engagement_id, form)


@login_required
@require_safe
def report_download(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    start, end = request.GET.get("start", ""), request.GET.get("end", "")
    try:
        report = report_pdf(
            viewer=request.user, engagement_id=engagement_id, start=start, end=end,
            now=timezone.now(),
        )  # fmt: skip
    except NotFound as exc:
        raise Http404("No such engagement.") from exc
    except ServiceError as exc:
        form = ReportForm(request.GET)
        form.is_valid()
        show_service_error(form, exc)
        return _page(request, engagement_id, form, status=exc.status)
    response = HttpResponse(report.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("workspace/<uuid:engagement_id>/report/", report_page, name="workspace_report"),
    path(
        "workspace/<uuid:engagement_id>/report.pdf",
        report_download,
        name="workspace_report_pdf",
    ),
]
