"""Export files are kept TANDEM_ORGS_EXPORT_KEEP_DAYS days, then the booking sweep deletes
them and marks the job expired: just under the limit kept, just over deleted; twice and at
once mark each job once; the page and the API say so (410 with a code, never a 500), a file
missing for any other reason the same way; nothing of Globex's (or Olivia's younger exports)
is touched, and Gus of Globex still gets 404. "Now" is injected (NOW of the orgs conftest)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from tandem.booking.services import booking_sweep
from tandem.orgs.exports import retention
from tandem.orgs.exports.retention import exports_expire
from tandem.orgs.exports.services import export_run, export_start
from tandem.orgs.models import ProgrammeJob

from .conftest import NOW, make_programme

API = "/api/v1/orgs"
KEEP = timedelta(days=30)
SECOND = timedelta(seconds=1)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def made_at(user: Any, programme: Any, when: Any, fmt: str = "csv") -> ProgrammeJob:
    """A done export of `programme` whose file was made at `when`."""
    job = export_start(user=user, programme_id=programme.public_id, fmt=fmt, now=when)
    assert export_run(job.public_id, now=when) is True
    job.refresh_from_db()
    assert default_storage.exists(str(job.result.name))
    return job


def failed_at(user: Any, programme: Any, when: Any) -> tuple[ProgrammeJob, str]:
    """A failed export finished at `when`, with a file a crashed run left in its folder."""
    job = export_start(user=user, programme_id=programme.public_id, fmt="pdf", now=when)
    ProgrammeJob.objects.filter(pk=job.pk).update(
        status="failed", finished_at=when, summary={"error": "It broke."}
    )
    leftover = default_storage.save(f"orgs/exports/{job.public_id}/left.pdf", _content())
    job.refresh_from_db()
    return job, leftover


def _content() -> Any:
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-partial")


def snapshot(job: ProgrammeJob) -> tuple[Any, ...]:
    job.refresh_from_db()
    return (job.status, job.result.name, job.summary, job.finished_at)


@pytest.fixture
def globex_programme(globex, gus) -> Any:
    return make_programme(globex, name="Globex Growth", created_by=gus)


# --- the sweep ---------------------------------------------------------------------------


def test_a_file_just_under_the_limit_is_kept_just_over_is_deleted(olivia, programme):
    young = made_at(olivia, programme, NOW - KEEP + SECOND)
    old = made_at(olivia, programme, NOW - KEEP - SECOND, fmt="xlsx")
    old_name, young_before = old.result.name, snapshot(young)

    assert exports_expire(now=NOW) == 1

    assert snapshot(young) == young_before and default_storage.exists(young.result.name)
    old.refresh_from_db()
    assert not default_storage.exists(old_name)
    assert not default_storage.exists(f"orgs/exports/{old.public_id}/")
    assert old.status == "done" and old.result.name == ""
    assert old.summary["expired_at"] == NOW.isoformat()
    assert (old.summary["expired"], old.summary["kept_days"]) == ("retention", 30)
    assert old.summary["filename"] == "leadership-2030-report-2030-02-04.xlsx"
    assert retention.expired_message(old) == (
        "This export was deleted after 30 days; make a new one."
    )


def test_failed_exports_lose_their_leftovers_and_stay_failed(olivia, programme):
    job, leftover = failed_at(olivia, programme, NOW - KEEP - SECOND)
    assert exports_expire(now=NOW) == 1
    assert not default_storage.exists(leftover)
    job.refresh_from_db()
    assert job.status == "failed" and job.summary["error"] == "It broke."
    assert "expired_at" in job.summary


def test_queued_and_running_exports_are_never_touched(olivia, programme):
    queued = export_start(
        user=olivia, programme_id=programme.public_id, fmt="csv", now=NOW - 2 * KEEP
    )
    running = export_start(
        user=olivia, programme_id=programme.public_id, fmt="pdf", now=NOW - 2 * KEEP
    )
    ProgrammeJob.objects.filter(pk=running.pk).update(status="running", started_at=NOW - 2 * KEEP)
    before = [snapshot(queued), snapshot(running)]
    assert exports_expire(now=NOW) == 0
    assert [snapshot(queued), snapshot(running)] == before


def test_the_setting_sets_the_limit(olivia, programme, settings):
    settings.TANDEM_ORGS_EXPORT_KEEP_DAYS = 7
    young = made_at(olivia, programme, NOW - timedelta(days=7) + SECOND)
    old = made_at(olivia, programme, NOW - timedelta(days=7) - SECOND, fmt="xlsx")
    assert exports_expire(now=NOW) == 1
    young.refresh_from_db()
    old.refresh_from_db()
    assert young.result.name and not old.result.name
    assert old.summary["kept_days"] == 7
    assert retention.expired_message(old) == "This export was deleted after 7 days; make a new one."


def test_twice_changes_nothing_the_second_time(olivia, programme):
    job = made_at(olivia, programme, NOW - KEEP - SECOND)
    assert exports_expire(now=NOW) == 1
    after_first = snapshot(job)
    assert exports_expire(now=NOW + timedelta(days=1)) == 0
    assert snapshot(job) == after_first


def test_two_sweeps_at_once_mark_each_job_once(olivia, programme, monkeypatch):
    """A second sweep runs entirely while the first is between deleting a job's files and
    marking it: the second marks it, the first's conditional UPDATE finds it marked."""
    jobs = [made_at(olivia, programme, NOW - KEEP - SECOND * (i + 1), fmt=f) for i, f in
            enumerate(("csv", "xlsx"))]  # fmt: skip
    delete = retention._delete_files
    raced: dict[str, int] = {}

    def delete_then_race(public_id: Any, result: str) -> None:
        delete(public_id, result)
        if "inner" not in raced:  # once, and not again inside the second sweep
            raced["inner"] = 0
            raced["inner"] = exports_expire(now=NOW + SECOND)

    monkeypatch.setattr(retention, "_delete_files", delete_then_race)
    outer = exports_expire(now=NOW)
    assert (outer, raced["inner"]) == (0, 2)
    for job in jobs:
        job.refresh_from_db()
        assert job.summary["expired_at"] == (NOW + SECOND).isoformat()
        assert not job.result.name


