"""How long export files are kept, and the sweep that deletes them.

An export's file is kept TANDEM_ORGS_EXPORT_KEEP_DAYS days (default 30) after the job
finished. `exports_expire` (a step of the booking sweep: `manage.py booking_sweep`, the
`tandem-sweep@booking_sweep` timer; registered in OrgsConfig.ready) deletes the files of done
and failed export jobs older than that and marks each job expired. No new field: the mark is
`summary["expired_at"]` (with `expired`: "retention" or "missing", and `kept_days`), and
`result` is emptied; the job keeps its status (done or failed), which pages and the API show
as "expired" for a done one.

Safe twice and at once: the files go first (deleting a missing file is nothing), then a
conditional UPDATE (still done/failed, not yet marked) marks the job; a run that loses that
race counts nothing. A run that dies between the two leaves the job unmarked, and the next
run does both again.

A file missing on disk for any other reason (a restore, someone's `rm`) is found when the
job page, the API or a download looks at it (`check_file`): the job is marked expired the
same way (reason "missing"), and the download answers 410 instead of failing.
"""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q

from tandem.core.errors import ServiceError

from ..models import ProgrammeJob

logger = logging.getLogger(__name__)

Status = ProgrammeJob.Status
KINDS = (
    ProgrammeJob.Kind.EXPORT_CSV,
    ProgrammeJob.Kind.EXPORT_XLSX,
    ProgrammeJob.Kind.EXPORT_PDF,
)
FINISHED = (Status.DONE, Status.FAILED)
EXPIRED_AT = "expired_at"
# Where an export's files live: one folder per job (services.export_run).
FOLDER = "orgs/exports/{public_id}/"
BATCH = 200


def keep_days() -> int:
    return max(1, int(settings.TANDEM_ORGS_EXPORT_KEEP_DAYS))


def keep_for() -> timedelta:
    return timedelta(days=keep_days())


def days_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def is_expired(job: ProgrammeJob) -> bool:
    return EXPIRED_AT in (job.summary or {})


def expires_at(job: ProgrammeJob) -> datetime | None:
    """When a done export's file will be deleted (None unless it is done and still kept)."""
    if job.status != Status.DONE or not job.result or job.finished_at is None:
        return None
    return job.finished_at + keep_for()


def expired_message(job: ProgrammeJob) -> str:
    """What the pages and the API say about an expired export ("" if it is not)."""
    summary = job.summary or {}
    if EXPIRED_AT not in summary:
        return ""
    if summary.get("expired") == "missing":
        return "This export's file is no longer on the server; make a new one."
    days = int(summary.get("kept_days") or keep_days())
    return f"This export was deleted after {days_text(days)}; make a new one."


class ExportExpired(ServiceError):
    """This export was deleted after the days exports are kept; make a new one."""

    status = 410
    code = "export_expired"


class ExportFileMissing(ServiceError):
    """This export's file is no longer on the server; make a new one."""

    status = 410
    code = "export_file_missing"


def gone_error(job: ProgrammeJob) -> ServiceError:
    """The 410 a download of an expired export answers."""
    if (job.summary or {}).get("expired") == "missing":
        return ExportFileMissing(expired_message(job))
    return ExportExpired(expired_message(job))


def _delete_files(public_id: Any, result: str) -> None:
    """The job's file and anything else in its folder (a crashed run's leftover)."""
    folder = FOLDER.format(public_id=public_id)
    names = {result} if result else set()
    with contextlib.suppress(FileNotFoundError, NotImplementedError):
        _dirs, files = default_storage.listdir(folder)
        names.update(folder + name for name in files)
    for name in sorted(names):
        default_storage.delete(name)
    # FileSystemStorage leaves the empty folder; other backends have none (no `path`).
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))


def _mark(job_pk: int, status: str, summary: dict[str, Any], now: datetime, reason: str) -> int:
    marked = {**(summary or {}), EXPIRED_AT: now.isoformat(), "expired": reason}
    if reason == "retention":
        marked["kept_days"] = keep_days()
    return (
        ProgrammeJob.objects.filter(pk=job_pk, status=status)
        .exclude(summary__has_key=EXPIRED_AT)
        .update(result="", summary=marked)
    )


def exports_expire(*, now: datetime) -> int:
    """Delete the files of the export jobs (done or failed) that finished more than
    TANDEM_ORGS_EXPORT_KEEP_DAYS days before `now`, and mark them expired. Returns how many
    jobs this run marked. Queued and running jobs are never touched."""
    cutoff = now - keep_for()
    due = (
        ProgrammeJob.objects.filter(kind__in=KINDS, status__in=FINISHED)
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
        .exclude(summary__has_key=EXPIRED_AT)
        .order_by("pk")
    )
    marked = 0
    after = 0
    while True:
        rows = list(
            due.filter(pk__gt=after).values_list("pk", "public_id", "status", "result", "summary")[
                :BATCH
            ]
        )
        if not rows:
            break
        for pk, public_id, status, result, summary in rows:
            _delete_files(public_id, str(result or ""))
            marked += _mark(pk, status, summary, now, "retention")
        after = rows[-1][0]
    if marked:
        logger.info("export files deleted after %s days: %s jobs", keep_days(), marked)
    return marked


def file_missing(job: ProgrammeJob, *, now: datetime) -> ProgrammeJob:
    """`job` (done, with a file name) whose file is not in storage: marked expired (reason
    "missing", a conditional UPDATE: marking twice changes nothing), fresh from the database."""
    _mark(job.pk, job.status, job.summary, now, "missing")
    job.refresh_from_db(fields=["status", "result", "summary"])
    return job


def check_file(job: ProgrammeJob, *, now: datetime) -> ProgrammeJob:
    """`job`, marked expired if it is done and its file is gone from storage."""
    done = job.status == Status.DONE and job.result and not is_expired(job)
    if done and not default_storage.exists(str(job.result.name)):
        return file_missing(job, now=now)
    return job
