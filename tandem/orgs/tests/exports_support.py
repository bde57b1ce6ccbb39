"""Rows for the export tests: a programme with `n` participants, each with sponsored sessions
with Alice (made as rows: the export reads them, the sponsor port is not under test here),
and survey answers. NOW is the orgs conftest's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage

from conftest import make_user
from tandem.booking.models import Booking
from tandem.orgs.exports.document import ExportDocument
from tandem.orgs.models import (
    Participant,
    Programme,
    ProgrammeJob,
    SponsoredSession,
    SurveyResponse,
)

from .conftest import NOW, seat

STATUSES = ("completed", "completed", "no_show", "cancelled", "confirmed")


def populate(
    programme: Programme,
    coach: Any,
    session_type: Any,
    n: int,
    *,
    sessions_each: int = 2,
    survey: bool = True,
    tag: str = "p",
) -> list[Participant]:
    if survey and not programme.survey_enabled:
        programme.survey_enabled = True
        programme.save(update_fields=["survey_enabled"])
    people = []
    k = Booking.objects.filter(coach=coach).count()  # each booking its own hour
    for i in range(n):
        user = make_user(f"{tag}{i}@example.com", name=f"Person {tag}{i}")
        participant = seat(programme, user, coach=coach)
        people.append(participant)
        for j in range(sessions_each):
            k += 1
            start = NOW - timedelta(days=40 * (j + 1), hours=k)
            status = STATUSES[(i + j) % len(STATUSES)]
            booking = Booking.objects.create(
                coach=coach,
                client=user,
                session_type=session_type,
                start=start,
                end=start + timedelta(minutes=50),
                blocked_start=start,
                blocked_end=start + timedelta(minutes=50),
                status=status,
                price=80,
                currency="EUR",
            )
            SponsoredSession.objects.create(
                programme=programme,
                participant=participant,
                booking=booking,
                amount=8000,
                returned=8000 if status == "cancelled" else 0,
            )
        if survey:
            SurveyResponse.objects.create(
                participant=participant, phase="start", clarity=2, confidence=3, wellbeing=2
            )
            SurveyResponse.objects.create(
                participant=participant, phase="end", clarity=4, confidence=4, wellbeing=3
            )
    return people


def file_bytes(job: ProgrammeJob) -> bytes:
    job.refresh_from_db()
    with default_storage.open(str(job.result.name), "rb") as handle:
        return handle.read()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def csv_sections(data: bytes) -> dict[str, list[list[str]]]:
    """{section title: [headers, *rows]} from an export CSV."""
    rows = csv_rows(data)
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    after_blank = False
    for row in rows:
        if not row:
            after_blank = True
            continue
        if after_blank:
            current = sections.setdefault(row[0], [])
            after_blank = False
            continue
        if current is not None:
            current.append(row)
    return sections


def xlsx_sheets(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def expected_text(value: Any) -> str:
    """A document cell as the CSV writes it."""
    from tandem.orgs.exports.writers import _text, escape_text

    return escape_text(_text(value))


def all_cells_text(doc: ExportDocument) -> list[str]:
    texts = [doc.organisation, doc.programme, doc.period, doc.generated]
    for s in doc.sections:
        texts += [s.title, s.note, *s.headers]
        texts += [str(c) for row in s.rows for c in row]
    return texts
