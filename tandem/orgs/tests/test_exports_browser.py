"""Olivia exports the report as XLSX in real Chromium at 360 px: the job page shows the
progress (htmx polling) and then a download link that gives the workbook; axe clean."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tandem.orgs.exports.services import export_run
from tandem.orgs.models import ProgrammeJob

from .exports_support import populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _axe_clean(page) -> None:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, serious
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_olivia_exports_xlsx_sees_progress_then_downloads(
    olivia, programme, coach, session_type, browser_context, live_server, login_as
):
    populate(programme, coach, session_type, 5)
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, olivia)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/org/programmes/{programme.public_id}/exports/")
    assert response is not None and response.status == 200
    page.get_by_text("No exports yet").wait_for()
    _axe_clean(page)

    page.get_by_label("Excel workbook (.xlsx)").check()
    page.get_by_role("button", name="Start the export").click()
    page.wait_for_url("**/export/")
    job = ProgrammeJob.objects.get()
    assert job.kind == "export_xlsx"
    page.get_by_text("Queued").wait_for()
    _axe_clean(page)

    # A worker is part way through: the page follows it without a reload.
    ProgrammeJob.objects.filter(pk=job.pk).update(
        status="running", progress=3, started_at=timezone.now()
    )
    page.get_by_text("Running, 60%").wait_for()
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "60"
    ProgrammeJob.objects.filter(pk=job.pk).update(status="queued", progress=0)
    assert export_run(job.public_id, now=timezone.now())

    link = page.get_by_role("link", name="Download leadership-2030-report-")
    link.wait_for()
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    _axe_clean(page)
    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.startswith("leadership-2030-report-")
    assert download.value.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    assert "Summary" in load_workbook(io.BytesIO(data)).sheetnames

    page.goto(f"{live_server.url}/org/programmes/{programme.public_id}/exports/")
    page.get_by_role("link", name="Download").first.wait_for()
    _axe_clean(page)
