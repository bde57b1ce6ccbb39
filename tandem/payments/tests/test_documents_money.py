"""Invoices and receipts: gapless numbers per coach (also under concurrency and rollbacks),
PDFs that carry the number, the email with the PDF, downloads only for those concerned."""

from __future__ import annotations

import re
import threading
import zlib
from datetime import UTC, datetime

import pytest
from django.db import connections, transaction

from tandem.booking.tests.conftest import make_coach, token_client
from tandem.booking.tests.test_concurrency import file_database  # noqa: F401 (a fixture)
from tandem.payments.documents.pdf import document_pdf
from tandem.payments.documents.services import document_number, invoice_issue, receipt_issue
from tandem.payments.models import Invoice, InvoiceSequence, Payment

from .conftest import money_paid, money_refund

AT = datetime(2026, 5, 10, 22, 30, tzinfo=UTC)  # 11 May 00:30 in Berlin


def pdf_texts(pdf: bytes) -> str:
    """The text a PDF shows (WeasyPrint: hex glyph runs + ToUnicode CMaps), stdlib only.

    Each text run is decoded with every font's map; the runs that decode fully are kept."""
    streams = []
    for m in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", m.end())
        try:
            streams.append(zlib.decompress(pdf[m.end() : end]))
        except zlib.error:
            continue
    cmaps = []
    for s in streams:
        if b"begincmap" not in s:
            continue
        cmap: dict[int, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for a, b in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                cmap[int(a, 16)] = bytes.fromhex(b.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", s, re.S):
            for a, z, b in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
            ):
                first = ord(bytes.fromhex(b.decode()).decode("utf-16-be")[0])
                for i, code in enumerate(range(int(a, 16), int(z, 16) + 1)):
                    cmap[code] = chr(first + i)
        cmaps.append(cmap)
    texts = []
    for s in streams:
        for run in re.findall(rb"\[(.*?)\]\s*TJ", s, re.S):
            hexes = b"".join(re.findall(rb"<([0-9a-fA-F]+)>", run))
            codes = [int(hexes[i : i + 4], 16) for i in range(0, len(hexes), 4)]
            for cmap in cmaps:
                if codes and all(c in cmap for c in codes):
                    texts.append("".join(cmap[c] for c in codes))
    return "\n".join(texts)


def test_receipts_are_numbered_per_coach_from_one(money_coach, bob, charlie):
    other = make_coach(charlie, slug="charlie")
    p1 = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    p2 = money_paid(money_coach, bob, amount=6000, fee=600, at=AT)
    p3 = money_paid(other, bob, amount=5000, fee=500, at=AT)
    with transaction.atomic():
        r1 = receipt_issue(p1, AT)
    r2 = receipt_issue(p2, AT)
    r3 = receipt_issue(p3, AT)
    assert (r1.number, r2.number, r3.number) == (1, 2, 1)
    assert document_number(r1) == "ALICE-000001"
    assert (r1.kind, r1.status, r1.amount, r1.currency) == ("receipt", "paid", 8000, "EUR")
    # Issuing again returns the same document.
    assert receipt_issue(p1, AT).pk == r1.pk
    assert invoice_issue(p1, AT).pk == r1.pk
    assert Invoice.objects.count() == 3


def test_a_gift_card_payment_without_coach_gets_no_document(bob):
    payment = Payment.objects.create(
        client=bob, purpose="gift_card", amount=5000, currency="EUR", status="succeeded"
    )
    assert receipt_issue(payment) is None


def test_the_pdf_shows_number_parties_amount_date_and_refunds(money_coach, bob):
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    money_refund(payment, amount=3000, fee_back=300, at=AT)
    receipt = receipt_issue(payment, AT)
    pdf = document_pdf(receipt)
    assert pdf.startswith(b"%PDF")
    text = pdf_texts(pdf)
    for expected in (
        "Receipt ALICE-000001",
        "Alice Adler",
        "Bob Brown",
        "bob@example.com",
        "80.00 EUR",
        "11 May 2026",  # the coach's zone (Berlin), not UTC's 10 May
        "Europe/Berlin",
        "Paid",
        "30.00 EUR",
        "50.00 EUR",  # what stayed paid after the refund
        "Tandem",
    ):
        assert expected in text, f"{expected!r} not in the PDF:\n{text}"


def test_an_open_invoice_pdf(money_coach, bob):
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    invoice = invoice_issue(payment, AT)
    assert (invoice.kind, invoice.status) == ("invoice", "open")
    text = pdf_texts(document_pdf(invoice))
    assert "Invoice ALICE-000001" in text and "Open" in text


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_email_job_is_enqueued_in_the_documents_transaction(money_coach, bob):
    from django_tasks_db.models import DBTaskResult

    receipt_issue(money_paid(money_coach, bob, amount=8000, fee=800, at=AT), AT)
    [job] = DBTaskResult.objects.all()
    assert job.task_path.endswith("document_email_task")


def test_the_client_gets_the_pdf_by_email_after_commit(
    money_coach, bob, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = IMMEDIATE
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        receipt = receipt_issue(payment, AT)
        assert mailoutbox == []  # nothing before the commit
    [mail] = mailoutbox
    assert mail.to == ["bob@example.com"]
    assert "ALICE-000001" in mail.subject
    assert f"/payments/documents/{receipt.public_id}.pdf" in mail.body
    [(html, mime)] = mail.alternatives
    assert mime == "text/html" and "Download the PDF" in html
    [(name, content, kind)] = mail.attachments
    assert (name, kind) == ("ALICE-000001.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    # The job running again does not mail twice.
    from tandem.payments.documents.services import send_document_email

    send_document_email(receipt.pk)
    assert len(mailoutbox) == 1


def test_a_rolled_back_document_sends_nothing_and_gives_its_number_back(
    money_coach, bob, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = IMMEDIATE
    p1 = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    p2 = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        receipt_issue(p1, AT)
        raise RuntimeError("the payment failed after all")
    assert mailoutbox == [] and not Invoice.objects.exists()
    assert receipt_issue(p2, AT).number == 1


# --- Downloads --------------------------------------------------------------------------------


def test_downloads_for_client_coach_and_staff_only(
    client, money_coach, alice, bob, charlie, staff_user
):
    receipt = receipt_issue(money_paid(money_coach, bob, amount=8000, fee=800, at=AT), AT)
    page_url = f"/payments/documents/{receipt.public_id}.pdf"
    api_url = f"/api/v1/documents/{receipt.public_id}.pdf"
    for user in (bob, alice, staff_user):
        client.force_login(user)
        response = client.get(page_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert token_client(user).get(api_url).status_code == 200
    before = list(Invoice.objects.values_list("pk", "number", "status"))
    client.force_login(charlie)
    assert client.get(page_url).status_code == 404
    charlie_api = token_client(charlie)
    missing = charlie_api.get(api_url)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert charlie_api.get("/api/v1/documents/not-a-uuid.pdf").status_code == 404
    assert list(Invoice.objects.values_list("pk", "number", "status")) == before
    client.logout()
    assert client.get(page_url).status_code == 302  # to sign in


# --- Gapless under concurrency ----------------------------------------------------------------

THREADS = 8
PER_THREAD = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("file_database")
def test_concurrent_documents_are_gapless_with_rollbacks(alice, bob, charlie):
    coaches = [make_coach(alice, slug="alice"), make_coach(charlie, slug="charlie")]
    payments = {
        c.pk: [
            money_paid(c, bob, amount=1000 + i, fee=100, at=AT)
            for i in range(THREADS * PER_THREAD // 2)
        ]
        for c in coaches
    }
    jobs: list[tuple[Payment, bool]] = []
    for c in coaches:
        for i, p in enumerate(payments[c.pk]):
            jobs.append((p, False))
            if i % 3 == 0:
                jobs.append((p, True))  # a first try that rolls back, before the real one
    barrier = threading.Barrier(THREADS, timeout=60)
    errors: list[BaseException] = []

    def work(mine: list[tuple[Payment, bool]]) -> None:
        try:
            barrier.wait()
            for payment, roll_back in mine:
                for attempt in range(50):
                    try:
                        with transaction.atomic():
                            receipt_issue(payment, AT)
                            if roll_back:
                                raise _Rollback
                        break
                    except _Rollback:
                        break
                    except Exception as exc:  # SQLite's busy lock: try again
                        if "locked" not in str(exc) or attempt == 49:
                            raise
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # Rolled-back tries run before their real issue in the same thread (the order in `jobs`).
    ordered = sorted(jobs, key=lambda j: (j[0].pk, not j[1]))
    chunks = [ordered[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    for c in coaches:
        numbers = sorted(Invoice.objects.filter(coach=c).values_list("number", flat=True))
        assert numbers == list(range(1, len(payments[c.pk]) + 1))
        assert InvoiceSequence.objects.get(coach=c).last_number == len(payments[c.pk])


class _Rollback(Exception):
    pass