def test_a_run_that_died_after_deleting_is_finished_by_the_next(olivia, programme, monkeypatch):
    job = made_at(olivia, programme, NOW - KEEP - SECOND)
    name = job.result.name

    def died(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(retention, "_mark", died)
    with pytest.raises(RuntimeError):
        exports_expire(now=NOW)
    assert not default_storage.exists(name)
    monkeypatch.undo()
    assert exports_expire(now=NOW) == 1
    job.refresh_from_db()
    assert job.summary["expired"] == "retention"


def test_the_booking_sweep_runs_it_and_nothing_of_globex_is_touched(
    olivia, programme, gus, globex_programme
):
    ours = made_at(olivia, programme, NOW - KEEP - SECOND)
    theirs = made_at(gus, globex_programme, NOW - KEEP + SECOND)
    theirs_before = snapshot(theirs)
    counts = booking_sweep(now=NOW)
    assert counts["org_exports_expired"] == 1
    assert snapshot(theirs) == theirs_before and default_storage.exists(theirs.result.name)
    ours.refresh_from_db()
    assert not ours.result.name


# --- what the API and the pages say ------------------------------------------------------


@pytest.fixture
def expired(olivia, programme) -> ProgrammeJob:
    job = made_at(olivia, programme, NOW - KEEP - SECOND, fmt="xlsx")
    assert exports_expire(now=NOW) == 1
    job.refresh_from_db()
    return job


def test_the_api_says_expired_and_the_download_answers_410(olivia, expired, programme):
    client = client_for(olivia)
    body = client.get(f"{API}/exports/{expired.public_id}").json()
    assert body["status"] == "expired"
    assert (body["download_url"], body["expires_at"]) == ("", None)
    assert body["error"] == "This export was deleted after 30 days; make a new one."
    assert body["filename"] == "leadership-2030-report-2030-02-04.xlsx"
    listed = client.get(f"{API}/programmes/{programme.public_id}/exports").json()["items"]
    assert [item["status"] for item in listed] == ["expired"]
    response = client.get(f"{API}/exports/{expired.public_id}/download")
    assert response.status_code == 410
    error = response.json()["error"]
    assert error["code"] == "export_expired"
    assert error["message"] == "This export was deleted after 30 days; make a new one."


def test_a_kept_export_says_until_when(olivia, programme):
    job = made_at(olivia, programme, NOW - SECOND)
    body = client_for(olivia).get(f"{API}/exports/{job.public_id}").json()
    assert body["status"] == "done" and body["download_url"]
    assert body["expires_at"].startswith((NOW - SECOND + KEEP).date().isoformat())


def test_the_pages_say_expired_and_the_download_page_answers_410(olivia, expired, programme):
    client = client_for(olivia)
    listing = client.get(f"/org/programmes/{programme.public_id}/exports/")
    text = listing.content.decode()
    assert listing.status_code == 200
    assert "Files are kept for 30 days, then deleted" in text
    assert "Deleted" in text and "This export was deleted after 30 days; make a new one." in text
    assert f"/org/jobs/{expired.public_id}/export/download/" not in text
    page = client.get(f"/org/jobs/{expired.public_id}/export/")
    assert page.status_code == 200
    assert "This export was deleted after 30 days; make a new one." in page.content.decode()
    assert "Make a new export" in page.content.decode()
    download = client.get(f"/org/jobs/{expired.public_id}/export/download/")
    assert download.status_code == 410
    assert "This export was deleted after 30 days" in download.content.decode()


def test_the_exports_page_says_how_long_files_are_kept(olivia, programme, settings):
    settings.TANDEM_ORGS_EXPORT_KEEP_DAYS = 1
    made_at(olivia, programme, NOW)
    text = client_for(olivia).get(f"/org/programmes/{programme.public_id}/exports/").content
    assert b"Files are kept for 1 day, then deleted" in text
    assert b"Each file is kept for 1 day after it is made" in text
    assert b"kept until" in text


def test_a_failed_and_expired_export_is_still_not_ready(olivia, programme):
    job, _ = failed_at(olivia, programme, NOW - KEEP - SECOND)
    exports_expire(now=NOW)
    client = client_for(olivia)
    body = client.get(f"{API}/exports/{job.public_id}").json()
    assert (body["status"], body["error"]) == ("failed", "It broke.")
    response = client.get(f"{API}/exports/{job.public_id}/download")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "export_not_ready")


