"""Documents are never rewritten (issue 14, "Stale documents"): after a reschedule the receipt
PDF still showed the old time and not how the session was paid.

Alice coaches (Berlin, 80.00 EUR sessions, manual provider: invoices), Bob books. A document
shows the session's time and the payment sources as issued; a reschedule issues a new
version (the old PDF unchanged, marked superseded on the pages), a refund or void after
issue issues a credit note in its own gapless series, and Charlie gets 404 for every one.
The clock is injected: everything happens at NOW and after.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.test import Client

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import make_coach, make_type, token_client
from tandem.booking.tests.test_concurrency import file_database  # noqa: F401 (a fixture)
from tandem.payments.checkout import services as checkout
from tandem.payments.documents.pdf import document_html, document_pdf
from tandem.payments.documents.services import (
    document_number,
    document_reissue,
    receipt_issue,
    send_document_email,
)
from tandem.payments.giftcards import codes as gift_codes
from tandem.payments.giftcards import services as giftcards
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import Invoice, InvoiceSequence, Payment

from .conftest import money_paid
from .test_documents_money import pdf_texts

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 11, 6, 0, tzinfo=UTC)  # Mon 11 May, 08:00 in Berlin
START = datetime(2026, 5, 13, 8, 0, tzinfo=UTC)  # Wed 13 May, 10:00 in Berlin
MOVED = datetime(2026, 5, 14, 13, 0, tzinfo=UTC)  # Thu 14 May, 15:00 in Berlin
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach, price=Decimal("80.00"), currency="EUR")


def give_credit(user, amount: int) -> None:
    with transaction.atomic():
        ledger.post(
            reason="test_credit",
            correlation_key=f"test-credit-{user.pk}-{amount}",
            legs=[
                (accounts.promotions("EUR"), amount),
                (accounts.client_credit(user, "EUR"), -amount),
            ],
            now=NOW,
        )


def book(bob, session_type, start=START, pay_with=None) -> Payment:
    outcome = checkout.checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(
            coach=session_type.coach, session_type=session_type, start=start
        ),
        pay_with=pay_with or checkout.PayWith(),
        idempotency_key=None,
        now=NOW,
    )
    assert outcome.payment is not None
    return outcome.payment


def reschedule(booking, user, start=MOVED, now=NOW + timedelta(hours=1)):
    return booking_services.booking_reschedule(
        booking_id=booking.public_id, user=user, start=start, now=now
    )


def documents(payment: Payment) -> list[Invoice]:
    return list(Invoice.objects.filter(payment=payment).order_by("kind", "number"))


def pdf_text(invoice: Invoice) -> str:
    return pdf_texts(document_pdf(Invoice.objects.get(pk=invoice.pk)))


def page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Issue, reschedule, a new version ----------------------------------------------------------


def test_a_reschedule_issues_a_new_version_and_leaves_the_old_one_as_it_was(
    coach, session_type, alice, bob
):
    give_credit(bob, 3000)
    payment = book(bob, session_type)
    [first] = documents(payment)
    assert (first.kind, first.number, first.version, first.status) == ("invoice", 1, 1, "open")
    # The sources as issued: 30.00 of account credit, 50.00 on the invoice.
    assert [(s["kind"], s["amount"]) for s in first.snapshot["sources"]] == [
        ("credit", 3000),
        ("invoice", 5000),
    ]
    old_text = pdf_text(first)
    for expected in (
        "Invoice ALICE-000001",
        "Wed 13 May 2026, 10:00",  # the session, in the coach's zone
        "Europe/Berlin",
        "Account credit",
        "30.00 EUR",
        "50.00 EUR",
        "80.00 EUR",
    ):
        assert expected in old_text, f"{expected!r} not in:\n{old_text}"
    old_snapshot = dict(first.snapshot)

    reschedule(payment.booking, bob)

    old, new = documents(payment)
    assert (old.pk, new.number, new.version, new.supersedes_id) == (first.pk, 2, 2, first.pk)
    assert old.superseded_at == NOW + timedelta(hours=1) and new.superseded_at is None
    assert (new.kind, new.status, new.amount) == ("invoice", "open", 8000)
    assert Payment.objects.get(pk=payment.pk).invoice == new
    # The old version says exactly what it said: same snapshot, same PDF text.
    assert old.snapshot == old_snapshot and pdf_text(old) == old_text
    new_text = pdf_text(new)
    for expected in ("Invoice ALICE-000002", "Thu 14 May 2026, 15:00", "ALICE-000001"):
        assert expected in new_text, f"{expected!r} not in:\n{new_text}"
    assert "Wed 13 May 2026, 10:00–" not in new_text.replace("from Wed 13 May 2026, 10:00", "")
    assert "Account credit" in new_text

    # Marking the invoice paid moves the current version only.
    checkout.invoice_mark_paid(
        payment_id=payment.public_id, user=alice, now=NOW + timedelta(hours=2)
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("open", "paid")
    assert pdf_text(old) == old_text


def test_a_package_credit_is_listed_as_the_source(coach, session_type, bob, alice, pk_offer):
    from tandem.payments.packages.services import package_buy

    bought = package_buy(
        client=bob, offer_id=pk_offer.public_id, pay_with=checkout.PayWith(), now=NOW
    )
    checkout.invoice_mark_paid(payment_id=bought.payment.public_id, user=alice, now=NOW)
    payment = book(bob, pk_offer.session_type)
    receipt = Payment.objects.get(pk=payment.pk).invoice
    assert receipt.kind == "receipt"
    assert [s["kind"] for s in receipt.snapshot["sources"]] == ["package"]
    assert "Package credit" in pdf_text(receipt)
    # The package purchase's own invoice and this receipt share the coach's one series.
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]


@pytest.fixture
def pk_offer(alice, coach):
    from tandem.payments.packages.offers import package_offer_create

    session_type = make_type(coach, price=Decimal("80.00"), currency="EUR")
    return package_offer_create(
        coach_user=alice,
        session_type_id=session_type.public_id,
        name="Five sessions",
        sessions=5,
        price="360.00",
        valid_days=180,
    )


def test_a_gift_card_is_named_by_its_hint_only(coach, session_type, bob, staff_user):
    card = giftcards.giftcard_issue(
        staff=staff_user, amount=2000, currency="EUR", recipient_email=bob.email, now=NOW
    )
    code = card.issued_code
    payment = book(bob, session_type, pay_with=checkout.PayWith(gift_card_code=code))
    invoice = Payment.objects.get(pk=payment.pk).invoice
    labels = [s["label"] for s in invoice.snapshot["sources"]]
    assert labels == [f"Gift card {gift_codes.masked_code(card.code_hint)}", "Invoice"]
    text = pdf_text(invoice)
    assert card.code_hint in text.replace("-", "")
    assert code.replace("-", "")[:12] not in text.replace("-", "")  # never the code


# --- Credit notes ------------------------------------------------------------------------------


def test_a_refund_after_issue_is_a_credit_note_in_its_own_series(coach, session_type, bob):
    give_credit(bob, 8000)  # the session is paid in full: a receipt
    payment = book(bob, session_type)
    second = book(bob, session_type, start=START + timedelta(hours=3))
    receipt = Payment.objects.get(pk=payment.pk).invoice
    receipt_text = pdf_text(receipt)
    assert (receipt.kind, receipt.number) == ("receipt", 1)

    booking_services.booking_cancel(
        booking_id=payment.booking.public_id,
        user=bob,
        reason_code="schedule_conflict",
        now=NOW + timedelta(hours=1),
    )
    [note] = Invoice.objects.filter(payment=payment, kind="credit_note")
    assert (note.number, note.amount, note.credits_id, note.status) == (
        1,
        8000,
        receipt.pk,
        "issued",
    )
    assert document_number(note) == "ALICE-CN-000001"
    note_text = pdf_text(note)
    for expected in ("Credit note ALICE-CN-000001", "ALICE-000001", "Refund", "-80.00 EUR"):
        assert expected in note_text, f"{expected!r} not in:\n{note_text}"
    # The receipt is not rewritten.
    assert pdf_text(receipt) == receipt_text

    # The next document continues the main series; the next credit note its own.
    booking_services.booking_cancel(
        booking_id=second.booking.public_id,
        user=bob,
        reason_code="schedule_conflict",
        now=NOW + timedelta(hours=1),
    )
    assert Payment.objects.get(pk=second.pk).invoice.number == 2
    assert Invoice.objects.get(payment=second, kind="credit_note").number == 2
    sequence = InvoiceSequence.objects.get(coach=coach)
    assert (sequence.last_number, sequence.last_credit_number) == (2, 2)


def test_a_void_after_issue_is_a_credit_note_too(coach, session_type, bob):
    payment = book(bob, session_type)
    booking_services.booking_cancel(
        booking_id=payment.booking.public_id,
        user=bob,
        reason_code="schedule_conflict",
        now=NOW + timedelta(hours=1),
    )
    invoice = Invoice.objects.exclude(kind="credit_note").get(payment=payment)
    note = Invoice.objects.get(payment=payment, kind="credit_note")
    assert invoice.status == "void" and (note.amount, note.credits_id) == (8000, invoice.pk)
    assert note.snapshot["what"] == "void"
    assert "voided" in pdf_text(note)


# --- Numbers without gaps ----------------------------------------------------------------------


def test_numbers_stay_gapless_across_versions_and_documents(coach, session_type, bob):
    first = book(bob, session_type)
    reschedule(first.booking, bob)
    second = book(bob, session_type, start=START + timedelta(hours=3))
    reschedule(second.booking, bob, start=MOVED + timedelta(hours=2))
    reschedule(first.booking, bob, start=MOVED + timedelta(days=1))
    numbers = sorted(Invoice.objects.filter(coach=coach).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]
    versions = [d.version for d in documents(first)]
    assert versions == [1, 2, 3]
    assert Invoice.objects.filter(superseded_at__isnull=True).count() == 2


def test_a_rolled_back_reschedule_issues_nothing(coach, session_type, bob):
    payment = book(bob, session_type)
    with pytest.raises(RuntimeError), transaction.atomic():
        reschedule(payment.booking, bob)
        raise RuntimeError("something failed after the move")
    [only] = documents(payment)
    assert only.superseded_at is None and only.number == 1
    assert InvoiceSequence.objects.get(coach=coach).last_number == 1


class _Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("file_database")
def test_concurrent_new_versions_and_receipts_are_gapless(alice, bob):
    coach = make_coach(alice, slug="alice")
    paid = [money_paid(coach, bob, amount=1000 + i, fee=100, at=NOW) for i in range(8)]
    for p in paid[:4]:
        receipt_issue(p, NOW)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4, timeout=60)

    def work(mine: list[Payment]) -> None:
        try:
            barrier.wait()
            for p in mine:
                for attempt in range(50):
                    try:
                        with transaction.atomic():
                            if Invoice.objects.filter(payment=p).exists():
                                document_reissue(p, reason="details changed", now=NOW)
                            else:
                                receipt_issue(p, NOW)
                        break
                    except Exception as exc:  # SQLite's busy lock: try again
                        if "locked" not in str(exc) or attempt == 49:
                            raise
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(paid[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 13))  # 4 receipts, 4 new versions, 4 new receipts
    assert Invoice.objects.filter(superseded_at__isnull=True).count() == 8


# --- Pages, email and access -------------------------------------------------------------------


def test_pages_show_the_current_version_and_mark_the_older_one(
    coach, session_type, alice, bob, staff_user
):
    payment = book(bob, session_type)
    reschedule(payment.booking, bob)
    history = page(bob, "/payments/")
    assert "Invoice ALICE-000002" in history
    assert "superseded by ALICE-000002" in history
    session = page(bob, f"/sessions/{payment.booking.public_id}/")
    assert "Invoice ALICE-000002 (PDF)" in session and "superseded by ALICE-000002" in session
    staff = page(staff_user, f"/staff/payments/{payment.public_id}/")
    assert "Invoice ALICE-000002" in staff and "superseded by ALICE-000002" in staff
    # The API's payment list gives the current version.
    body = token_client(bob).get("/api/v1/me/payments").json()
    assert body["items"][0]["document"]["number"] == "ALICE-000002"


def test_the_email_attaches_the_current_version(
    coach, session_type, bob, mailoutbox, django_capture_on_commit_callbacks, settings
):
    payment = book(bob, session_type)  # its email job has not run yet
    first = Payment.objects.get(pk=payment.pk).invoice
    reschedule(payment.booking, bob)
    settings.TASKS = IMMEDIATE
    send_document_email(first.pk)  # the first job, running late, sends the current version
    [mail] = mailoutbox
    assert "ALICE-000002" in mail.subject
    [(name, _, _)] = mail.attachments
    assert name == "ALICE-000002.pdf"
    new = Payment.objects.get(pk=payment.pk).invoice
    send_document_email(new.pk)  # the new version's own job: already sent
    assert len(mailoutbox) == 1


def test_the_rendered_html_is_the_snapshot_not_live_data(coach, session_type, bob):
    payment = book(bob, session_type)
    invoice = Payment.objects.get(pk=payment.pk).invoice
    before = document_html(invoice)
    # Live rows change behind the document (a rename, a moved booking without the seam).
    bob.display_name = "Robert Renamed"
    bob.save(update_fields=["display_name"])
    type(payment.booking).objects.filter(pk=payment.booking_id).update(
        start=MOVED,
        end=MOVED + timedelta(hours=1),
        blocked_start=MOVED,
        blocked_end=MOVED + timedelta(hours=1),
    )
    after = document_html(Invoice.objects.get(pk=invoice.pk))
    assert after == before
    assert "Bob Brown" in after and "Wed 13 May 2026, 10:00" in after


def test_charlie_gets_404_for_every_version_and_credit_note(
    coach, session_type, alice, bob, charlie
):
    give_credit(bob, 8000)
    payment = book(bob, session_type)
    reschedule(payment.booking, bob)
    booking_services.booking_cancel(
        booking_id=payment.booking.public_id,
        user=bob,
        reason_code="schedule_conflict",
        now=NOW + timedelta(hours=2),
    )
    all_documents = documents(payment)
    assert {d.kind for d in all_documents} == {"receipt", "credit_note"}
    assert len(all_documents) == 3
    before = list(Invoice.objects.values_list("pk", "number", "status", "superseded_at"))
    charlie_page, charlie_api = Client(), token_client(charlie)
    charlie_page.force_login(charlie)
    bob_page = Client()
    bob_page.force_login(bob)
    for d in all_documents:
        assert charlie_page.get(f"/payments/documents/{d.public_id}.pdf").status_code == 404
        assert charlie_api.get(f"/api/v1/documents/{d.public_id}.pdf").status_code == 404
        # Bob and Alice still download every version.
        assert bob_page.get(f"/payments/documents/{d.public_id}.pdf").status_code == 200
        assert token_client(alice).get(f"/api/v1/documents/{d.public_id}.pdf").status_code == 200
    after = list(Invoice.objects.values_list("pk", "number", "status", "superseded_at"))
    assert after == before
