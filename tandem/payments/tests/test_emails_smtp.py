"""Payment emails over real SMTP (aiosmtpd on loopback): a receipt with its PDF, an invoice
for a session booked through checkout, and a gift card's code to its recipient."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout.services import PayWith, checkout_booking
from tandem.payments.documents.services import receipt_issue
from tandem.payments.giftcards.codes import format_code
from tandem.payments.giftcards.services import giftcard_issue

from .conftest import money_paid

pytestmark = pytest.mark.django_db(transaction=True)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_receipt_arrives_with_its_pdf(money_coach, bob, smtp_mailbox, settings):
    settings.TASKS = IMMEDIATE
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=datetime.now(UTC))
    with transaction.atomic():
        receipt = receipt_issue(payment)
    message = smtp_mailbox.wait_for("bob@example.com", subject="ALICE-000001")
    assert f"/payments/documents/{receipt.public_id}.pdf" in smtp_mailbox.text(message)
    [pdf] = [part for part in message.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "Download the PDF" in html.get_content()


def test_an_invoice_arrives_for_a_session_booked_through_checkout(
    alice, bob, smtp_mailbox, settings
):
    settings.TASKS = IMMEDIATE
    coach = make_coach(alice, slug="alice")
    checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=make_type(coach), start=at(4, 10)
        ),
        pay_with=PayWith(),
        idempotency_key=None,
    )
    message = smtp_mailbox.wait_for("bob@example.com", subject="ALICE-000001")
    assert "80.00 EUR" in smtp_mailbox.text(message)


def test_a_gift_card_code_reaches_its_recipient(staff_user, smtp_mailbox):
    card = giftcard_issue(
        staff=staff_user,
        amount=5000,
        currency="EUR",
        recipient_email="charlie@example.com",
        message="Welcome!",
    )
    message = smtp_mailbox.wait_for("charlie@example.com", subject="gift card")
    text = smtp_mailbox.text(message)
    assert format_code(card.issued_code) in text and "50.00 EUR" in text
