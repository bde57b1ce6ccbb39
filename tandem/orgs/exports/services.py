"""Report exports: every write of this area.

- `export_start` (page and API): the organisation's admin asks for a CSV, XLSX or PDF of a
  programme's report. A `ProgrammeJob` is made and its task enqueued in the same transaction
  (core.outbox: the job exists if and only if the request committed).
- `export_run` (the task): claims the job with a conditional UPDATE (queued -> running, or a
  running job whose claim is older than the job lease: its worker died), builds the document
  from the reporting gate, writes the file, stores it, and marks the job done, updating
  `progress` of `total` as it goes. Every later write is conditional on the claim (status
  running and the claim's `started_at`): a run that lost its claim stops and leaves nothing.
  Run twice, the second run finds the job claimed or done and does nothing.

The file is served only through the access gate (`access.job_for_admin`), to the
organisation's admins, for TANDEM_ORGS_EXPORT_KEEP_DAYS days (retention.py: then the booking
sweep deletes it and the download answers 410).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils.text import slugify

from tandem.core.errors import InvalidInput, NotFound
from tandem.core.jobs import lease
from tandem.core.outbox import enqueue_in_transaction

from .. import access
from ..models import Programme, ProgrammeJob
from . import retention
from .document import document_for
from .writers import WRITERS

logger = logging.getLogger(__name__)

Kind = ProgrammeJob.Kind
Status = ProgrammeJob.Status
FORMATS: dict[str, str] = {"csv": Kind.EXPORT_CSV, "xlsx": Kind.EXPORT_XLSX, "pdf": Kind.EXPORT_PDF}
FORMAT_OF: dict[str, str] = {kind: fmt for fmt, kind in FORMATS.items()}
EXPORT_KINDS = tuple(FORMATS.values())
# The steps a run reports: claimed, figures read, document laid out, file written, stored.
STEPS = 5
# A queued export younger than this is the one a new request of the same format gets.
PENDING_FOR = timedelta(minutes=10)
FAILED_MESSAGE = "The export could not be made. Try again; if it fails again, tell support."


class ProgrammeNotFound(NotFound):
    """No such programme."""

    code = "programme_not_found"


class ExportNotFound(NotFound):
    """No such export."""

    code = "export_not_found"


class ExportNotReady(NotFound):
    """That export has no file (it is not done, or it failed)."""

    code = "export_not_ready"


class UnknownFormat(InvalidInput):
    """The format must be csv, xlsx or pdf."""

    code = "invalid_format"


def check_format(value: Any) -> str:
    if not isinstance(value, str) or value not in FORMATS:
        raise UnknownFormat(fields={"format": ["Choose csv, xlsx or pdf."]})
    return value


def export_start(*, user: Any, programme_id: Any, fmt: Any, now: datetime) -> ProgrammeJob:
    """Queue an export of the programme's report. 404 unless `user` is one of the
    programme's organisation's admins; 400 for a format other than csv, xlsx or pdf. An
    export of the same format still queued or running (within its lease) is returned
    instead of a second one (under the programme's lock: two clicks make one job)."""
    kind = FORMATS[check_format(fmt)]
    with transaction.atomic():
        programme = access.programme_for_admin(user, programme_id, for_update=True)
        if programme is None:
            raise ProgrammeNotFound()
        pending = (
            ProgrammeJob.objects.filter(programme=programme, kind=kind)
            .filter(
                Q(status=Status.QUEUED, created_at__gt=now - PENDING_FOR)
                | Q(status=Status.RUNNING, started_at__gt=now - lease())
            )
            .order_by("-created_at")
            .first()
        )
        if pending is not None:
            return pending
        job = ProgrammeJob.objects.create(
            programme=programme, kind=kind, total=STEPS, created_by=user, created_at=now
        )
        from .tasks import export_task

        job_id = str(job.public_id)
        enqueue_in_transaction(lambda: export_task.enqueue(job_id))
    return job


def export_filename(programme: Programme, fmt: str, now: datetime, zone: Any) -> str:
    """`<slug of the programme's name>-report-<date>.<ext>`: ASCII letters, digits and dashes."""
    day = now.astimezone(zone).date().isoformat()
    name = slugify(programme.name)[:60].strip("-") or "programme"
    return f"{name}-report-{day}.{fmt}"


def _zone_of(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "timezone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class _Claim:
    pk: int
    started_at: datetime

    def rows(self) -> Any:
        return ProgrammeJob.objects.filter(
            pk=self.pk, status=Status.RUNNING, started_at=self.started_at
        )

    def step(self, progress: int) -> bool:
        return bool(self.rows().update(progress=progress))


def _claim(public_id: Any, now: datetime) -> _Claim | None:
    try:
        pid = uuid.UUID(str(public_id))
    except ValueError:
        return None
    job = ProgrammeJob.objects.filter(public_id=pid, kind__in=EXPORT_KINDS).first()
    if job is None:
        return None
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=now - lease())
    claimed = ProgrammeJob.objects.filter(claimable, pk=job.pk).update(
        status=Status.RUNNING, started_at=now, progress=1, finished_at=None
    )
    return _Claim(job.pk, now) if claimed else None


def _expire_later(finished: datetime) -> None:
    """The file's deletion, as a job due when its retention ends (in the same transaction as
    the job's DONE), so `manage.py serve` keeps the retention with no sweep running; the
    booking sweep's `org_exports_expired` step is the backstop."""
    from .tasks import exports_expire_task

    due = finished + retention.keep_for()
    enqueue_in_transaction(lambda: exports_expire_task.using(run_after=due).enqueue())


def export_run(job_id: Any, *, now: datetime, clock: Callable[[], datetime] | None = None) -> bool:
    """Run the export job `job_id` (its public id) if it is queued (or its claim lapsed).
    True if this run made the file. `now` is the claim's instant and the report's "now";
    `clock` (default: `now` again) gives the finishing instant."""
    claim = _claim(job_id, now)
    if claim is None:
        return False
    job = ProgrammeJob.objects.select_related("programme__organisation", "created_by").get(
        pk=claim.pk
    )
    fmt = FORMAT_OF[job.kind]
    zone = _zone_of(job.created_by)
    stored = ""
    try:
        doc = document_for(job.programme, now=now, zone=zone)
        if not claim.step(2):
            return False
        data = WRITERS[fmt](doc)
        if not claim.step(3):
            return False
        filename = export_filename(job.programme, fmt, now, zone)
        stored = default_storage.save(f"orgs/exports/{job.public_id}/{filename}", ContentFile(data))
        if not claim.step(4):
            default_storage.delete(stored)
            return False
        finished = max(now, clock()) if clock else now
        with transaction.atomic():
            done = claim.rows().update(
                status=Status.DONE,
                progress=STEPS,
                total=STEPS,
                result=stored,
                finished_at=finished,
                summary={"filename": filename, "format": fmt, "bytes": len(data)},
            )
            if done:
                _expire_later(finished)
        if not done:
            default_storage.delete(stored)
        return bool(done)
    except (OperationalError, InterfaceError):
        # The database went away: the task is retried (core/jobs.py); give the job back
        # if we still can, else its claim lapses after the lease and the retry takes it.
        if stored:
            default_storage.delete(stored)
        with contextlib.suppress(OperationalError, InterfaceError):
            claim.rows().update(status=Status.QUEUED, progress=0)
        raise
    except Exception:
        logger.exception("export %s failed", job_id)
        if stored:
            default_storage.delete(stored)
        claim.rows().update(
            status=Status.FAILED,
            finished_at=max(now, clock()) if clock else now,
            summary={"error": FAILED_MESSAGE},
        )
        raise


def export_file(*, user: Any, job_id: Any, now: datetime) -> tuple[ProgrammeJob, Any, str]:
    """(job, open file, filename) of a finished export, for the organisation's admins only
    (404 for anyone else, like an unknown id); 404 `export_not_ready` before it is done (or
    when it failed); 410 `export_expired` once its file was deleted after
    TANDEM_ORGS_EXPORT_KEEP_DAYS days, 410 `export_file_missing` when the file is gone from
    storage for another reason (the job is then marked expired: retention.file_missing)."""
    job = export_for_admin(user, job_id)
    if retention.is_expired(job):
        if job.status == Status.DONE:
            raise retention.gone_error(job)
        raise ExportNotReady()
    if job.status != Status.DONE or not job.result:
        raise ExportNotReady()
    name = str(job.result.name)
    filename = str(job.summary.get("filename") or name.rsplit("/", 1)[-1])
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise retention.gone_error(retention.file_missing(job, now=now)) from None
    return job, handle, filename


def export_checked(*, user: Any, job_id: Any, now: datetime) -> ProgrammeJob:
    """The export for the job page and the API: `export_for_admin`, and a done export whose
    file is gone from storage is marked expired first (so it says the truth)."""
    return retention.check_file(export_for_admin(user, job_id), now=now)


def export_for_admin(user: Any, job_id: Any) -> ProgrammeJob:
    job = access.job_for_admin(user, job_id)
    if job is None or job.kind not in EXPORT_KINDS:
        raise ExportNotFound()
    return job
