"""/api/v1/orgs/... : the CSV import of participants, its jobs, and joining by email domain.
Thin: the access gate finds objects (404 for anyone but the organisation's admins), one
service does the work.

- POST /orgs/programmes/{id}/participants/import (multipart `file`; Idempotency-Key)
- GET  /orgs/jobs/{id}: a programme job's status, progress and per-row errors
- GET  /orgs/joinable: the programmes the caller's verified addresses let them join
- POST /orgs/programmes/{id}/join: take a seat through the domain rule
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status, UploadedFile

from tandem.core.errors import NotFound
from tandem.core.schemas import ErrorOut

from .. import access
from . import imports
from .join import joinable_programmes, programme_join

router = Router(tags=["organisations: participants import"])

NOT_YOURS = (
    "Only the programme's organisation's admins; anyone else gets 404, as for an unknown id."
)


class ProgrammeNotFound(NotFound):
    """No such programme."""

    code = "programme_not_found"


class JobNotFound(NotFound):
    """No such job."""

    code = "job_not_found"


class RowErrorOut(Schema):
    line: int = Field(description="The file's line where the row starts (1 = first); 0: the file.")
    code: str = Field(
        description="invalid_email, duplicate, already_in_programme, formula, no_email, "
        "too_many_columns, name_too_long, too_many_rows, unknown_column, no_email_column, "
        "unreadable, no_rows, ..."
    )
    message: str
    email: str = Field(description="The row's address as given (shortened), if any.")


class JobOut(Schema):
    id: str = Field(description="The job's id.")
    programme_id: str
    kind: str = Field(description="import_csv (or an export's kind).")
    status: str = Field(description="queued, running, done or failed.")
    progress: int = Field(description="Rows checked so far, of `total`.")
    total: int
    percent: int
    invited: int = Field(description="People invited (once done).")
    skipped: int = Field(description="Empty rows skipped.")
    error_count: int = Field(description="Rows refused; nothing is imported when > 0.")
    errors: list[RowErrorOut] = Field(description="The first 1,000 refused rows.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JoinableOut(Schema):
    programme_id: str
    name: str
    organisation: str
    ends_on: date
    sessions_per_participant: int
    email: str = Field(description="Your verified address that matches the domain.")
    joined: bool
    participant_id: str | None = Field(description="Your place, when you have one.")
    full: bool


class JoinableListOut(Schema):
    items: list[JoinableOut]


class SeatOut(Schema):
    participant_id: str
    programme_id: str
    status: str


def job_body(view: dict[str, Any]) -> dict[str, Any]:
    return {
        **view,
        "errors": [
            {
                "line": int(e.get("line", 0)),
                "code": str(e.get("code", "")),
                "message": str(e.get("message", "")),
                "email": str(e.get("email", "")),
            }
            for e in view["errors"]
        ],
    }


@router.post(
    "/orgs/programmes/{programme_id}/participants/import",
    response={200: JobOut, 202: JobOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Import participants from a CSV file",
    description="multipart/form-data with `file`: a CSV with the columns `email` and an "
    f"optional `name` (a header row is optional), at most {imports.MAX_ROWS:,} people and "
    f"{imports.MAX_BYTES // (1024 * 1024)} MB; UTF-8 (with or without BOM), UTF-16 with a "
    "BOM, or Windows-1252/Latin-1. Answers 202 with the job; follow it at "
    "`GET /api/v1/orgs/jobs/{id}`. Every row is checked first; one bad row and nobody is "
    "invited (the job lists each with its line number); all good, everyone is invited in one "
    "transaction. An empty, binary or oversized file answers 400 `import_file_refused` (or "
    "`import_file_too_large`, `import_file_empty`, `import_not_csv`) and queues nothing; an "
    "ended programme 409 `programme_ended`. `Idempotency-Key`: the same key and file again "
    "returns the first job (200, `Idempotent-Replayed: true`); another file answers 409. "
    + NOT_YOURS,
)
def start_import(
    request: HttpRequest,
    response: HttpResponse,
    programme_id: str,
    file: Annotated[UploadedFile | None, File(description="The CSV file.")] = None,
) -> Status[Any]:
    programme = access.programme_for_admin(request.user, programme_id)
    if programme is None:
        raise ProgrammeNotFound()
    job, replayed = imports.import_start(
        actor=request.user,
        programme=programme,
        upload=file,
        now=timezone.now(),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 202, job_body(imports.job_view(job)))


@router.get(
    "/orgs/jobs/{job_id}",
    response={200: JobOut, 404: ErrorOut},
    summary="A programme job's status, progress and errors",
    description="Poll until `status` is done or failed. " + NOT_YOURS,
)
def get_job(request: HttpRequest, job_id: str) -> dict[str, Any]:
    job = access.job_for_admin(request.user, job_id)
    if job is None:
        raise JobNotFound()
    return job_body(imports.job_view(job))


@router.get(
    "/orgs/joinable",
    response={200: JoinableListOut},
    summary="Programmes you may join by your email domain",
    description="Open programmes whose join domain equals the domain of one of your "
    "*verified* email addresses (exactly: no sub- or look-alike domains).",
)
def list_joinable(request: HttpRequest) -> dict[str, Any]:
    items = []
    for item in joinable_programmes(request.user, now=timezone.now()):
        programme = item.programme
        items.append(
            {
                "programme_id": str(programme.public_id),
                "name": programme.name,
                "organisation": programme.organisation.name,
                "ends_on": programme.ends_on,
                "sessions_per_participant": programme.sessions_per_participant,
                "email": item.email,
                "joined": item.joined,
                "participant_id": str(item.seat.public_id) if item.joined and item.seat else None,
                "full": item.full,
            }
        )
    return {"items": items}


@router.post(
    "/orgs/programmes/{programme_id}/join",
    response={200: SeatOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Join a programme by your email domain",
    description="Takes a seat (counted under the programme's lock): 409 `programme_full` when "
    "every seat is taken, 409 `programme_ended`, 403 `removed_from_programme`; a programme "
    "your verified addresses do not match answers 404 like an unknown id. Joining twice "
    "answers the same seat.",
)
def join(request: HttpRequest, programme_id: str) -> dict[str, Any]:
    seat = programme_join(user=request.user, programme_id=programme_id, now=timezone.now())
    return {
        "participant_id": str(seat.public_id),
        "programme_id": str(seat.programme.public_id),
        "status": seat.status,
    }
