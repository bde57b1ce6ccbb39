"""POST /api/v1/checkout and /api/v1/payments/{id}: paying through the API, bad input, and
other people's payments (404, nothing changed)."""

from __future__ import annotations

import json

import pytest

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_coach, make_type, token_client
from tandem.payments.models import LedgerEntry, Payment, Refund

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def session_type(coach):
    return make_type(coach)


def post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def checkout_body(session_type, start, **payment):
    return {
        "coach": "alice",
        "session_type": str(session_type.public_id),
        "start": start.isoformat(),
        "notes": "Career change",
        "payment": payment,
    }


def test_checkout_books_and_invoices_with_the_manual_provider(session_type, bob, alice):
    api = token_client(bob)
    response = post(
        api, "/api/v1/checkout", checkout_body(session_type, at(3, 10)), HTTP_IDEMPOTENCY_KEY="a1"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["next_action"] == "pay_invoice"
    assert body["booking"]["status"] == "confirmed"
    assert body["payment"]["amount"] == "80.00" and body["payment"]["currency"] == "EUR"
    assert body["payment"]["platform_fee"] is None  # the client does not see the fee
    assert [s["kind"] for s in body["payment"]["sources"]] == ["invoice"]
    again = post(
        api, "/api/v1/checkout", checkout_body(session_type, at(3, 10)), HTTP_IDEMPOTENCY_KEY="a1"
    )
    assert again.status_code == 200 and again.json()["payment"]["id"] == body["payment"]["id"]
    assert Payment.objects.count() == 1 and Booking.objects.count() == 1

    coach_api = token_client(alice)
    seen = coach_api.get(f"/api/v1/payments/{body['payment']['id']}").json()
    assert seen["platform_fee"] == "8.00"
    paid = post(coach_api, f"/api/v1/payments/{body['payment']['id']}/mark-paid", {})
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded"
    assert_ledger_sound()


def test_charlie_cannot_see_or_touch_bobs_payment(session_type, bob, charlie):
    body = post(
        token_client(bob), "/api/v1/checkout", checkout_body(session_type, at(3, 10))
    ).json()
    payment_id = body["payment"]["id"]
    entries = LedgerEntry.objects.count()
    stranger = token_client(charlie)
    for response in (
        stranger.get(f"/api/v1/payments/{payment_id}"),
        post(stranger, f"/api/v1/payments/{payment_id}/mark-paid", {}),
        post(stranger, f"/api/v1/payments/{payment_id}/sync", {}),
        post(
            stranger,
            f"/api/v1/payments/{payment_id}/refunds",
            {"amount": "80.00", "message": "please"},
        ),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    payment = Payment.objects.get(public_id=payment_id)
    assert payment.status == Payment.Status.AWAITING_INVOICE and payment.refunded == 0
    assert LedgerEntry.objects.count() == entries
    # The client cannot mark their own invoice paid either.
    assert (
        post(token_client(bob), f"/api/v1/payments/{payment_id}/mark-paid", {}).status_code == 404
    )


@pytest.mark.parametrize(
    "payment",
    [
        {"gift_card_code": "ABCD-EFGH-JKMN-PQRS-T"},  # a wrong check symbol
        {"provider": "bitcoin"},
        {"use_credit": "maybe"},
        {"gift_card_code": "A" * 500},
        {"gift_card_code": "AB\x00CD"},
    ],
)
def test_bad_payment_options_are_refused_and_change_nothing(session_type, bob, payment):
    response = post(
        token_client(bob), "/api/v1/checkout", checkout_body(session_type, at(3, 10), **payment)
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"]
    assert not Booking.objects.exists() and not Payment.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_malformed_json_and_unknown_ids(session_type, bob):
    api = token_client(bob)
    broken = api.post("/api/v1/checkout", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert api.get("/api/v1/payments/not-a-uuid").status_code == 404
    assert api.get("/api/v1/payments/00000000-0000-0000-0000-000000000000").status_code == 404
    assert not Booking.objects.exists()


def test_staff_refund_with_a_reason(session_type, bob, alice, staff_user):
    body = post(
        token_client(bob), "/api/v1/checkout", checkout_body(session_type, at(3, 10))
    ).json()
    payment_id = body["payment"]["id"]
    post(token_client(alice), f"/api/v1/payments/{payment_id}/mark-paid", {})
    staff = token_client(staff_user)
    too_much = post(
        staff, f"/api/v1/payments/{payment_id}/refunds", {"amount": "90.00", "message": "x"}
    )
    assert too_much.status_code == 400
    for bad in ("abc", "NaN", "Infinity", "-5", "1.234"):
        refused = post(
            staff, f"/api/v1/payments/{payment_id}/refunds", {"amount": bad, "message": "x"}
        )
        assert refused.status_code == 400, (bad, refused.content)
    assert not Refund.objects.exists()
    done = post(
        staff,
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "20.00", "message": "Video dropped twice"},
    )
    assert done.status_code == 201, done.content
    assert done.json()["status"] == "partially_refunded" and done.json()["refunded"] == "20.00"
    refund = Refund.objects.get()
    assert refund.reason == "staff" and refund.message == "Video dropped twice"
    # Alice (the coach) cannot refund through the staff endpoint.
    assert (
        post(
            token_client(alice),
            f"/api/v1/payments/{payment_id}/refunds",
            {"amount": "1.00", "message": "x"},
        ).status_code
        == 404
    )
    assert_ledger_sound()


def booking_body(session_type, start):
    return {
        "coach": "alice",
        "session_type": str(session_type.public_id),
        "start": start.isoformat(),
    }


def test_booking_a_priced_session_through_bookings_issues_its_invoice(session_type, bob):
    api = token_client(bob)
    made = post(api, "/api/v1/bookings", booking_body(session_type, at(5, 10)))
    assert made.status_code == 201, made.content
    booking_id = made.json()["id"]
    payment = Payment.objects.get(booking__public_id=booking_id)
    assert payment.status == Payment.Status.AWAITING_INVOICE and payment.amount == 8000
    detail = api.get(f"/api/v1/bookings/{booking_id}").json()
    assert detail["payment"]["status"] == "awaiting_invoice"
    # The invoice is not paid yet: cancelling voids it, nothing is refunded.
    voided = {
        "currency": "EUR",
        "refund": "0.00",
        "void": "80.00",
        "kept": "0.00",
        "summary": "The unpaid invoice of 80.00 EUR is voided (nothing to pay).",
    }
    assert detail["refund_if_cancelled_now"] == voided
    cancelled = post(
        api, f"/api/v1/bookings/{booking_id}/cancel", {"reason_code": "illness", "message": ""}
    )
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["refund"] == voided
    assert_ledger_sound()


def test_a_session_that_needs_a_card_is_refused_by_bookings_with_nothing_changed(
    stripe_standin, session_type, bob
):
    answer = post(token_client(bob), "/api/v1/bookings", booking_body(session_type, at(5, 10)))
    assert answer.status_code == 402, answer.content
    assert answer.json()["error"]["code"] == "payment_required"
    assert not Booking.objects.exists() and not Payment.objects.exists()
    assert not stripe_standin.intents()


def test_a_free_session_through_bookings_has_no_payment(coach, bob):
    free = make_type(coach, name="Intro", price=0)
    api = token_client(bob)
    made = post(api, "/api/v1/bookings", booking_body(free, at(5, 10)))
    assert made.status_code == 201
    detail = api.get(f"/api/v1/bookings/{made.json()['id']}").json()
    assert detail["payment"] is None and detail["refund_if_cancelled_now"] is None
    assert not Payment.objects.exists()
