"""/api/v1/orgs/... exports and the export pages: who may (Olivia, Northwind's admin) and who
gets 404 (Charlie, coach Alice, Gus of Globex, staff), bad input, idempotency, downloads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tandem.orgs.exports.services import export_run
from tandem.orgs.models import ProgrammeJob

from .conftest import NOW
from .exports_support import populate

API = "/api/v1/orgs"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


@pytest.fixture
def done_job(olivia, programme, coach, session_type) -> ProgrammeJob:
    populate(programme, coach, session_type, 5)
    response = post(client_for(olivia), f"{API}/programmes/{programme.public_id}/exports",
                    {"format": "xlsx"})  # fmt: skip
    assert response.status_code == 201, response.content
    job = ProgrammeJob.objects.get(public_id=response.json()["id"])
    assert export_run(job.public_id, now=NOW)
    job.refresh_from_db()
    return job


def test_olivia_starts_follows_and_downloads_an_export(olivia, done_job, programme):
    client = client_for(olivia)
    body = client.get(f"{API}/exports/{done_job.public_id}").json()
    assert body["status"] == "done" and body["progress"] == body["total"]
    assert body["format"] == "xlsx" and body["programme_id"] == str(programme.public_id)
    assert body["filename"] == "leadership-2030-report-2030-03-06.xlsx"
    response = client.get(body["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="leadership-2030-report-2030-03-06.xlsx"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")
    listed = client.get(f"{API}/programmes/{programme.public_id}/exports").json()["items"]
    assert [item["id"] for item in listed] == [str(done_job.public_id)]


def test_a_queued_export_has_no_download(olivia, programme):
    client = client_for(olivia)
    made = post(client, f"{API}/programmes/{programme.public_id}/exports", {"format": "csv"})
    assert made.status_code == 201
    body = made.json()
    assert (body["status"], body["download_url"], body["progress"]) == ("queued", "", 0)
    response = client.get(f"{API}/exports/{body['id']}/download")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "export_not_ready"
    page = client.get(f"/org/jobs/{body['id']}/export/download/")
    assert page.status_code == 404


def test_idempotency_key_replays_the_first_export(olivia, programme):
    client = client_for(olivia)
    url = f"{API}/programmes/{programme.public_id}/exports"
    first = post(client, url, {"format": "pdf"}, **{"Idempotency-Key": "k-1"})
    again = post(client, url, {"format": "pdf"}, **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    other = post(client, url, {"format": "csv"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 409
    assert ProgrammeJob.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"format": "docx"},
        {"format": 1},
        {"format": None},
        {"format": ["csv"]},
        {"format": "csv\x00"},
        {"format": "x" * 10_000},
        {},
        {"format": "csv", "extra": 1},
        [],
        "not json",
        "null",
    ],
)
def test_bad_input_is_4xx_and_queues_nothing(olivia, programme, body):
    url = f"{API}/programmes/{programme.public_id}/exports"
    response = post(client_for(olivia), url, body)
    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not ProgrammeJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_bad_idempotency_key_is_400(olivia, programme):
    url = f"{API}/programmes/{programme.public_id}/exports"
    response = post(client_for(olivia), url, {"format": "csv"}, **{"Idempotency-Key": "x" * 300})
    assert response.status_code == 400
    assert not ProgrammeJob.objects.exists()


@pytest.fixture
def member(northwind) -> Any:
    """A plain member of Northwind (not an admin): reaches no programme either."""
    from conftest import make_user
    from tandem.orgs.models import Membership

    user = make_user("mo@example.com", name="Mo Member")
    Membership.objects.create(organisation=northwind, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.mark.parametrize("who", ["charlie", "alice", "gus", "staff_user", "member"])
def test_outsiders_get_404_everywhere_and_nothing_changes(request, who, done_job, programme):
    user = request.getfixturevalue(who)
    client = client_for(user)
    job_id, prog_id = done_job.public_id, programme.public_id
    tasks_before = DBTaskResult.objects.count()  # the export's and its file's deletion
    for url in (
        f"/org/programmes/{prog_id}/exports/",
        f"/org/jobs/{job_id}/export/",
        f"/org/jobs/{job_id}/export/download/",
        f"{API}/programmes/{prog_id}/exports",
        f"{API}/exports/{job_id}",
        f"{API}/exports/{job_id}/download",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/org/programmes/{prog_id}/exports/", {"format": "csv"}).status_code == 404
    response = post(client, f"{API}/programmes/{prog_id}/exports", {"format": "csv"})
    assert response.status_code == 404
    assert ProgrammeJob.objects.count() == 1
    assert DBTaskResult.objects.count() == tasks_before


def test_anonymous_is_sent_to_sign_in_or_401(done_job, programme):
    client = Client()
    page = client.get(f"/org/jobs/{done_job.public_id}/export/download/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get(f"{API}/exports/{done_job.public_id}/download").status_code in (401, 404)


def test_unknown_and_malformed_ids_are_404(olivia):
    client = client_for(olivia)
    for ref in ("00000000-0000-0000-0000-000000000000", "nope", "1"):
        assert client.get(f"{API}/exports/{ref}").status_code == 404
        assert client.get(f"/org/jobs/{ref}/export/").status_code == 404
        assert client.get(f"/org/programmes/{ref}/exports/").status_code == 404


def test_an_import_job_is_not_an_export(olivia, programme):
    job = ProgrammeJob.objects.create(programme=programme, kind="import_csv")
    client = client_for(olivia)
    assert client.get(f"{API}/exports/{job.public_id}").status_code == 404
    assert client.get(f"/org/jobs/{job.public_id}/export/").status_code == 404


# --- pages ----------------------------------------------------------------------------------------


def test_exports_page_lists_recent_exports_and_starts_one(olivia, done_job, programme):
    client = client_for(olivia)
    page = client.get(f"/org/programmes/{programme.public_id}/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/org/jobs/{done_job.public_id}/export/download/" in html
    assert "Excel workbook" in html
    response = client.post(f"/org/programmes/{programme.public_id}/exports/", {"format": "pdf"})
    job = ProgrammeJob.objects.exclude(pk=done_job.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/org/jobs/{job.public_id}/export/"
    assert job.kind == "export_pdf"


def test_exports_page_refuses_an_unknown_format(olivia, programme):
    client = client_for(olivia)
    response = client.post(f"/org/programmes/{programme.public_id}/exports/", {"format": "exe"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ProgrammeJob.objects.exists()


def test_job_page_polls_until_done(olivia, programme):
    client = client_for(olivia)
    client.post(f"/org/programmes/{programme.public_id}/exports/", {"format": "csv"})
    job = ProgrammeJob.objects.get()
    url = f"/org/jobs/{job.public_id}/export/"
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html and "Queued" in html
    assert export_run(job.public_id, now=NOW)
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part
    assert f"/org/jobs/{job.public_id}/export/download/" in part
    download = client.get(f"{url}download/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")


def test_exports_page_queries_are_constant(olivia, programme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(olivia)
    url = f"/org/programmes/{programme.public_id}/exports/"
    ProgrammeJob.objects.create(programme=programme, kind="export_csv", status="queued")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for status in ["done", "failed", "running"] * 10:
        ProgrammeJob.objects.create(programme=programme, kind="export_xlsx", status=status)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries) <= 12
