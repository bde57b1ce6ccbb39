"""/api/v1/orgs/... : report exports. Thin: the access gate finds objects (404 for anyone but
the organisation's admins), services do the work.

- POST /orgs/programmes/{id}/exports {"format": "csv"|"xlsx"|"pdf"} (Idempotency-Key)
- GET  /orgs/programmes/{id}/exports: the recent ones
- GET  /orgs/exports/{id}: status and progress
- GET  /orgs/exports/{id}/download: the file once done; 410 once it was deleted (kept
  TANDEM_ORGS_EXPORT_KEEP_DAYS days, retention.py) or is missing from storage
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictStr

from tandem.core.schemas import ErrorOut, InputSchema
from tandem.workspace.services.idempotency import once

from .. import access
from ..models import ProgrammeJob
from .selectors import export_view, recent_exports
from .services import ProgrammeNotFound, export_checked, export_file, export_start
from .writers import CONTENT_TYPES

router = Router(tags=["organisations: exports"])

NOT_YOURS = (
    "Only the programme's organisation's admins; anyone else gets 404, as for an unknown id."
)


class ExportIn(InputSchema):
    format: StrictStr = Field(max_length=8, description="csv, xlsx or pdf.")


class ExportOut(Schema):
    id: str = Field(description="The export's id.")
    programme_id: str
    format: str = Field(description="csv, xlsx or pdf.")
    status: str = Field(
        description="queued, running, done, failed or expired (its file was deleted after "
        "the days exports are kept, or is missing: start a new export)."
    )
    progress: int = Field(description="Steps done, of `total`.")
    total: int
    created_at: datetime
    finished_at: datetime | None
    filename: str = Field(description="The file's name once done (or expired), else empty.")
    download_url: str = Field(description="Where to fetch the file once done, else empty.")
    expires_at: datetime | None = Field(
        description="When a done export's file will be deleted (null unless done)."
    )
    error: str = Field(description="Why it failed, or why its file is gone; else empty.")


class ExportListOut(Schema):
    items: list[ExportOut]


def export_body(job: ProgrammeJob, now: datetime) -> dict[str, Any]:
    view = export_view(job, now=now)
    return {
        "id": str(job.public_id),
        "programme_id": str(job.programme.public_id),
        "format": view.format,
        "status": view.status,
        "progress": job.progress,
        "total": job.total,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "filename": view.filename,
        "download_url": (
            f"/api/v1/orgs/exports/{job.public_id}/download" if view.download_url else ""
        ),
        "expires_at": view.expires_at,
        "error": view.error,
    }


@router.post(
    "/orgs/programmes/{programme_id}/exports",
    response={200: ExportOut, 201: ExportOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Start an export of a programme's report",
    description="Queues a CSV, XLSX or PDF of the programme's report (the dashboard's "
    "aggregates, groups under 5 suppressed) and answers 201 with the export; follow it at "
    "`GET /api/v1/orgs/exports/{id}`. `Idempotency-Key`: the same key and body again returns "
    "the first export (200, `Idempotent-Replayed: true`); another body answers 409. "
    "While an export of the same format is still queued or running, that export is "
    "answered instead of a second one. An unknown format answers 400 and queues nothing. "
    + NOT_YOURS,
)
def start_export(
    request: HttpRequest, response: HttpResponse, payload: ExportIn, programme_id: str
) -> Status[Any]:
    programme = access.programme_for_admin(request.user, programme_id)
    if programme is None:
        raise ProgrammeNotFound()
    now = timezone.now()
    job, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="orgs.export",
        body={"programme": str(programme.public_id), "format": payload.format},
        create=lambda: export_start(
            user=request.user, programme_id=programme.public_id, fmt=payload.format, now=now
        ),
        load=lambda public_id: access.job_for_admin(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, export_body(job, now))


@router.get(
    "/orgs/programmes/{programme_id}/exports",
    response={200: ExportListOut, 404: ErrorOut},
    summary="A programme's recent exports",
    description="The 10 latest, newest first. " + NOT_YOURS,
)
def list_exports(request: HttpRequest, programme_id: str) -> dict[str, Any]:
    programme = access.programme_for_admin(request.user, programme_id)
    if programme is None:
        raise ProgrammeNotFound()
    now = timezone.now()
    items = []
    for job in recent_exports(programme):
        job.programme = programme
        items.append(export_body(job, now))
    return {"items": items}


@router.get(
    "/orgs/exports/{export_id}",
    response={200: ExportOut, 404: ErrorOut},
    summary="An export's status and progress",
    description="A done export whose file is gone from storage reads `expired`. " + NOT_YOURS,
)
def get_export(request: HttpRequest, export_id: str) -> dict[str, Any]:
    now = timezone.now()
    return export_body(export_checked(user=request.user, job_id=export_id, now=now), now)


@router.get(
    "/orgs/exports/{export_id}/download",
    response={200: None, 404: ErrorOut, 410: ErrorOut},
    summary="Download an export's file",
    description="The file once the export is done; 404 `export_not_ready` before (or when "
    "it failed). Files are kept TANDEM_ORGS_EXPORT_KEEP_DAYS days (default 30) "
    "after the export finished, then deleted: 410 `export_expired`; a file missing from "
    "storage for another reason: 410 `export_file_missing`. Start a new export either way. "
    + NOT_YOURS,
)
def download_export(request: HttpRequest, export_id: str) -> FileResponse:
    _job, handle, filename = export_file(user=request.user, job_id=export_id, now=timezone.now())
    fmt = filename.rsplit(".", 1)[-1]
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES.get(fmt)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
