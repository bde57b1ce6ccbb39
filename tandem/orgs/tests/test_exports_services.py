"""Report exports: each format holds exactly the gate's figures, suppressed groups stay
suppressed, formula injection is escaped, the job runs once, progress reaches its total."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult

from tandem.core.jobs import lease
from tandem.orgs.exports import services
from tandem.orgs.exports.document import SUPPRESSED, document_for
from tandem.orgs.exports.services import (
    STEPS,
    ProgrammeNotFound,
    UnknownFormat,
    export_run,
    export_start,
)
from tandem.orgs.models import ProgrammeJob

from .conftest import NOW, make_programme
from .exports_support import (
    csv_rows,
    csv_sections,
    expected_text,
    file_bytes,
    populate,
    xlsx_sheets,
)

LONDON = ZoneInfo("Europe/London")
INJECTIONS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1)", "\tA", "\rB"]


@pytest.fixture
def full(programme, coach, session_type):
    # Each of 7 people has one session of each kind: every figure is over 7 people.
    populate(programme, coach, session_type, 7, sessions_each=5)
    return programme


def run(user, programme, fmt: str) -> ProgrammeJob:
    job = export_start(user=user, programme_id=programme.public_id, fmt=fmt, now=NOW)
    assert export_run(job.public_id, now=NOW) is True
    job.refresh_from_db()
    return job


def test_csv_holds_the_gates_figures(olivia, full):
    job = run(olivia, full, "csv")
    doc = document_for(full, now=NOW, zone=LONDON)
    sections = csv_sections(file_bytes(job))
    assert set(sections) == {s.title for s in doc.sections}
    for section in doc.sections:
        rows = sections[section.title]
        if section.note:
            assert rows.pop(0) == [section.note]
        assert rows[0] == list(section.headers)
        assert rows[1:] == [[expected_text(c) for c in row] for row in section.rows]
    head = csv_rows(file_bytes(job))[:2]
    assert head == [["Organisation", "Northwind Traders"], ["Programme", "Leadership 2030"]]
    summary = dict((r[0], r[1]) for r in sections["Summary"][1:])
    # 7 participants: the figures over all of them are shown, not suppressed.
    assert summary["Seats used"] == "7"
    assert (summary["Sessions booked"], summary["No-shows"]) == ("35", "7")
    assert [k for k, v in summary.items() if v == "fewer than 5"] == []
    # The ROI figures count only the money spent on sessions held, each line of the
    # money spent its own row, as the gate gives them.
    gate = {row[0]: expected_text(row[1]) for row in doc.section("summary").rows}
    for label in (
        "Spent on sessions held (EUR)",
        "Paid for sessions not held yet (EUR)",
        "Kept for no-shows (EUR)",
        "Kept for late cancellations (EUR)",
        "Sessions held per 1,000 EUR spent on them",
    ):
        assert summary[label] == gate[label]
    assert [r[0] for r in sections["Survey before and after"][1:]] == [
        "Respondents",
        "Clarity",
        "Confidence",
        "Well-being",
    ]
    assert sections["Survey before and after"][1][1:] == ["7", "7"]


def test_xlsx_holds_the_gates_figures(olivia, full):
    job = run(olivia, full, "xlsx")
    assert job.summary["filename"] == "leadership-2030-report-2030-03-06.xlsx"
    doc = document_for(full, now=NOW, zone=LONDON)
    sheets = xlsx_sheets(file_bytes(job))
    assert list(sheets) == ["About"] + [s.title for s in doc.sections]
    for section in doc.sections:
        rows = sheets[section.title]
        start = rows.index(section.headers)
        got = rows[start + 1 :]
        want = [
            tuple(
                SUPPRESSED.text if c is SUPPRESSED else float(c) if hasattr(c, "as_tuple") else c
                for c in row
            )
            for row in section.rows
        ]
        assert got == want


def test_pdf_is_a_small_report_of_the_same_figures(olivia, full):
    from tandem.orgs.exports.writers import pdf_html

    job = run(olivia, full, "pdf")
    data = file_bytes(job)
    assert data.startswith(b"%PDF")
    html = pdf_html(document_for(full, now=NOW, zone=LONDON))
    assert "Sessions booked" in html and "data:image/svg+xml" in html


PEOPLE_FIGURES = (
    "Seats used",
    "Participants active",
    "Sessions booked",
    "Sessions held",
    "Sessions cancelled",
    "No-shows",
    "Median days from joining to the first session",
    "Cost per held session (EUR)",
    "Seats used, % of seats bought",
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_groups_under_five_stay_suppressed(olivia, programme, coach, session_type, fmt):
    populate(programme, coach, session_type, 4)
    job = run(olivia, programme, fmt)
    data = file_bytes(job)
    doc = document_for(programme, now=NOW, zone=LONDON)
    gate = {row[0]: row[1] for row in doc.section("summary").rows}
    if fmt == "csv":
        sections = csv_sections(data)
        figures = {r[0]: r[1] for r in sections["Summary"][1:]}
        survey = sections["Survey before and after"][1:]
        goals = sections["Goal progress"][2:]
        months = sections["Monthly trend"][1:]
    else:
        sheets = xlsx_sheets(data)
        rows = sheets["Summary"]
        figures = {r[0]: r[1] for r in rows[rows.index(("Figure", "Value")) + 1 :]}
        survey = [list(r) for r in sheets["Survey before and after"][-4:]]
        goals = [list(r) for r in sheets["Goal progress"][-1:]]
        months = [list(r) for r in sheets["Monthly trend"][5:]]
    assert figures["Seats bought"] in ("20", 20)  # the programme's own setting, not a group
    for label in PEOPLE_FIGURES:
        assert gate[label] is SUPPRESSED, label
        assert figures[label] == "fewer than 5", label
    for label, value in gate.items():
        if value is SUPPRESSED:
            assert figures[label] == "fewer than 5", label
    assert survey and all(row[1:] == ["fewer than 5", "fewer than 5"] for row in survey)
    assert goals == [["All participants with goals", "fewer than 5"]]
    assert months and all(row[1] in ("fewer than 5", "0", 0) for row in months)
    assert "Person" not in data.decode("latin-1")


def test_formula_injection_is_escaped(olivia, northwind, coach, session_type):
    for text in INJECTIONS:
        northwind.name = text
        northwind.save()
        programme = make_programme(northwind, name=text)
        populate(programme, coach, session_type, 5, tag=f"x{INJECTIONS.index(text)}")
        csv_job = run(olivia, programme, "csv")
        head = dict(tuple(r) for r in csv_rows(file_bytes(csv_job))[:2])
        assert head["Organisation"] == "'" + text
        assert head["Programme"] == "'" + text

        xlsx_job = run(olivia, programme, "xlsx")
        data = file_bytes(xlsx_job)
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data))
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
        assert all(c.data_type != "f" for c in cells)
        # (XML turns a carriage return into a line feed when the file is read back.)
        names = [c for c in cells if c.value == text.replace("\r", "\n")]
        assert names and all(c.data_type == "s" for c in names)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
            assert all(b"<f>" not in z.read(n) and b"<f " not in z.read(n) for n in sheets)
        assert xlsx_job.summary["filename"].endswith("-report-2030-03-06.xlsx")
        assert all(ch.isalnum() or ch in "-." for ch in xlsx_job.summary["filename"])


def test_filenames_are_slugs(olivia, northwind):
    programme = make_programme(northwind, name="../../Ünïcode <script> Team/Q1")
    assert (
        services.export_filename(programme, "xlsx", NOW, LONDON)
        == "unicode-script-teamq1-report-2030-03-06.xlsx"
    )
    blank = make_programme(northwind, name="!!!")
    assert services.export_filename(blank, "csv", NOW, LONDON) == "programme-report-2030-03-06.csv"


def test_start_queues_one_task_on_commit(olivia, programme):
    job = export_start(user=olivia, programme_id=programme.public_id, fmt="xlsx", now=NOW)
    assert job.kind == "export_xlsx" and job.status == "queued" and job.total == STEPS
    task = DBTaskResult.objects.get(task_path__endswith="export_task")
    assert task.args_kwargs["args"] == [str(job.public_id)]


@pytest.mark.parametrize("fmt", ["docx", "", "CSV", None, 3, ["csv"], "csv\x00"])
def test_unknown_format_queues_nothing(olivia, programme, fmt):
    with pytest.raises(UnknownFormat):
        export_start(user=olivia, programme_id=programme.public_id, fmt=fmt, now=NOW)
    assert not ProgrammeJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_outsiders_cannot_start(programme, charlie, alice, gus, staff_user):
    for user in (charlie, alice, gus, staff_user):
        with pytest.raises(ProgrammeNotFound):
            export_start(user=user, programme_id=programme.public_id, fmt="csv", now=NOW)
    assert not ProgrammeJob.objects.exists()


def test_the_job_runs_once_when_the_task_runs_twice(olivia, full):
    job = export_start(user=olivia, programme_id=full.public_id, fmt="csv", now=NOW)
    assert export_run(job.public_id, now=NOW) is True
    first = ProgrammeJob.objects.get(pk=job.pk)
    assert export_run(job.public_id, now=NOW + timedelta(seconds=5)) is False
    again = ProgrammeJob.objects.get(pk=job.pk)
    assert (again.status, again.result.name, again.finished_at) == (
        "done",
        first.result.name,
        first.finished_at,
    )
    _dirs, files = default_storage.listdir(f"orgs/exports/{job.public_id}")
    assert files == [first.summary["filename"]]


def test_a_claimed_job_is_left_to_its_worker(olivia, full):
    job = export_start(user=olivia, programme_id=full.public_id, fmt="csv", now=NOW)
    ProgrammeJob.objects.filter(pk=job.pk).update(status="running", started_at=NOW)
    assert export_run(job.public_id, now=NOW + lease() - timedelta(seconds=1)) is False
    assert ProgrammeJob.objects.get(pk=job.pk).status == "running"


def test_a_job_whose_worker_died_is_reclaimed_after_the_lease(olivia, full):
    job = export_start(user=olivia, programme_id=full.public_id, fmt="csv", now=NOW)
    ProgrammeJob.objects.filter(pk=job.pk).update(status="running", started_at=NOW, progress=2)
    later = NOW + lease() + timedelta(seconds=1)
    assert export_run(job.public_id, now=later) is True
    job.refresh_from_db()
    assert (job.status, job.progress, job.started_at) == ("done", STEPS, later)


def test_progress_goes_up_to_the_total(olivia, full, monkeypatch):
    seen: list[int] = []
    step = services._Claim.step

    def spy(self, progress):
        seen.append(progress)
        return step(self, progress)

    monkeypatch.setattr(services._Claim, "step", spy)
    job = run(olivia, full, "xlsx")
    assert seen == sorted(seen) and seen[0] > 1 and seen[-1] < STEPS
    assert (job.status, job.progress, job.total) == ("done", STEPS, STEPS)


def test_a_run_that_lost_its_claim_leaves_no_file(olivia, full, monkeypatch):
    job = export_start(user=olivia, programme_id=full.public_id, fmt="csv", now=NOW)
    original = services.WRITERS["csv"]

    def steal(doc):
        # Another worker took the job over meanwhile (a new claim).
        ProgrammeJob.objects.filter(pk=job.pk).update(started_at=NOW + timedelta(minutes=5))
        return original(doc)

    monkeypatch.setitem(services.WRITERS, "csv", steal)
    assert export_run(job.public_id, now=NOW) is False
    job.refresh_from_db()
    assert job.status == "running" and not job.result
    assert not default_storage.exists(f"orgs/exports/{job.public_id}")


def test_a_failing_writer_marks_the_job_failed(olivia, full, monkeypatch):
    job = export_start(user=olivia, programme_id=full.public_id, fmt="pdf", now=NOW)

    def broken(doc):
        raise RuntimeError("boom")

    monkeypatch.setitem(services.WRITERS, "pdf", broken)
    with pytest.raises(RuntimeError):
        export_run(job.public_id, now=NOW)
    job.refresh_from_db()
    assert job.status == "failed" and not job.result
    assert "boom" not in str(job.summary) and job.summary["error"]


def test_import_jobs_are_not_run_as_exports(olivia, programme):
    job = ProgrammeJob.objects.create(programme=programme, kind="import_csv")
    assert export_run(job.public_id, now=NOW) is False
    assert ProgrammeJob.objects.get(pk=job.pk).status == "queued"
    assert export_run("not-a-uuid", now=NOW) is False


def test_a_second_request_while_one_is_pending_gets_the_same_job(olivia, programme):
    first = export_start(user=olivia, programme_id=programme.public_id, fmt="xlsx", now=NOW)
    again = export_start(
        user=olivia, programme_id=programme.public_id, fmt="xlsx", now=NOW + timedelta(seconds=3)
    )
    other = export_start(user=olivia, programme_id=programme.public_id, fmt="csv", now=NOW)
    assert again.pk == first.pk and other.pk != first.pk
    assert DBTaskResult.objects.count() == 2
    assert export_run(first.public_id, now=NOW)
    later = export_start(user=olivia, programme_id=programme.public_id, fmt="xlsx", now=NOW)
    assert later.pk != first.pk


def test_the_job_records_when_it_finished(olivia, full):
    job = export_start(user=olivia, programme_id=full.public_id, fmt="csv", now=NOW)
    done = NOW + timedelta(seconds=2)
    assert export_run(job.public_id, now=NOW, clock=lambda: done)
    job.refresh_from_db()
    assert (job.started_at, job.finished_at) == (NOW, done)
