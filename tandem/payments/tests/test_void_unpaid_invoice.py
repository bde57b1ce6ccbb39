"""Cancelling a session whose invoice is still open voids it: nothing was paid, so nothing is
refunded (issue 14). Cancelling once said "You'll get back 120.00 EUR: a full refund" and
/payments/ listed "Refunded 120.00 EUR" for money Bob never paid.

Alice coaches (Berlin, a 120.00 EUR session, manual provider: invoices), Bob books. What the
cancel page and the API promise, what the ledger posts, and what /payments/ lists must agree:
an unpaid invoice is voided (the receivable reversed, no refund posting, invoice void); money
paid (an invoice marked paid, account credit) is refunded as before.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import transaction
from django.test import Client

from tandem.booking import services
from tandem.booking.tests.conftest import at, make_coach, make_type, token_client
from tandem.payments.checkout import services as checkout
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import (
    Account,
    Invoice,
    LedgerTransaction,
    Payment,
    PaymentVoid,
    Refund,
)

from .ledger_checks import assert_ledger_sound, natural_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach, price=Decimal("120.00"), currency="EUR")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    html = response.content.decode()
    main = html.split('<main id="main"', 1)[-1].split(">", 1)[-1].split("</main>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def give_credit(user, amount: int) -> None:
    with transaction.atomic():
        ledger.post(
            reason="test_credit",
            correlation_key=f"test-credit-{user.pk}-{amount}",
            legs=[
                (accounts.promotions("EUR"), amount),
                (accounts.client_credit(user, "EUR"), -amount),
            ],
        )


def book(bob, session_type, start) -> Payment:
    outcome = checkout.checkout_booking(
        client=bob,
        request=services.BookingRequest(
            coach=session_type.coach, session_type=session_type, start=start
        ),
        pay_with=checkout.PayWith(),
        idempotency_key=None,
    )
    assert outcome.payment is not None
    return outcome.payment


def reasons() -> list[str]:
    return list(LedgerTransaction.objects.order_by("pk").values_list("reason", flat=True))


def cancel_through_the_api(bob, booking) -> dict:
    response = token_client(bob).post(
        f"/api/v1/bookings/{booking.public_id}/cancel",
        json.dumps({"reason_code": "schedule_conflict"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_cancelling_with_an_open_invoice_voids_it_and_refunds_nothing(
    coach, session_type, alice, bob
):
    payment = book(bob, session_type, at(6, 10))
    booking = payment.booking
    assert payment.status == Payment.Status.AWAITING_INVOICE
    assert natural_balance(f"receivable:user:{bob.pk}:") == 12000

    # What cancelling would do, as the page and the API say it.
    page = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/cancel/"))
    assert "Nothing to pay: the unpaid invoice is voided" in page
    assert "You haven’t paid the invoice yet, so none of it is refunded" in page
    assert "120.00 EUR of it is voided and nothing is left to pay." in page
    assert "get back" not in page and "Full refund" not in page
    coach_page = text_of(signed_in(alice).get(f"/sessions/{booking.public_id}/cancel/"))
    assert "Bob Brown hasn’t paid the invoice yet, so none of it is refunded" in coach_page
    detail = token_client(bob).get(f"/api/v1/bookings/{booking.public_id}").json()
    impact = detail["refund_if_cancelled_now"]
    assert impact["refund"] == "0.00" and impact["void"] == "120.00" and impact["kept"] == "0.00"
    assert "voided" in impact["summary"] and "refunded" not in impact["summary"]

    made = cancel_through_the_api(bob, booking)["refund"]
    assert made["refund"] == "0.00" and made["void"] == "120.00"

    # The ledger: the receivable is reversed; no refund was posted.
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert payment.refunded == 0 and payment.voided == 12000
    assert not Refund.objects.exists()
    assert PaymentVoid.objects.get().amount == 12000
    assert "refund" not in reasons() and reasons().count("invoice_void") == 1
    assert Invoice.objects.exclude(kind="credit_note").get(payment=payment).status == "void"
    # The void after issue is recorded by a credit note; the invoice itself is not rewritten.
    note = Invoice.objects.get(payment=payment, kind="credit_note")
    assert (note.amount, note.number) == (12000, 1)
    assert natural_balance(f"receivable:user:{bob.pk}:") == 0
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 0
    assert natural_balance("platform_revenue:") == 0
    assert natural_balance("provider_clearing:") == 0
    assert_ledger_sound()

    # The session page and /payments/ say voided, never refunded.
    session = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/"))
    assert "Voided — nothing to pay" in session and "Refunds" not in session
    history = text_of(signed_in(bob).get("/payments/"))
    assert "Voided 120.00 EUR of the unpaid invoice" in history
    assert "Voided — nothing to pay" in history and "Refunded" not in history
    api = token_client(bob).get(f"/api/v1/payments/{payment.public_id}").json()
    assert api["status"] == "voided" and api["refunded"] == "0.00" and api["voided"] == "120.00"
    assert api["refunds"] == [] and api["voids"][0]["amount"] == "120.00"


def test_cancelling_a_paid_invoice_still_refunds_it(coach, session_type, alice, bob):
    payment = book(bob, session_type, at(6, 11))
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=alice)
    booking = payment.booking
    page = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/cancel/"))
    assert "You’ll get back 120.00 EUR: a full refund." in page and "voided" not in page

    made = cancel_through_the_api(bob, booking)["refund"]
    assert made["refund"] == "120.00" and made["void"] == "0.00"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded == 12000
    assert payment.voided == 0 and not PaymentVoid.objects.exists()
    assert reasons().count("refund") == 1 and "invoice_void" not in reasons()
    assert natural_balance("provider_clearing:manual:") == 0  # paid in, paid back
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 0
    assert_ledger_sound()
    history = text_of(signed_in(bob).get("/payments/"))
    assert "Refunded 120.00 EUR" in history and "Voided" not in history


def test_credits_go_back_and_the_open_invoice_part_is_voided(coach, session_type, bob):
    give_credit(bob, 2000)
    payment = book(bob, session_type, at(6, 12))  # 20.00 account credit + a 100.00 invoice
    assert accounts.client_credit_balance(bob, "EUR") == 0
    page = text_of(signed_in(bob).get(f"/sessions/{payment.booking.public_id}/cancel/"))
    assert "You’ll get back 20.00 EUR paid with credits." in page
    assert "100.00 EUR of it is voided and nothing is left to pay." in page

    made = cancel_through_the_api(bob, payment.booking)["refund"]
    assert made["refund"] == "20.00" and made["void"] == "100.00"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert payment.refunded == 2000 and payment.voided == 10000
    assert accounts.client_credit_balance(bob, "EUR") == 2000  # the credit is back
    assert Refund.objects.get().amount == 2000
    assert natural_balance(f"receivable:user:{bob.pk}:") == 0
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 0
    assert natural_balance("platform_revenue:") == 0
    assert_ledger_sound()
    history = text_of(signed_in(bob).get("/payments/"))
    assert "Refunded 20.00 EUR" in history and "Voided 100.00 EUR of the unpaid invoice" in history


def test_a_late_cancellation_voids_the_invoice_down_to_the_late_fee(
    coach, session_type, alice, bob
):
    start = at(6, 13)
    payment = book(bob, session_type, start)
    late = start - timedelta(hours=2)  # inside the 24-hour window: the coach keeps 50 %
    services.booking_cancel(
        booking_id=payment.booking.public_id, user=bob, reason_code="illness", now=late
    )
    payment.refresh_from_db()
    # Half is voided; the other half (the late fee) is still owed on the open invoice.
    assert payment.status == Payment.Status.AWAITING_INVOICE
    assert payment.voided == 6000 and payment.refunded == 0
    assert not Refund.objects.exists() and PaymentVoid.objects.get().kept == 6000
    assert Invoice.objects.exclude(kind="credit_note").get(payment=payment).status == "open"
    assert Invoice.objects.get(payment=payment, kind="credit_note").amount == 6000
    assert natural_balance(f"receivable:user:{bob.pk}:") == 6000
    fee = payment.fee - PaymentVoid.objects.get().fee_returned
    assert natural_balance(f"coach_payable:coach:{coach.pk}:") == 6000 - fee
    # Bob pays what he still owes: exactly the late fee.
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=alice, now=late)
    assert natural_balance("provider_clearing:manual:") == 6000
    assert natural_balance(f"receivable:user:{bob.pk}:") == 0
    assert "refund" not in reasons()
    assert_ledger_sound()


def test_charlie_sees_nothing_of_a_voided_payment(coach, session_type, bob, charlie):
    payment = book(bob, session_type, at(6, 14))
    cancel_through_the_api(bob, payment.booking)
    assert signed_in(charlie).get(f"/sessions/{payment.booking.public_id}/").status_code == 404
    response = token_client(charlie).get(f"/api/v1/payments/{payment.public_id}")
    assert response.status_code == 404
    assert "Voided" not in text_of(signed_in(charlie).get("/payments/"))
    assert Account.objects.filter(key__contains=f"user:{charlie.pk}:").count() == 0
