"""Reads of the exports area: recent exports of a programme, and a job as pages and the API
show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.urls import reverse

from tandem.core.jobs import lease

from ..models import Programme, ProgrammeJob
from . import retention
from .services import EXPORT_KINDS, FORMAT_OF

RECENT = 10


def recent_exports(programme: Programme, *, limit: int = RECENT) -> QuerySet[ProgrammeJob]:
    return (
        ProgrammeJob.objects.filter(programme=programme, kind__in=EXPORT_KINDS)
        .order_by("-created_at", "-pk")
        .defer("errors", "upload")[:limit]
    )


@dataclass(frozen=True, slots=True)
class ExportView:
    job: ProgrammeJob
    format: str
    status: str
    percent: int
    finished: bool
    stalled: bool
    filename: str
    page_url: str
    download_url: str
    error: str
    # When a done export's file will be deleted (None otherwise); `expired`: it was.
    expires_at: datetime | None
    expired: bool


def export_view(job: ProgrammeJob, *, now: datetime) -> ExportView:
    """A job as the pages and the API show it. A done export whose file was deleted
    (retention.py) has the status "expired", no download and the reason as its error."""
    expired = job.status == ProgrammeJob.Status.DONE and retention.is_expired(job)
    status = "expired" if expired else job.status
    done = status == ProgrammeJob.Status.DONE and bool(job.result)
    total = job.total or 1
    stalled = status == ProgrammeJob.Status.RUNNING and bool(
        job.started_at and job.started_at < now - 2 * lease()
    )
    if expired:
        error = retention.expired_message(job)
    elif status == ProgrammeJob.Status.FAILED:
        error = str(job.summary.get("error", ""))
    else:
        error = ""
    return ExportView(
        job=job,
        format=FORMAT_OF.get(job.kind, ""),
        status=status,
        percent=min(100, round(100 * job.progress / total)),
        finished=status in (ProgrammeJob.Status.DONE, ProgrammeJob.Status.FAILED, "expired"),
        stalled=stalled,
        filename=str(job.summary.get("filename", "")) if done or expired else "",
        page_url=reverse("orgs_export_job", args=[job.public_id]),
        download_url=reverse("orgs_export_download", args=[job.public_id]) if done else "",
        error=error,
        expires_at=retention.expires_at(job) if done else None,
        expired=expired,
    )
