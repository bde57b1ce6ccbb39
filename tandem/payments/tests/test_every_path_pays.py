"""Every booking is paid for, exactly once, whichever path creates it (issue 14).

Book now once booked a paid "Quick call" with no payment at all: it called booking_create,
which knew nothing of money. Checkout now happens inside booking_create (through the
payments seam, booking/services/payments_hook.py), so this walks every path that makes a
booking — the wizard page, POST /api/v1/bookings, POST /api/v1/checkout, the service itself,
Book now's accepted offer, a request the coach confirms, a reschedule, a card payment that
books its held time — and checks one payment per booking (none for a free session, whose
price 0 is recorded on the booking), on Bob's /payments/ and on staff's /staff/payments/.

Alice coaches (open all day, UTC), Bob books. Service calls take a fixed `now` three days
ahead (dispatch's NOW); pages and the API run on the real clock with slots days after it.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_type, token_client
from tandem.coaches.models import Specialty
from tandem.dispatch import services as dispatch_services
from tandem.dispatch.models import DispatchOffer
from tandem.dispatch.tests.conftest import NOW, SLOT, ask, make_dispatch_coach, online
from tandem.payments.checkout.services import (
    PayWith,
    checkout_booking,
    payment_apply_intent,
    payment_start_card,
)
from tandem.payments.models import Invoice, Payment, PaymentSource
from tandem.payments.providers import get_provider

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_call(alice):
    """Alice's "Quick call", 45.00 EUR, one hour, bookable at no notice, all day (UTC)."""
    leadership = Specialty.objects.get_or_create(
        slug="leadership", defaults={"name": "Leadership"}
    )[0]
    _, session_type = make_dispatch_coach(
        alice, slug="alice", specialty=leadership, name="Quick call", price=Decimal("45.00")
    )
    return session_type


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def slot(days: int, hour: int):
    """A start `days` after NOW's day at `hour`:00 UTC (NOW is three days ahead of today)."""
    return (NOW + timedelta(days=days)).replace(hour=hour, minute=0)


def post_json(client: Client, path: str, body: dict, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def payments_of(booking: Booking) -> list[Payment]:
    return list(Payment.objects.filter(booking=booking))


def the_payment(booking: Booking, amount: int = 4500) -> Payment:
    """The booking's one payment, for its price."""
    found = payments_of(booking)
    assert len(found) == 1, f"{booking} has {len(found)} payments"
    payment = found[0]
    assert payment.amount == amount and payment.currency == "EUR"
    assert payment.client_id == booking.client_id and payment.coach_id == booking.coach_id
    return payment


# --- each path -------------------------------------------------------------------------------


def book_through_the_wizard(bob, session_type) -> Booking:
    client = signed_in(bob)
    hold = booking_services.hold_create(
        client=bob, coach=session_type.coach, session_type=session_type, start=slot(1, 10)
    )
    url = f"/book/alice/review/{hold.public_id}/"
    page = client.get(url)
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.content.decode())
    assert key is not None
    body = {"idempotency_key": key.group(1), "gift_card_code": "", "notes": ""}
    first, second = client.post(url, body), client.post(url, body)  # a double submit
    assert first.status_code == second.status_code == 302
    return Booking.objects.get(public_id=first["Location"].rstrip("/").rsplit("/", 1)[-1])


