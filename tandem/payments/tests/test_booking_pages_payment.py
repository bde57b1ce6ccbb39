"""Payments in the booking pages: the review step's payment options and checkout (invoice,
account credit, a bad gift card code, double submit), the card pay page (Stripe stand-in),
the session page's payment panel and "Mark invoice paid", and the cancel page's refund preview.

Alice (coach, Berlin, an 80.00 EUR session), Bob (client), Charlie (stranger): Charlie gets a
404 everywhere and nothing changes.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.booking import services
from tandem.booking.models import Booking, Hold
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.payments.checkout import refunds
from tandem.payments.checkout import services as checkout
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import Invoice, LedgerEntry, Payment, PaymentSource

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    html = response.content.decode()
    main = html.split('<main id="main"', 1)[-1].split(">", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<template\b.*?</template>", " ", main, flags=re.S)  # inert until used
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


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


def review(client: Client, coach, session_type, bob, start):
    """Hold `start` for Bob and open the review page; (url, page, key)."""
    hold = services.hold_create(client=bob, coach=coach, session_type=session_type, start=start)
    url = f"/book/alice/review/{hold.public_id}/"
    page = client.get(url)
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.content.decode())
    assert key is not None
    return url, page, key.group(1)


def checkout_invoice(bob, session_type, start) -> Payment:
    """Bob books and is invoiced (what the wizard does with the manual provider)."""
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


# --- The review step -------------------------------------------------------------------------


def test_confirm_with_the_manual_provider_books_and_invoices_once(coach, session_type, bob):
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, at(3, 10))
    text = text_of(page)
    assert "Payment" in text and "Price: 80.00 EUR" in text
    assert "Left to pay: 80.00 EUR" in text
    assert "You’ll receive an invoice; pay Alice Adler as agreed." in text
    # Bob has no package and no credit: those options are not offered.
    assert 'name="use_package"' not in page.content.decode()
    assert 'name="use_credit"' not in page.content.decode()
    assert 'name="gift_card_code"' in page.content.decode()

    body = {"notes": "Career change", "idempotency_key": key, "gift_card_code": ""}
    first = client.post(url, body)
    second = client.post(url, body)  # a double submit: the key finds the first
    booking = Booking.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/sessions/{booking.public_id}/"
    payment = Payment.objects.get()
    assert payment.booking == booking and payment.status == Payment.Status.AWAITING_INVOICE
    assert payment.amount == 8000 and payment.currency == "EUR"
    assert [s.kind for s in payment.sources.all()] == [PaymentSource.Kind.INVOICE]
    assert Invoice.objects.get(payment=payment).kind == Invoice.Kind.INVOICE
    shown = client.get(first["Location"])
    assert "Booked — your session with Alice Adler is confirmed." in messages_of(shown)
    assert "You’ll receive an invoice; pay Alice Adler as agreed." in messages_of(shown)
    assert_ledger_sound()


def test_account_credit_covering_the_price_pays_it(coach, session_type, bob):
    give_credit(bob, 10_000)
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, at(3, 11))
    text = text_of(page)
    assert "Use my account credit (100.00 EUR)" in text
    assert "Nothing left to pay: your account credit covers it." in text
    response = client.post(url, {"idempotency_key": key, "use_credit": "on"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED and payment.booking is not None
    assert [s.kind for s in payment.sources.all()] == [PaymentSource.Kind.CREDIT]
    assert accounts.client_credit_balance(bob, "EUR") == 2_000
    assert_ledger_sound()


def test_unticking_the_credit_leaves_it_alone(coach, session_type, bob):
    give_credit(bob, 3_000)
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, at(3, 12))
    assert "Left to pay after 30.00 EUR of account credit: 50.00 EUR" in text_of(page)
    client.post(url, {"idempotency_key": key})  # the box unticked
    payment = Payment.objects.get()
    assert [s.kind for s in payment.sources.all()] == [PaymentSource.Kind.INVOICE]
    assert accounts.client_credit_balance(bob, "EUR") == 3_000


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ABCD-EFGH-JKMN-PQRS-T", "That is not a valid gift card code."),
        ("A" * 65, "at most 64 characters"),
    ],
)
def test_a_bad_gift_card_code_is_a_form_error_and_books_nothing(
    coach, session_type, bob, code, message
):
    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, at(3, 13))
    response = client.post(
        url, {"notes": "Keep me", "idempotency_key": key, "gift_card_code": code}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in text_of(response)
    assert f'value="{code}"' in html and "Keep me" in html  # the input is kept
    assert 'id="id_gift_card_code_error"' in html
    assert not Booking.objects.exists() and not Payment.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert Hold.objects.filter(client=bob).exists()  # the time is still held


def test_an_unknown_gift_card_code_stays_on_the_page(coach, session_type, bob):
    from tandem.payments.giftcards.codes import generate_code

    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, at(3, 14))
    code = generate_code()
    response = client.post(url, {"idempotency_key": key, "gift_card_code": code})
    assert response.status_code == 400
    assert "No gift card has that code." in text_of(response)
    assert not Booking.objects.exists() and Hold.objects.exists()


def test_a_package_credit_is_offered_and_used(pk_coach, pk_type, pk_offer, bob):
    from tandem.payments.packages import services as packages

    outcome = packages.package_buy(
        client=bob,
        offer_id=pk_offer.public_id,
        pay_with=checkout.PayWith(package=False, use_credit=False),
        idempotency_key="pkg",
    )
    checkout.invoice_mark_paid(payment_id=outcome.payment.public_id, user=pk_coach.user)
    client = signed_in(bob)
    url, page, key = review(client, pk_coach, pk_type, bob, at(3, 15))
    text = text_of(page)
    assert re.search(r"Use a package credit \(5 left, expires \d+ \w+ \d{4}\s*\)", text), text
    assert "Nothing left to pay: your package credit covers it." in text
    client.post(url, {"idempotency_key": key, "use_package": "on"})
    payment = Payment.objects.get(booking__isnull=False)
    assert [s.kind for s in payment.sources.all()] == [PaymentSource.Kind.PACKAGE]


def test_a_free_session_shows_no_payment_options(coach, bob):
    free = make_type(coach, name="Intro", price=0)
    client = signed_in(bob)
    hold = services.hold_create(client=bob, coach=coach, session_type=free, start=at(3, 16))
    url = f"/book/alice/review/{hold.public_id}/"
    page = client.get(url)
    assert "Payment" not in text_of(page) and 'name="gift_card_code"' not in page.content.decode()
    client.post(url, {"idempotency_key": "free-1"})
    assert Booking.objects.count() == 1 and not Payment.objects.exists()


# --- Card: the pay page ----------------------------------------------------------------------


def test_card_pay_page_and_sync_book_the_session(coach, session_type, bob, charlie, stripe_standin):
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, at(3, 10))
    assert "You’ll pay it by card on the next page" in text_of(page)
    assert "Continue to payment" in text_of(page)
    response = client.post(url, {"idempotency_key": key})
    payment = Payment.objects.get()
    pay_url = f"/payments/{payment.public_id}/pay/"
    assert response.status_code == 302 and response["Location"] == pay_url
    assert not Booking.objects.exists()

    page = client.get(pay_url)
    assert page.status_code == 200
    html, text = page.content.decode(), text_of(page)
    payment.refresh_from_db()
    assert payment.provider_ref.startswith("pi_")
    assert "To pay by card 80.00 EUR" in text and "This time is held for you until" in text
    assert re.search(r'data-seconds-left="(\d+)"', html)
    assert f'data-client-secret="{payment.client_secret}"' in html
    assert 'data-publishable-key="pk_test_tandem_standin"' in html
    assert 'src="/static/payments/card.js"' in html and "<script>" not in html
    # Only this page lets Stripe.js in.
    assert "https://js.stripe.com" in page["Content-Security-Policy"]
    assert "https://js.stripe.com" not in client.get(url)["Content-Security-Policy"]

    # Charlie: no such page, and nothing changed.
    stranger = signed_in(charlie)
    assert stranger.get(pay_url).status_code == 404
    assert stranger.post(f"/api/v1/payments/{payment.public_id}/sync").status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REQUIRES_PAYMENT and not Booking.objects.exists()

    stripe_standin.confirm(payment.provider_ref)  # what Stripe.js does in the browser
    synced = client.post(f"/api/v1/payments/{payment.public_id}/sync")
    assert synced.status_code == 200, synced.content
    assert synced.json()["status"] == "succeeded"
    booking = Booking.objects.get()
    assert synced.json()["booking"] == str(booking.public_id)
    assert booking.client == bob and booking.status == Booking.Status.CONFIRMED
    # The pay page now leads to the session.
    again = client.get(pay_url)
    assert again.status_code == 302 and again["Location"] == f"/sessions/{booking.public_id}/"
    assert_ledger_sound()


def _public_slots(session_type, start) -> list[str]:
    day = start.date()
    query = urlencode(
        {
            "session_type": str(session_type.public_id),
            "start": f"{day}T00:00:00Z",
            "end": f"{day + timedelta(days=1)}T00:00:00Z",
            "tz": "UTC",
        }
    )
    response = Client().get(f"/api/v1/coaches/alice/slots?{query}")
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["slots"]]


def _is_offered(session_type, start) -> bool:
    from datetime import datetime

    return any(datetime.fromisoformat(s) == start for s in _public_slots(session_type, start))


def test_a_failed_card_frees_the_slot(coach, session_type, bob, stripe_standin):
    start = at(3, 12)
    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, start)
    client.post(url, {"idempotency_key": key})
    payment = Payment.objects.get()
    client.get(f"/payments/{payment.public_id}/pay/")
    payment.refresh_from_db()
    assert not _is_offered(session_type, start)  # held while Bob pays

    stripe_standin.confirm(payment.provider_ref, succeed=False)
    synced = client.post(f"/api/v1/payments/{payment.public_id}/sync")
    assert synced.status_code == 200 and synced.json()["status"] == "failed"
    assert not Booking.objects.exists() and not Hold.objects.exists()
    assert _is_offered(session_type, start)
    page = client.get(f"/payments/{payment.public_id}/pay/")
    assert page.status_code == 200 and "The time was released" in text_of(page)
    assert "https://js.stripe.com/v3" not in page.content.decode()


# --- The session page ------------------------------------------------------------------------


def test_the_payment_panel_for_client_and_coach(coach, session_type, alice, bob):
    payment = checkout_invoice(bob, session_type, at(4, 10))
    detail = f"/sessions/{payment.booking.public_id}/"
    invoice = Invoice.objects.get(payment=payment)

    mine = signed_in(bob).get(detail)
    text = text_of(mine)
    assert "Payment Amount 80.00 EUR Status Invoice open" in text
    assert "Invoice: 80.00 EUR" in text
    assert f"/payments/documents/{invoice.public_id}.pdf" in mine.content.decode()
    assert "pay your coach as agreed" in text
    assert "Mark invoice paid" not in text and "Platform fee" not in text

    theirs = signed_in(alice).get(detail)
    text = text_of(theirs)
    assert "Platform fee 8.00 EUR" in text and "Mark invoice paid" in text
    assert f"/payments/documents/{invoice.public_id}.pdf" in theirs.content.decode()


def test_the_coach_marks_the_invoice_paid_from_the_page(coach, session_type, alice, bob):
    payment = checkout_invoice(bob, session_type, at(4, 11))
    booking = payment.booking
    url = f"/sessions/{booking.public_id}/mark-paid/"
    # The client cannot.
    assert signed_in(bob).post(url).status_code == 404
    assert signed_in(bob).get(url).status_code == 404
    assert signed_in(bob).post(url, {"confirm": "yes"}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_INVOICE

    # One click only asks: nothing is recorded until the confirmation page's POST.
    asked = signed_in(alice).post(url)
    assert asked.status_code == 200 and "Mark the invoice paid?" in text_of(asked)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_INVOICE

    response = signed_in(alice).post(url, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/sessions/{booking.public_id}/"
    assert "Invoice marked paid." in messages_of(response)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Invoice.objects.get(payment=payment).status == Invoice.Status.PAID
    assert "Status Paid" in text_of(response) and "Mark invoice paid" not in text_of(response)
    # Twice: a message, nothing more.
    again = signed_in(alice).post(url, {"confirm": "yes"}, follow=True)
    assert again.status_code == 200 and messages_of(again)
    assert_ledger_sound()


def test_charlie_gets_404_and_nothing_changes(coach, session_type, bob, charlie):
    payment = checkout_invoice(bob, session_type, at(4, 12))
    booking = payment.booking
    entries = LedgerEntry.objects.count()
    stranger = signed_in(charlie)
    for response in (
        stranger.get(f"/sessions/{booking.public_id}/"),
        stranger.post(f"/sessions/{booking.public_id}/mark-paid/"),
        stranger.get(f"/sessions/{booking.public_id}/cancel/"),
        stranger.get(f"/payments/{payment.public_id}/pay/"),
        stranger.get("/payments/not-a-uuid/pay/"),
    ):
        assert response.status_code == 404
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_INVOICE and payment.refunded == 0
    assert booking.status == Booking.Status.CONFIRMED
    assert LedgerEntry.objects.count() == entries
    # Bob's own invoiced payment has nothing to pay by card: its pay page leads to the session.
    assert signed_in(bob).get(f"/payments/{payment.public_id}/pay/").status_code == 302


def test_the_detail_page_queries_stay_constant(coach, session_type, bob, staff_user):
    payment = checkout_invoice(bob, session_type, at(4, 13))
    client = signed_in(bob)
    url = f"/sessions/{payment.booking.public_id}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for n in range(3):
        refunds.refund_staff(
            payment_id=payment.public_id, staff=staff_user, amount=500, message=f"goodwill {n}"
        )
    after = count()
    assert after == before
    assert "goodwill 2" in text_of(client.get(url))


# --- The cancel page -------------------------------------------------------------------------


def test_cancel_page_shows_a_full_refund_in_time(coach, session_type, alice, bob):
    payment = checkout_invoice(bob, session_type, at(6, 10))
    # Paid: money comes back (an unpaid invoice is voided instead: test_void_unpaid_invoice).
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=alice)
    url = f"/sessions/{payment.booking.public_id}/cancel/"
    text = text_of(signed_in(bob).get(url))
    assert "Full refund" in text and "You’ll get back 80.00 EUR: a full refund." in text
    coach_text = text_of(signed_in(alice).get(url))
    assert "Bob Brown gets back 80.00 EUR: a full refund." in coach_text


def test_cancel_page_shows_what_a_late_cancellation_keeps(coach, session_type, alice, bob):
    # Tomorrow 10:00 is 10 to 34 hours away, depending on when the test runs: free
    # cancellation ends 48 hours before, so this one is late at any time of day.
    coach.cancel_free_hours = 48
    coach.save(update_fields=["cancel_free_hours"])
    payment = checkout_invoice(bob, session_type, at(1, 10))
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=alice)  # paid: refunds
    booking = payment.booking
    # Booked before the free window closed (not at short notice, which has its grace).
    Booking.objects.filter(pk=booking.pk).update(created_at=booking.start - timedelta(hours=49))
    client = signed_in(bob)
    text = text_of(client.get(f"/sessions/{booking.public_id}/cancel/"))
    assert "This is a late cancellation." in text
    assert "You’ll get back 40.00 EUR; Alice Adler keeps 40.00 EUR (late cancellation)." in text
    # What it says is what happens.
    client.post(f"/sessions/{booking.public_id}/cancel/", {"reason_code": "schedule_conflict"})
    payment.refresh_from_db()
    assert payment.refunded == 4000
    assert_ledger_sound()


def test_cancel_page_of_an_unpaid_session_says_nothing_about_money(coach, bob):
    free = make_type(coach, name="Intro", price=0)
    booking = services.booking_create(
        client=bob,
        request=services.BookingRequest(coach=coach, session_type=free, start=at(5, 10)),
    ).booking
    text = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/cancel/"))
    assert "refund" not in text.lower()
