"""API of this area (mounted under /api/v1/ by tandem/orgs/api.py): a programme's report,
the same figures as its dashboard (reporting.selectors.programme_report)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from tandem.core.errors import NotFound

from .. import access
from .present import report_json
from .schemas import ReportOut
from .selectors import report_for_viewer

router = Router(tags=["organisations"])


class ProgrammeNotFound(NotFound):
    """No such programme."""

    code = "programme_not_found"


@router.get(
    "/orgs/programmes/{programme_id}/report",
    response=ReportOut,
    summary="A programme's report (aggregates only)",
    description="Every figure the sponsor's dashboard shows. A figure over fewer than 5 "
    'participants is `{"value": null, "suppressed": true}`; money is in minor units of '
    "`currency`; months are in the caller's time zone. Only the programme's organisation "
    "admins reach it: anyone else (staff, coaches, other organisations) gets 404, like an "
    "unknown id. No names, emails or texts, ever.",
)
def programme_report_api(request: HttpRequest, programme_id: str) -> dict[str, Any]:
    programme = access.programme_for_admin(request.user, programme_id)
    if programme is None:
        raise ProgrammeNotFound()
    report = report_for_viewer(programme, now=timezone.now(), zone=timezone.get_current_timezone())
    return report_json(report)