# --- a file missing for another reason -----------------------------------------------------


def test_a_missing_file_answers_410_on_download_and_marks_the_job(olivia, programme):
    job = made_at(olivia, programme, NOW - SECOND)
    default_storage.delete(job.result.name)
    client = client_for(olivia)
    response = client.get(f"{API}/exports/{job.public_id}/download")
    assert response.status_code == 410
    assert response.json()["error"] == {
        "code": "export_file_missing",
        "message": "This export's file is no longer on the server; make a new one.",
        "fields": {},
    }
    job.refresh_from_db()
    assert job.summary["expired"] == "missing" and not job.result.name
    body = client.get(f"{API}/exports/{job.public_id}").json()
    assert (body["status"], body["download_url"]) == ("expired", "")
    page = client.get(f"/org/jobs/{job.public_id}/export/download/")
    assert page.status_code == 410
    assert "no longer on the server" in page.content.decode()
    # The sweep later leaves it as it is (already marked).
    before = snapshot(job)
    assert exports_expire(now=NOW + 2 * KEEP) == 0
    assert snapshot(job) == before


def test_the_job_page_finds_a_missing_file_before_anyone_clicks(olivia, programme):
    job = made_at(olivia, programme, NOW - SECOND)
    default_storage.delete(job.result.name)
    page = client_for(olivia).get(f"/org/jobs/{job.public_id}/export/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "no longer on the server" in text and "/export/download/" not in text


# --- who may --------------------------------------------------------------------------------


def test_gus_of_globex_gets_404_and_marks_nothing(olivia, programme, gus, expired):
    fresh = made_at(olivia, programme, NOW - SECOND, fmt="pdf")
    default_storage.delete(fresh.result.name)  # missing, but only Olivia may find that out
    before = [snapshot(expired), snapshot(fresh)]
    client = client_for(gus)
    for job in (expired, fresh):
        for url in (f"{API}/exports/{job.public_id}", f"{API}/exports/{job.public_id}/download"):
            response = client.get(url)
            assert response.status_code == 404
            assert json.loads(response.content)["error"]["code"] == "export_not_found"
        for url in (
            f"/org/jobs/{job.public_id}/export/",
            f"/org/jobs/{job.public_id}/export/download/",
        ):
            assert client.get(url).status_code == 404
    assert [snapshot(expired), snapshot(fresh)] == before


# --- under `manage.py serve` (no sweep running) --------------------------------------------


def test_a_done_export_schedules_its_own_deletion_when_its_retention_ends(
    olivia, programme, monkeypatch
):
    """The job that deletes the file is enqueued with the DONE (run after 30 days), so the
    embedded `make run` keeps the retention without the booking sweep; run then, it deletes."""
    from django_tasks_db.models import DBTaskResult

    from tandem.orgs.exports import tasks

    job = made_at(olivia, programme, NOW)
    [scheduled] = DBTaskResult.objects.filter(task_path__endswith="exports_expire_task")
    assert scheduled.run_after == NOW + KEEP
    name = job.result.name
    monkeypatch.setattr(tasks.timezone, "now", lambda: NOW + KEEP - SECOND)
    tasks.exports_expire_task.call()  # early (a clock running slow): nothing is due yet
    assert default_storage.exists(name)
    monkeypatch.setattr(tasks.timezone, "now", lambda: NOW + KEEP + SECOND)
    tasks.exports_expire_task.call()
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert retention.is_expired(job)
