"""/api/v1/workspace/... : reports. Thin: parse, authorise through selectors.access, call one
service, present."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from ..services.reports import report_pdf

router = Router(tags=["workspace: reports"])


class ReportQuery(Schema):
    start: str = Field("", max_length=32, description="First day, YYYY-MM-DD")
    end: str = Field("", max_length=32, description="Last day, YYYY-MM-DD (included)")


@router.get(
    "/workspace/engagements/{engagement_id}/report.pdf",
    response={200: None},
    summary="An engagement's progress report as PDF",
    description=(
        "Goals with progress and milestones, sessions held, action items done, shared notes "
        "(never private ones) and, if the client agreed, the daily average mood. The period "
        "is `start` to `end` (YYYY-MM-DD, in the caller's zone, both included; default the "
        "last 90 days; at most two years). The engagement's coach or client; 404 for anyone "
        "else, 400 for a bad period."
    ),
)
def engagement_report_pdf(
    request: HttpRequest,
    engagement_id: str,
    query: Query[ReportQuery],
) -> HttpResponse:
    report = report_pdf(
        viewer=request.user,
        engagement_id=engagement_id,
        start=query.start,
        end=query.end,
        now=timezone.now(),
    )
    response = HttpResponse(report.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
