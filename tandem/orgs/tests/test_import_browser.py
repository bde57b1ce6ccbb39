"""Olivia imports participants from a CSV in real Chromium at 360 px: the upload form, the job
page following the check (htmx polling) to its end, the per-row errors of a bad file, and then
a good file inviting everyone; axe clean on each page, no sideways scroll."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tandem.orgs.models import Participant, ProgrammeJob
from tandem.orgs.participants.imports import import_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def axe_clean(page) -> None:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_olivia_imports_a_csv_and_follows_its_progress(
    olivia, programme, browser_context, live_server, login_as, tmp_path
):
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, olivia)
    page = context.new_page()
    response = page.goto(
        f"{live_server.url}/org/programmes/{programme.public_id}/participants/import/"
    )
    assert response is not None and response.status == 200
    axe_clean(page)

    bad = tmp_path / "people.csv"
    bad.write_bytes(
        b"\xef\xbb\xbfemail,name\r\n"
        b"ann@northwind.example,Ann Lee\r\n"
        b'eve@northwind.example,"=HYPERLINK(""http://evil.example"",""click"")"\r\n'
        b"not-an-email,Bob\r\n"
    )
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and invite").click()
    page.wait_for_url("**/import/")
    job = ProgrammeJob.objects.get()
    page.get_by_text("Queued").wait_for()
    axe_clean(page)

    # A worker part way through: the page follows it without a reload.
    ProgrammeJob.objects.filter(pk=job.pk).update(
        status="running", progress=1, total=4, started_at=timezone.now()
    )
    page.get_by_text("Checking rows, 25%").wait_for()
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "25"
    ProgrammeJob.objects.filter(pk=job.pk).update(status="queued", progress=0, total=0)
    assert import_run(job.pk) == "failed"

    page.get_by_text("Nobody was invited.").wait_for()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().startswith("3")
    assert "formula" in rows.nth(0).inner_text()
    assert rows.nth(1).inner_text().startswith("4")
    assert not Participant.objects.exists()
    axe_clean(page)

    page.get_by_role("link", name="Upload a corrected file").click()
    good = tmp_path / "fixed.csv"
    good.write_text("email,name\nann@northwind.example,Ann Lee\nraj@northwind.example,Raj\n")
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Check and invite").click()
    page.wait_for_url("**/import/")
    second = ProgrammeJob.objects.exclude(pk=job.pk).get()
    assert import_run(second.pk) == "done"
    page.get_by_text("2 people were invited").wait_for()
    assert Participant.objects.filter(programme=programme).count() == 2
    axe_clean(page)
