"""CSV import of participants: an admin uploads a file, a background job checks every row and,
when all are good, invites everyone at once (participants/services.participant_add_many).

The file
- Columns `email` and an optional `name`. A first row with no email address in it is a
  header naming the columns (in any order: `email`/`e-mail`/`email address`, `name`/
  `full name`); without one the columns are email, then name. Comma, semicolon or tab
  separated (from the first row); quoted fields as spreadsheets write them.
- Encodings: UTF-8 with or without a BOM, UTF-16/UTF-32 with a BOM (Excel's "Unicode text"),
  UTF-16 without a BOM recognised by its zero bytes; otherwise Windows-1252, then Latin-1.
- At most MAX_BYTES (2 MB) and MAX_ROWS (10,000) people. Empty or binary files, spreadsheets
  (xlsx/xls/zip), PDFs, images and text with control characters are refused when uploaded,
  before any job exists.

Row by row (the job): a wrong email address, an address twice in the file (the second is
reported with the line of the first), an address already in the programme (invited, active
or paused: removed people may be invited again), no email, more columns than the file names,
a name over 150 characters, and **formula injection**: an email or a name that starts with
`=`, `+`, `-` or `@` is refused (a spreadsheet that opens a roster export would run it as a
formula, e.g. `=HYPERLINK(...)`). No real name or address starts that way, so refusing is
clearer than storing a neutralised copy that differs from what the admin typed; exports still
escape such cells (defence in depth). Empty rows are skipped.

All or nothing: one bad row and nothing is imported; the job lists each bad row with its
line number (the physical line where the row starts, header included, as an editor shows it)
and a message. All good: participant_add_many invites every row in one transaction, and the
job is marked done in that same transaction, so a job run twice (jobs run at least once)
finds it done and invites nobody again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from tandem.core.errors import Conflict, InvalidInput, ServiceError
from tandem.core.idempotency import checked_key
from tandem.core.outbox import enqueue_in_transaction

from ..models import Participant, Programme, ProgrammeJob
from . import services as participants

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_EMAIL = 254
MAX_NAME = 150
MAX_ERRORS_KEPT = 1000  # a file of 10,000 bad rows keeps the first 1,000 (and the count)
PROGRESS_EVERY = 1000
FORMULA_START = ("=", "+", "-", "@")
HEADER_EMAIL = {"email", "e-mail", "email address", "e-mail address", "mail", "emailaddress"}
HEADER_NAME = {"name", "full name", "fullname", "participant", "participant name"}
FIELD = "file"
OUTAGE_ERRORS = (OperationalError, InterfaceError)

Kind = ProgrammeJob.Kind
JobStatus = ProgrammeJob.Status

# (magic bytes, what it is): files people pick by mistake.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook or a zip file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel or Word file"),
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"\x1f\x8b", "a compressed file"),
)
BOMS: tuple[tuple[bytes, str], ...] = (  # longest first: UTF-32 LE starts like UTF-16 LE
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters a text file never has (tab, line feed and carriage return are fine).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class FileRefused(InvalidInput):
    """This file cannot be imported."""

    code = "import_file_refused"

    def __init__(
        self, message: str = "This file cannot be imported.", *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code, fields={FIELD: [message]})


class ImportNotAllowed(Conflict):
    """Participants cannot be imported into this programme."""

    code = "programme_ended"


class IdempotencyKeyReused(Conflict):
    """That Idempotency-Key was already used for a different upload."""

    code = "idempotency_key_reused"


# --- reading the file ----------------------------------------------------------------------


def read_upload(upload: IO[bytes] | Any) -> bytes:
    """The uploaded bytes, never reading past the limit."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise _too_large()
    with contextlib.suppress(AttributeError, OSError):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if not isinstance(data, bytes):
        raise FileRefused("Choose a CSV file to upload.", code="import_no_file")
    if len(data) > MAX_BYTES:
        raise _too_large()
    return data