def book_through_the_bookings_api(bob, session_type) -> Booking:
    api = token_client(bob)
    body = {
        "coach": "alice",
        "session_type": str(session_type.public_id),
        "start": slot(1, 12).isoformat(),
    }
    first = post_json(api, "/api/v1/bookings", body, HTTP_IDEMPOTENCY_KEY="b-1")
    again = post_json(api, "/api/v1/bookings", body, HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    data = first.json()
    assert data["id"] == again.json()["id"]
    return Booking.objects.get(public_id=data["id"])


def book_through_checkout_api(bob, session_type) -> Booking:
    api = token_client(bob)
    body = {
        "coach": "alice",
        "session_type": str(session_type.public_id),
        "start": slot(1, 14).isoformat(),
        "payment": {},
    }
    first = post_json(api, "/api/v1/checkout", body, HTTP_IDEMPOTENCY_KEY="c-1")
    again = post_json(api, "/api/v1/checkout", body, HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    return Booking.objects.get(public_id=first.json()["booking"]["id"])


def book_through_the_service(bob, session_type) -> Booking:
    """booking_create on its own (no checkout around it): still paid, the default way."""
    return booking_services.booking_create(
        client=bob,
        request=booking_services.BookingRequest(
            coach=session_type.coach, session_type=session_type, start=slot(1, 16)
        ),
        now=NOW,
    ).booking


def book_through_book_now(bob, alice, session_type) -> Booking:
    online(alice)
    request = ask(bob)
    offer = DispatchOffer.objects.get(request=request, status=DispatchOffer.Status.OFFERED)
    assert offer.session_type == session_type and offer.start == SLOT
    accepted = dispatch_services.dispatch_offer_accept(
        coach_user=alice, offer_id=offer.public_id, now=NOW + timedelta(minutes=1)
    )
    again = dispatch_services.dispatch_offer_accept(  # a retry: the same booking, no second pay
        coach_user=alice, offer_id=offer.public_id, now=NOW + timedelta(minutes=2)
    )
    assert again.replayed and again.booking == accepted.booking
    return accepted.booking


def book_a_request_the_coach_confirms(bob, alice, coach) -> Booking:
    needs_ok = make_type(
        coach, name="Deep dive", requires_confirmation=True, price=Decimal("45.00"), currency="EUR"
    )
    api = token_client(bob)
    body = {
        "coach": "alice",
        "session_type": str(needs_ok.public_id),
        "start": slot(2, 10).isoformat(),
    }
    response = post_json(api, "/api/v1/bookings", body, HTTP_IDEMPOTENCY_KEY="r-1")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    booking = Booking.objects.get(public_id=response.json()["id"])
    the_payment(booking)  # paid when requested (refunded in full if declined)
    booking_services.booking_accept(booking_id=booking.public_id, user=alice)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    return booking


# --- the walk --------------------------------------------------------------------------------


def test_every_path_that_books_a_paid_session_pays_for_it_exactly_once(
    bob, alice, staff_user, quick_call
):
    bookings = {
        "wizard": book_through_the_wizard(bob, quick_call),
        "POST /bookings": book_through_the_bookings_api(bob, quick_call),
        "POST /checkout": book_through_checkout_api(bob, quick_call),
        "booking_create": book_through_the_service(bob, quick_call),
        "Book now": book_through_book_now(bob, alice, quick_call),
        "confirmed request": book_a_request_the_coach_confirms(bob, alice, quick_call.coach),
    }
    assert Booking.objects.count() == len(bookings)
    payments = {}
    for path, booking in bookings.items():
        payment = the_payment(booking)
        # Manual provider: an invoice for the whole price, the session earned when invoiced.
        assert payment.status == Payment.Status.AWAITING_INVOICE, path
        assert [s.kind for s in payment.sources.all()] == [PaymentSource.Kind.INVOICE], path
        assert Invoice.objects.filter(payment=payment, kind=Invoice.Kind.INVOICE).count() == 1
        payments[path] = payment
    assert Payment.objects.count() == len(bookings)

    # A reschedule moves the booking; its one payment follows it (no second payment).
    moved = bookings["booking_create"]
    booking_services.booking_reschedule(
        booking_id=moved.public_id, user=bob, start=slot(3, 9), now=NOW + timedelta(minutes=5)
    )
    moved.refresh_from_db()
    assert moved.start == slot(3, 9)
    assert the_payment(moved).pk == payments["booking_create"].pk
    assert Payment.objects.count() == len(bookings)
    assert_ledger_sound()

    # Bob's payment history lists each one; so does staff's payments list.
    history = signed_in(bob).get("/payments/")
    assert history.status_code == 200
    html = history.content.decode()
    assert html.count('class="payment-row"') == len(bookings)
    assert html.count("Quick call with Alice Adler") == len(bookings) - 1
    assert html.count("Deep dive with Alice Adler") == 1
    staff_page = signed_in(staff_user).get("/staff/payments/").content.decode()
    for path, payment in payments.items():
        assert f"/staff/payments/{payment.public_id}/" in staff_page, path


def test_a_free_session_records_its_price_and_pays_nothing(bob, alice, quick_call):
    free = make_type(quick_call.coach, name="Free intro", price=Decimal("0.00"), currency="EUR")
    response = post_json(
        token_client(bob),
        "/api/v1/bookings",
        {"coach": "alice", "session_type": str(free.public_id), "start": slot(1, 9).isoformat()},
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(public_id=response.json()["id"])
    assert booking.price == 0 and booking.currency == "EUR"
    assert payments_of(booking) == []


def test_a_card_payment_books_its_held_time_with_that_payment_only(stripe_standin, bob, quick_call):
    hold = booking_services.hold_create(
        client=bob, coach=quick_call.coach, session_type=quick_call, start=slot(1, 11)
    )
    outcome = checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(hold_id=hold.public_id),
        pay_with=PayWith(),
        idempotency_key="card-1",
    )
    assert outcome.booking is None and outcome.payment is not None
    payment = payment_start_card(outcome.payment)
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    intent = get_provider("stripe").retrieve_intent(payment.provider_ref)
    paid = payment_apply_intent(payment=payment, intent=intent)
    assert paid.status == Payment.Status.SUCCEEDED
    booking = Booking.objects.get()
    assert the_payment(booking).pk == payment.pk
    assert Payment.objects.count() == 1
    assert_ledger_sound()


def test_book_now_with_cards_configured_invoices_what_credits_leave(
    stripe_standin, bob, alice, quick_call
):
    """Nobody is at a card form when a coach accepts: the session is invoiced, not free."""
    booking = book_through_book_now(bob, alice, quick_call)
    payment = the_payment(booking)
    assert payment.status == Payment.Status.AWAITING_INVOICE and payment.provider == "manual"
    assert not [o for o in stripe_standin.objects.values() if o["object"] == "payment_intent"]
    assert_ledger_sound()
