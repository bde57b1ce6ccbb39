"""The CSV import end to end: the page and the API store the upload on a job, the task checks
every row and invites everyone in one transaction, or nobody with the bad rows listed.
Another organisation's admin, a coach and a stranger get 404 for the page, the job and the API."""

from __future__ import annotations

import codecs
import hashlib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tandem.booking.tests.test_concurrency import file_database  # noqa: F401 (a fixture)
from tandem.orgs.models import Participant, ProgrammeJob
from tandem.orgs.participants import imports
from tandem.orgs.participants.tasks import import_csv_task

from .conftest import NOW, make_programme

pytestmark = pytest.mark.django_db

GOOD = b'email,name\r\nann@northwind.example,Ann Lee\r\nraj@northwind.example,"Patel, Raj"\r\n'


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def start(programme, olivia, data: bytes) -> ProgrammeJob:
    job, replayed = imports.import_start(
        actor=olivia, programme=programme, upload=upload(data), now=NOW
    )
    assert not replayed
    return job


def run(job: ProgrammeJob, capture) -> str:
    """The task's work, with the after-commit effects (the invitations) run as in production."""
    with capture(execute=True):
        return imports.import_run(job.pk, now=NOW)


def test_the_page_queues_a_job_and_the_task_invites_everyone_once(
    programme, olivia, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = client_for(olivia)
    url = reverse("orgs_import", args=[programme.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert b'for="import-file"' in page.content
    response = client.post(url, {"file": upload(GOOD)})
    job = ProgrammeJob.objects.get(programme=programme)
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs_import_job", args=[job.public_id])
    assert job.kind == "import_csv" and job.status == "queued" and job.created_by == olivia
    assert DBTaskResult.objects.filter(task_path=import_csv_task.module_path).count() == 1
    queued = client.get(response["Location"])
    assert b"Queued" in queued.content and b'hx-trigger="every 1s"' in queued.content

    mail.outbox.clear()
    assert run(job, django_capture_on_commit_callbacks) == "done"
    job.refresh_from_db()
    assert job.status == "done" and job.progress == job.total == 2
    assert job.summary["invited"] == 2 and job.errors == []
    assert not job.upload  # the addresses' file is not kept
    people = Participant.objects.filter(programme=programme).order_by("email")
    assert [(p.email, p.name, p.source, p.status) for p in people] == [
        ("ann@northwind.example", "Ann Lee", "csv", "invited"),
        ("raj@northwind.example", "Patel, Raj", "csv", "invited"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@northwind.example",
        "raj@northwind.example",
    ]

    # The job runs again (jobs run at least once): nobody is invited twice.
    assert run(job, django_capture_on_commit_callbacks) == "done"
    assert Participant.objects.filter(programme=programme).count() == 2
    assert len(mail.outbox) == 2

    done = client.get(reverse("orgs_import_job", args=[job.public_id]))
    assert b"2 people were invited" in done.content
    assert b"hx-trigger" not in done.content  # polling stops
    partial = client.get(
        reverse("orgs_import_job", args=[job.public_id]), headers={"HX-Request": "true"}
    )
    assert partial.content.lstrip().startswith(b'<div id="import-progress"')


def test_the_task_itself_runs_the_import(programme, olivia):
    job = start(programme, olivia, GOOD)
    import_csv_task.call(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert Participant.objects.filter(programme=programme).count() == 2


def test_one_bad_row_and_nobody_is_invited(programme, olivia, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    Participant.objects.create(programme=programme, email="old@northwind.example")
    data = (
        GOOD
        + b"not-an-email,Bob\r\n"
        + b"ANN@northwind.example,dup\r\n"
        + b'eve@northwind.example,"=HYPERLINK(""http://evil.example"",""x"")"\r\n'
        + b"old@northwind.example,Old\r\n"
    )
    job = start(programme, olivia, data)
    assert imports.import_run(job.pk, now=NOW) == "failed"
    job.refresh_from_db()
    assert job.status == "failed"
    assert [(e["line"], e["code"]) for e in job.errors] == [
        (4, "invalid_email"),
        (5, "duplicate"),
        (6, "formula"),
        (7, "already_in_programme"),
    ]
    assert job.summary["error_count"] == 4
    emails = Participant.objects.filter(programme=programme).values_list("email", flat=True)
    assert list(emails) == ["old@northwind.example"]
    assert mail.outbox == []
    page = client_for(olivia).get(reverse("orgs_import_job", args=[job.public_id]))
    text = page.content.decode()
    assert "Nobody was invited." in text and "4 rows need fixing" in text
    assert 'data-line="6"' in text and "formula" in text
    assert "<script" not in text.split("Rows to fix")[1]  # the row's text is escaped


def test_an_address_invited_meanwhile_fails_the_whole_import(programme, olivia, monkeypatch):
    job = start(programme, olivia, GOOD)
    Participant.objects.create(programme=programme, email="raj@northwind.example")
    monkeypatch.setattr(imports, "existing_emails", lambda programme: {})  # checked before
    assert imports.import_run(job.pk, now=NOW) == "failed"
    job.refresh_from_db()
    assert job.errors[0]["code"] == "already_in_programme"
    assert "raj@northwind.example" in job.errors[0]["message"]
    assert not Participant.objects.filter(email="ann@northwind.example").exists()


def test_ten_thousand_rows_are_invited_in_one_go(
    programme, olivia, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    body = "email,name\n" + "".join(f"p{i}@northwind.example,P{i}\n" for i in range(10_000))
    job = start(programme, olivia, body.encode("utf-16"))
    assert run(job, django_capture_on_commit_callbacks) == "done"
    job.refresh_from_db()
    assert job.summary["invited"] == 10_000 and job.summary["encoding"] == "utf-16"
    assert Participant.objects.filter(programme=programme, source="csv").count() == 10_000
    assert len(mail.outbox) == 10_000


def test_ten_thousand_rows_with_a_bad_last_row_import_nothing(programme, olivia):
    body = "".join(f"p{i}@northwind.example\r\n" for i in range(9_999)) + "p1@northwind.example\r\n"
    job = start(programme, olivia, codecs.BOM_UTF8 + body.encode())
    assert imports.import_run(job.pk, now=NOW) == "failed"
    job.refresh_from_db()
    assert job.errors == [
        {
            "line": 10_000,
            "code": "duplicate",
            "message": "p1@northwind.example is also on line 2: each person once.",
            "email": "p1@northwind.example",
        }
    ]
    assert not Participant.objects.filter(programme=programme).exists()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "The file is empty"),
        (b"PK\x03\x04\x14\x00junk", "not a CSV file"),
        (bytes(range(256)), "binary data"),
        (b"a" * (imports.MAX_BYTES + 1), "larger than 2 MB"),
    ],
)
def test_empty_binary_and_huge_files_are_refused_on_the_page(programme, olivia, data, fragment):
    client = client_for(olivia)
    url = reverse("orgs_import", args=[programme.public_id])
    response = client.post(url, {"file": upload(data)})
    assert response.status_code == 400
    assert fragment in response.content.decode()
    assert not ProgrammeJob.objects.exists()


def test_no_file_is_a_form_error(programme, olivia):
    response = client_for(olivia).post(reverse("orgs_import", args=[programme.public_id]), {})
    assert response.status_code == 400
    assert b"Choose a CSV file" in response.content
    assert not ProgrammeJob.objects.exists()


def test_an_ended_programme_takes_no_import(northwind, olivia):
    ended = make_programme(northwind, status="ended")
    response = client_for(olivia).post(
        reverse("orgs_import", args=[ended.public_id]), {"file": upload(GOOD)}
    )
    assert response.status_code == 409
    assert not ProgrammeJob.objects.exists()


@pytest.mark.parametrize("who", ["gus", "alice", "charlie"])
def test_others_get_404_for_the_page_the_job_and_the_api(request, programme, olivia, who):
    job = start(programme, olivia, GOOD)
    other = client_for(request.getfixturevalue(who))
    for url in (
        reverse("orgs_import", args=[programme.public_id]),
        reverse("orgs_import_job", args=[job.public_id]),
        f"/api/v1/orgs/jobs/{job.public_id}",
    ):
        assert other.get(url).status_code == 404, url
    assert (
        other.post(
            reverse("orgs_import", args=[programme.public_id]), {"file": upload(GOOD)}
        ).status_code
        == 404
    )
    api = other.post(
        f"/api/v1/orgs/programmes/{programme.public_id}/participants/import",
        {"file": upload(GOOD)},
    )
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "programme_not_found"
    assert ProgrammeJob.objects.count() == 1  # nothing new
    assert client_for(olivia).get(f"/api/v1/orgs/jobs/{job.public_id}").status_code == 200


def test_signed_out_is_sent_to_sign_in(programme):
    response = Client().get(reverse("orgs_import", args=[programme.public_id]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_api_import_with_idempotency_key_and_progress(programme, olivia):
    client = client_for(olivia)
    url = f"/api/v1/orgs/programmes/{programme.public_id}/participants/import"
    first = client.post(url, {"file": upload(GOOD)}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 202, first.content
    body = first.json()
    assert body["status"] == "queued" and body["kind"] == "import_csv"
    again = client.post(url, {"file": upload(GOOD)}, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    other = client.post(url, {"file": upload(GOOD + b"x@northwind.example\r\n")},
                        headers={"Idempotency-Key": "k1"})  # fmt: skip
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert ProgrammeJob.objects.count() == 1

    job = ProgrammeJob.objects.get()
    imports.import_run(job.pk, now=NOW)
    status = client.get(f"/api/v1/orgs/jobs/{body['id']}").json()
    assert status["status"] == "done" and status["invited"] == 2 and status["percent"] == 100


def test_api_errors_and_bad_input(programme, olivia):
    client = client_for(olivia)
    url = f"/api/v1/orgs/programmes/{programme.public_id}/participants/import"
    missing = client.post(url, {})
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"file": ["Choose a CSV file to upload."]}
    binary = client.post(url, {"file": upload(b"\x00\x01\x02" * 100)})
    assert binary.status_code == 400
    assert binary.json()["error"]["code"] == "import_not_csv"
    blank_key = client.post(url, {"file": upload(GOOD)}, headers={"Idempotency-Key": ""})
    assert blank_key.status_code == 400
    assert client.get("/api/v1/orgs/jobs/not-a-uuid").status_code == 404
    assert client.post("/api/v1/orgs/programmes/nope/participants/import", {}).status_code == 404

    job = start(programme, olivia, b"email\nbad\n")
    imports.import_run(job.pk, now=NOW)
    status = client.get(f"/api/v1/orgs/jobs/{job.public_id}").json()
    assert status["status"] == "failed" and status["error_count"] == 1
    assert status["errors"] == [
        {
            "line": 2,
            "code": "invalid_email",
            "message": "“bad” is not a valid email address.",
            "email": "bad",
        }
    ]


def test_the_invitation_email_over_smtp_names_no_one_and_links_to_the_site(
    programme, olivia, smtp_mailbox, settings, bob, django_capture_on_commit_callbacks
):
    settings.TANDEM_SITE_URL = "https://tandem.example"
    data = b"email,name\nann@northwind.example,Ann Lee\nbob@example.com,Bob\n"
    job = start(programme, olivia, data)
    run(job, django_capture_on_commit_callbacks)
    message = smtp_mailbox.wait_for("ann@northwind.example", subject="Northwind Traders")
    text = smtp_mailbox.text(message)
    assert "Leadership 2030" in text and "Ann Lee" not in text
    link = smtp_mailbox.link(message, r"/programmes/invitations/")
    assert link.startswith("https://tandem.example/programmes/invitations/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    ann = Participant.objects.get(email="ann@northwind.example")
    assert ann.token_hash == hashlib.sha256(token.encode()).hexdigest()
    smtp_mailbox.wait_for("bob@example.com", subject="Northwind Traders")
    # Bob has an account: an entry in his notification centre too, without the link's token.
    from tandem.notifications.models import Delivery, Notification

    note = Notification.objects.get(user=bob, kind="programme")
    assert "Northwind Traders" in note.title and note.url == "/programmes/"
    assert not Delivery.objects.filter(user=bob, kind="programme", channel="email").exists()
    assert not Notification.objects.filter(user__email="ann@northwind.example").exists()


def test_job_page_queries_do_not_grow_with_errors(programme, olivia, django_assert_max_num_queries):
    client = client_for(olivia)
    small = start(programme, olivia, b"x@bad\n")
    big = start(programme, olivia, "".join(f"x@bad{i}\n" for i in range(2000)).encode())
    imports.import_run(small.pk, now=NOW)
    imports.import_run(big.pk, now=NOW)
    big.refresh_from_db()
    assert big.summary["error_count"] == 2000 and len(big.errors) == imports.MAX_ERRORS_KEPT
    for job in (small, big):
        with django_assert_max_num_queries(8):
            page = client.get(reverse("orgs_import_job", args=[job.public_id]))
        assert page.status_code == 200
    assert b"The first 1000 of 2000 are listed." in page.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("file_database")
def test_two_workers_running_one_job_at_once_invite_each_person_once(programme, olivia):
    import threading

    from django.db import connections

    job = start(programme, olivia, GOOD)
    barrier = threading.Barrier(3, timeout=60)
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(imports.import_run(job.pk, now=NOW))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert sorted(results) == ["done"] * 3
    assert Participant.objects.filter(programme=programme).count() == 2
    job.refresh_from_db()
    assert job.status == "done" and job.summary["invited"] == 2