def _too_large() -> FileRefused:
    return FileRefused(
        f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller "
        f"files (at most {MAX_ROWS:,} people each).",
        code="import_file_too_large",
    )


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name). Refuses empty, binary and unreadable files."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileRefused(
            "The file is empty: it needs one email address a line.", code="import_file_empty"
        )
    for magic, what in SIGNATURES:
        if data.startswith(magic):
            raise FileRefused(
                f"This is {what}, not a CSV file. In your spreadsheet choose "
                "File › Save as › CSV, then upload that file.",
                code="import_not_csv",
            )
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), None)
    if encoding is not None:
        bom_length = next(len(bom) for bom, name in BOMS if name == encoding)
        try:
            text = data[bom_length:].decode(encoding)
        except UnicodeDecodeError as exc:
            raise FileRefused(
                f"The file starts like {encoding.upper()} text but cannot be read as such.",
                code="import_not_csv",
            ) from exc
        label = encoding.removesuffix("-le").removesuffix("-be")
    else:
        text, label = _decode_without_bom(data)
    text = text.rstrip("\x1a")  # an old DOS end-of-file mark
    if CONTROL.search(text):
        raise FileRefused(
            "The file has binary data in it: it is not a CSV text file.", code="import_not_csv"
        )
    if not text.strip():
        raise FileRefused(
            "The file is empty: it needs one email address a line.", code="import_file_empty"
        )
    return text, label


def _decode_without_bom(data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        # UTF-16 saved without a BOM: every other byte of ASCII text is zero.
        if len(data) % 2 == 0:
            even, odd = data[0::2], data[1::2]
            for zeros, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
                if zeros.count(0) >= len(zeros) * 0.9:
                    try:
                        return data.decode(encoding), "utf-16"
                    except UnicodeDecodeError:
                        break
        raise FileRefused(
            "The file has binary data in it: it is not a CSV text file.", code="import_not_csv"
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


# --- checking the rows ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 0: the file as a whole
    code: str
    message: str
    email: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Checked:
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (line, email, name)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # empty rows
    header: bool = False
    total: int = 0  # rows read (empty ones included)
    people: int = 0  # rows with something in them, the header excepted


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in (",", ";", "\t"):
        if candidate in first:
            return candidate
    return ","


def _shown(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."


def _header(cells: list[str]) -> tuple[int | None, int | None, RowError | None]:
    """(email column, name column, error) of a header row."""
    email_col = name_col = None
    labels = [" ".join(cell.lower().replace("_", " ").split()) for cell in cells]
    named = any(label in HEADER_EMAIL | HEADER_NAME for label in labels)
    for index, (cell, label) in enumerate(zip(cells, labels, strict=True)):
        if label in HEADER_EMAIL and email_col is None:
            email_col = index
        elif label in HEADER_NAME and name_col is None:
            name_col = index
        elif label and named:
            return (
                None,
                None,
                RowError(
                    1,
                    "unknown_column",
                    f"The header names a column “{_shown(cell)}”: the file may have the columns "
                    "email and name only.",
                ),
            )
    if email_col is None:
        return (
            None,
            None,
            RowError(
                1,
                "no_email_column",
                "The first row has no email address and no “email” column heading: put the "
                "addresses in the first column, or name the columns email and name.",
            ),
        )
    return email_col, name_col, None


def check_rows(
    text: str,
    *,
    existing: dict[str, str],
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Every row of the file checked; `existing` maps the programme's addresses to their
    status. Stops at a line the CSV reader cannot read, or past MAX_ROWS people."""
    out = Checked()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns: tuple[int, int | None] = (0, 1)
    width = 2
    first_at: dict[str, int] = {}
    people = 0
    previous_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.errors.append(
                RowError(
                    previous_line + 1,
                    "unreadable",
                    f"This line cannot be read as CSV ({exc}); the rows after it were not checked.",
                )
            )
            break
        line, previous_line = previous_line + 1, reader.line_num
        out.total += 1
        cells = [cell.strip() for cell in cells]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            out.skipped += 1
            continue
        if people == 0 and not out.header and not any("@" in cell for cell in cells):
            email_col, name_col, problem = _header(cells)
            out.header = True
            if problem is not None:
                out.errors.append(RowError(line, problem.code, problem.message))
                break
            assert email_col is not None
            columns, width = (email_col, name_col), len(cells)
            continue
        people += 1
        if people > MAX_ROWS:
            out.errors.append(
                RowError(
                    line,
                    "too_many_rows",
                    f"The file has more than {MAX_ROWS:,} people: split it into files of at "
                    f"most {MAX_ROWS:,} rows.",
                )
            )
            break
        if progress is not None and people % PROGRESS_EVERY == 0:
            progress(people)
        problem = _check_row(cells, line, columns, width, first_at, existing, out)
        if problem is not None:
            out.errors.append(problem)
    out.people = min(people, MAX_ROWS)
    if not out.errors and not out.rows:
        out.errors.append(
            RowError(0, "no_rows", "The file has no email addresses: nobody to invite.")
        )
    return out


def _check_row(
    cells: list[str],
    line: int,
    columns: tuple[int, int | None],
    width: int,
    first_at: dict[str, int],
    existing: dict[str, str],
    out: Checked,
) -> RowError | None:
    email_col, name_col = columns
    if len(cells) > width:
        expected = "email and name" if width == 2 else "one column"
        return RowError(
            line,
            "too_many_columns",
            f"This row has {len(cells)} columns; the file has {width} ({expected}). A name "
            "with a comma in it must be in double quotes.",
        )
    raw_email = cells[email_col] if email_col < len(cells) else ""
    name = cells[name_col] if name_col is not None and name_col < len(cells) else ""
    name = " ".join(name.split())
    if not raw_email:
        return RowError(line, "no_email", "This row has no email address.")
    shown = _shown(raw_email)
    if raw_email.startswith(FORMULA_START):
        return RowError(
            line,
            "formula",
            f"The email address starts with “{raw_email[0]}”, which spreadsheets run as a "
            "formula: remove it.",
            shown,
        )
    email = raw_email.lower()
    if len(email) > MAX_EMAIL:
        return RowError(line, "invalid_email", "The email address is too long.", shown)
    try:
        validate_email(email)
    except ValidationError:
        return RowError(line, "invalid_email", f"“{shown}” is not a valid email address.", shown)
    if name.startswith(FORMULA_START):
        return RowError(
            line,
            "formula",
            f"The name starts with “{name[0]}”, which spreadsheets run as a formula (such as "
            "=HYPERLINK): remove that character.",
            email,
        )
    if len(name) > MAX_NAME:
        return RowError(
            line, "name_too_long", f"The name is longer than {MAX_NAME} characters.", email
        )
    if email in first_at:
        return RowError(
            line,
            "duplicate",
            f"{email} is also on line {first_at[email]}: each person once.",
            email,
        )
    first_at[email] = line
    status = existing.get(email)
    if status is not None and status != Participant.Status.REMOVED:
        label = Participant.Status(status).label.lower()
        return RowError(
            line, "already_in_programme", f"{email} is already in this programme ({label}).", email
        )
    out.rows.append((line, email, name))
    return None


def existing_emails(programme: Programme) -> dict[str, str]:
    return dict(
        Participant.objects.filter(programme=programme).values_list("email", "status").order_by()
    )


# --- the job -------------------------------------------------------------------------------


def _request_digest(user: Any, key: str) -> str:
    return hashlib.sha256(f"orgs-import:{user.pk}:{key}".encode()).hexdigest()


def import_start(
    *,
    actor: Any,
    programme: Programme,
    upload: Any,
    now: datetime,
    idempotency_key: str | None = None,
) -> tuple[ProgrammeJob, bool]:
    """Store the upload on a new import job and enqueue its check (in this transaction).
    Returns (job, replayed). The caller has authorised `actor` as an admin of `programme`.

    Refused at once (400 `import_file_refused` and friends, field `file`): no file, an empty,
    binary or oversized file. 409 `programme_ended` for an ended programme. With an
    `Idempotency-Key`, the same key and file answers the first job (replayed); the same key
    with another file is 409 `idempotency_key_reused`.
    """
    key = checked_key(idempotency_key)
    if upload is None:
        raise FileRefused("Choose a CSV file to upload.", code="import_no_file")
    data = read_upload(upload)
    decode(data)  # refuse binary / empty / unreadable files now, with a clear message
    body = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        locked = Programme.objects.select_for_update(of=("self",)).filter(pk=programme.pk).first()
        if locked is None:
            raise ImportNotAllowed("This programme no longer exists.", code="not_found")
        if locked.status != Programme.Status.ACTIVE or locked.ends_on < now.date():
            raise ImportNotAllowed("This programme has ended: nobody can be invited to it.")
        if key is not None:
            digest = _request_digest(actor, key)
            earlier = ProgrammeJob.objects.filter(
                programme=locked, kind=Kind.IMPORT_CSV, summary__request=digest
            ).first()
            if earlier is not None:
                if earlier.summary.get("body") != body:
                    raise IdempotencyKeyReused()
                return earlier, True
        job = ProgrammeJob(
            programme=locked,
            kind=Kind.IMPORT_CSV,
            status=JobStatus.QUEUED,
            created_by=actor,
            created_at=now,
            summary={"request": _request_digest(actor, key), "body": body} if key else {},
        )
        job.upload.save(f"{uuid.uuid4().hex}.csv", ContentFile(data), save=False)
        job.save()
        enqueue_in_transaction(partial(_enqueue, job.pk))
    job.programme = programme
    return job, False


def _enqueue(job_pk: int) -> None:
    from .tasks import import_csv_task

    import_csv_task.enqueue(job_pk)


def _set_progress(job_pk: int, done: int) -> None:
    ProgrammeJob.objects.filter(pk=job_pk, status=JobStatus.RUNNING).update(progress=done)


def _finish_failed(
    job_pk: int, errors: list[RowError], summary: dict[str, Any], now: datetime
) -> str:
    with transaction.atomic():
        job = ProgrammeJob.objects.select_for_update().filter(pk=job_pk).first()
        if job is None:
            return ""
        if job.status != JobStatus.RUNNING:
            return job.status  # another run finished it meanwhile: that outcome stands
        job.status = JobStatus.FAILED
        job.errors = [error.as_dict() for error in errors[:MAX_ERRORS_KEPT]]
        job.summary = {**_kept(job.summary), **summary, "error_count": len(errors)}
        job.finished_at = now
        job.save(update_fields=["status", "errors", "summary", "finished_at"])
        _discard_upload_on_commit(job)
    return JobStatus.FAILED


def _kept(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k in ("request", "body")}


def _discard_upload_on_commit(job: ProgrammeJob) -> None:
    """The upload holds people's addresses: once checked it is deleted (the job keeps the
    per-row errors and the counts)."""
    name = job.upload.name
    if not name:
        return
    storage = job.upload.storage
    ProgrammeJob.objects.filter(pk=job.pk).update(upload="")

    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the import upload %s", name)

    transaction.on_commit(delete)


def import_run(job_pk: int, *, now: datetime | None = None) -> str:
    """Check the job's file and, when every row is good, invite everyone. Safe to run twice
    or at once: returns the job's final status (or its status untouched when it was done
    already)."""
    now = now or timezone.now()
    claimed = ProgrammeJob.objects.filter(
        pk=job_pk, kind=Kind.IMPORT_CSV, status=JobStatus.QUEUED
    ).update(status=JobStatus.RUNNING, started_at=now, progress=0)
    job = ProgrammeJob.objects.select_related("programme").filter(pk=job_pk).first()
    if job is None:
        return ""
    if not claimed and job.status != JobStatus.RUNNING:
        return job.status  # done or failed already: a rerun does nothing
    try:
        return _run(job, now)
    except OUTAGE_ERRORS:
        raise  # the database went away: the job is retried (core/jobs.py) and runs again
    except Exception:
        logger.exception("The import job %s failed", job.public_id)
        _finish_failed(
            job.pk,
            [RowError(0, "server_error", "Something went wrong on our side: upload it again.")],
            {},
            now,
        )
        raise


def _run(job: ProgrammeJob, now: datetime) -> str:
    try:
        with job.upload.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        text, encoding = decode(data)
    except (FileRefused, OSError, ValueError) as exc:
        message = getattr(exc, "message", "The uploaded file is gone: upload it again.")
        return _finish_failed(job.pk, [RowError(0, "file", message)], {}, now)
    programme = job.programme
    # Until the rows are read, the file's lines are the best guess of its size.
    ProgrammeJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        total=min(text.count("\n") + 1, MAX_ROWS)
    )
    checked = check_rows(
        text,
        existing=existing_emails(programme),
        progress=partial(_set_progress, job.pk),
    )
    summary = {
        "encoding": encoding,
        "rows": len(checked.rows),
        "skipped": checked.skipped,
        "header": checked.header,
    }
    ProgrammeJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        total=checked.people, progress=checked.people
    )
    if checked.errors:
        return _finish_failed(job.pk, checked.errors, summary, now)
    try:
        with transaction.atomic():
            locked = ProgrammeJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != JobStatus.RUNNING:
                return locked.status  # another run finished it meanwhile
            made = participants.participant_add_many(
                programme=programme,
                rows=[(email, name) for _, email, name in checked.rows],
                source=Participant.Source.CSV,
                actor=job.created_by,
                now=now,
            )
            locked.status = JobStatus.DONE
            locked.progress = locked.total = len(made)
            locked.summary = {**_kept(locked.summary), **summary, "invited": len(made)}
            locked.errors = []
            locked.finished_at = now
            locked.save(
                update_fields=["status", "progress", "total", "summary", "errors", "finished_at"]
            )
            _discard_upload_on_commit(locked)
    except (ServiceError, IntegrityError) as exc:
        # Someone invited one of these addresses (or ended the programme) since the check.
        message = getattr(exc, "message", "") or "Some addresses were just invited by someone else."
        listed = getattr(exc, "fields", {}).get("emails", [])
        if listed:
            message = f"{message} ({', '.join(listed[:10])})"
        code = getattr(exc, "code", "conflict")
        return _finish_failed(job.pk, [RowError(0, code, message)], summary, now)
    return JobStatus.DONE


# --- reading jobs --------------------------------------------------------------------------


def job_view(job: ProgrammeJob) -> dict[str, Any]:
    """What the job page and the API show of an import job."""
    summary = job.summary or {}
    finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
    percent = 100 if finished else (int(job.progress * 100 / job.total) if job.total else 0)
    return {
        "id": str(job.public_id),
        "kind": job.kind,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": finished,
        "progress": job.progress,
        "total": job.total,
        "percent": max(0, min(percent, 100)),
        "errors": list(job.errors or []),
        "error_count": int(summary.get("error_count", len(job.errors or []))),
        "invited": int(summary.get("invited", 0)),
        "skipped": int(summary.get("skipped", 0)),
        "encoding": str(summary.get("encoding", "")),
        "programme_id": str(job.programme.public_id),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def recent_imports(programme: Programme, limit: int = 5) -> list[ProgrammeJob]:
    return list(
        ProgrammeJob.objects.filter(programme=programme, kind=Kind.IMPORT_CSV)
        .select_related("programme")
        .order_by("-created_at", "-pk")[:limit]
    )
