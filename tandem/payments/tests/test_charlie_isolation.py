"""Charlie, a stranger, cannot see or touch Alice's earnings or Bob's payments, documents,
gift cards or packages: every page and API endpoint answers 404 as if they did not exist, and
nothing changes. Bob (and Alice) get the same URLs with 200, so each 404 is the guard, not a
wrong address.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type, token_client
from tandem.payments.checkout import services as checkout
from tandem.payments.giftcards import services as giftcards
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import (
    GiftCard,
    GiftCardEvent,
    Invoice,
    LedgerEntry,
    LedgerTransaction,
    PackageCredit,
    PackagePurchase,
    Payment,
    PaymentSource,
    Refund,
)
from tandem.payments.packages import offers as package_offers
from tandem.payments.packages import services as packages

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db


@dataclass
class Bobs:
    booking_payment: Payment
    invoice: Invoice  # the booking's (paid) invoice
    receipt: Invoice  # the package's (paid) invoice
    card: GiftCard
    purchase: PackagePurchase


@pytest.fixture
def bobs(alice, bob, staff_user) -> Bobs:
    """Alice coaches in EUR; Bob booked and paid (invoice), bought a gift card with account
    credit and a package (invoice, marked paid): Alice has earnings."""
    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    with transaction.atomic():
        ledger.post(
            reason="promotion",
            correlation_key="charlie-test-credit",
            legs=[
                (accounts.promotions("EUR"), 5000),
                (accounts.client_credit(bob, "EUR"), -5000),
            ],
        )
    booked = checkout.checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=session_type, start=at(3, 10)
        ),
        pay_with=checkout.PayWith(use_credit=False),
        idempotency_key=None,
    )
    checkout.invoice_mark_paid(payment_id=booked.payment.public_id, user=alice)
    card = giftcards.giftcard_buy(
        client=bob, amount=5000, currency="EUR", recipient_email="", pay_with=None
    ).card
    offer = package_offers.package_offer_create(
        coach_user=alice,
        session_type_id=session_type.public_id,
        name="Five sessions",
        sessions=5,
        price="360.00",
        valid_days=180,
    )
    bought = packages.package_buy(
        client=bob, offer_id=offer.public_id, pay_with=checkout.PayWith(use_credit=False)
    )
    checkout.invoice_mark_paid(payment_id=bought.payment.public_id, user=alice)
    card.refresh_from_db()
    assert card.status == GiftCard.Status.ACTIVE
    bought.purchase.refresh_from_db()
    assert bought.purchase.status == PackagePurchase.Status.ACTIVE
    return Bobs(
        booking_payment=booked.payment,
        invoice=Invoice.objects.get(payment=booked.payment),
        receipt=Invoice.objects.get(payment=bought.payment),
        card=card,
        purchase=bought.purchase,
    )


def snapshot() -> dict:
    return {
        "payments": sorted(
            Payment.objects.values_list("pk", "status", "amount", "refunded", "provider_ref")
        ),
        "sources": sorted(PaymentSource.objects.values_list("pk", "amount", "refunded")),
        "refunds": Refund.objects.count(),
        "ledger": (LedgerTransaction.objects.count(), LedgerEntry.objects.count()),
        "cards": sorted(
            GiftCard.objects.values_list("pk", "status", "holder_id", "recipient_email")
        ),
        "card_events": GiftCardEvent.objects.count(),
        "purchases": sorted(PackagePurchase.objects.values_list("pk", "status")),
        "credits": sorted(PackageCredit.objects.values_list("pk", "status")),
        "invoices": sorted(Invoice.objects.values_list("pk", "status")),
    }


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages_of(b: Bobs) -> list[str]:
    return [
        f"/payments/documents/{b.invoice.public_id}.pdf",
        f"/payments/documents/{b.receipt.public_id}.pdf",
        f"/gift-cards/{b.card.public_id}/",
        f"/packages/purchase/{b.purchase.public_id}/",
    ]


def api_of(b: Bobs) -> list[str]:
    return [
        f"/api/v1/payments/{b.booking_payment.public_id}",
        f"/api/v1/documents/{b.invoice.public_id}.pdf",
        f"/api/v1/documents/{b.receipt.public_id}.pdf",
        f"/api/v1/gift-cards/{b.card.public_id}",
        f"/api/v1/me/packages/{b.purchase.public_id}",
    ]


def test_bob_sees_his_own_things(bobs, bob) -> None:
    """The control: the same addresses answer Bob, so Charlie's 404s are the guard."""
    web, api = page(bob), token_client(bob)
    for url in pages_of(bobs):
        assert web.get(url).status_code == 200, url
    for url in api_of(bobs):
        assert api.get(url).status_code == 200, url


def test_alice_sees_her_earnings(bobs, alice) -> None:
    assert page(alice).get("/coach/earnings/").status_code == 200
    response = token_client(alice).get("/api/v1/me/coach/earnings")
    assert response.status_code == 200
    assert "7200" in response.content.decode() or "72.00" in response.content.decode()


def test_charlie_gets_404_for_alices_earnings(bobs, charlie) -> None:
    before = snapshot()
    # Charlie is not a coach: there are no earnings of his to show, and never Alice's.
    assert page(charlie).get("/coach/earnings/").status_code == 404
    assert page(charlie).get("/coach/earnings/payouts.csv").status_code == 404
    api = token_client(charlie)
    for url in ("/api/v1/me/coach/earnings", "/api/v1/me/coach/payouts"):
        response = api.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert "7200" not in response.content.decode()
    assert snapshot() == before


def test_charlie_gets_404_for_bobs_pages(bobs, charlie) -> None:
    before = snapshot()
    web = page(charlie)
    for url in pages_of(bobs):
        response = web.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert response.get("Content-Type", "").startswith("text/html"), url  # never the PDF
    # His own lists do not show Bob's things either.
    for url, secret in (
        ("/payments/", str(bobs.booking_payment.public_id)),
        ("/gift-cards/", str(bobs.card.public_id)),
        ("/packages/", str(bobs.purchase.public_id)),
    ):
        response = web.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode(), url
    assert snapshot() == before


def test_charlie_gets_404_for_bobs_things_in_the_api(bobs, charlie) -> None:
    before = snapshot()
    api = token_client(charlie)
    for url in api_of(bobs):
        response = api.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert response["Content-Type"].startswith("application/json"), url
        assert response.json()["error"]["code"], url
    for url, secret in (
        ("/api/v1/me/payments", str(bobs.booking_payment.public_id)),
        ("/api/v1/gift-cards", str(bobs.card.public_id)),
        ("/api/v1/me/packages", str(bobs.purchase.public_id)),
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode(), url
    assert snapshot() == before


def test_charlie_cannot_act_on_bobs_things(bobs, charlie) -> None:
    """Writes through the API answer 404 too, and change nothing."""
    before = snapshot()
    api = token_client(charlie)
    payment = bobs.booking_payment.public_id
    attempts = [
        (f"/api/v1/payments/{payment}/mark-paid", {}),
        (f"/api/v1/payments/{payment}/sync", {}),
        (f"/api/v1/payments/{payment}/refunds", {"amount": "1.00", "message": "mine now"}),
        (f"/api/v1/gift-cards/{bobs.card.public_id}/transfer", {"to_email": "c@example.com"}),
    ]
    for url, body in attempts:
        response = api.post(url, body, content_type="application/json")
        assert response.status_code == 404, (url, response.status_code, response.content[:200])
    # The page form for passing a card on, too.
    web = page(charlie)
    response = web.post(
        f"/gift-cards/{bobs.card.public_id}/transfer/", {"to_email": "c@example.com"}
    )
    assert response.status_code == 404
    assert snapshot() == before
    assert_ledger_sound()


def test_unknown_and_malformed_ids_are_404_too(bobs, charlie) -> None:
    """Bob's ids look exactly like ids that do not exist (no 403, no 400 leak)."""
    import uuid

    api = token_client(charlie)
    unknown = uuid.uuid4()
    for url in (
        f"/api/v1/payments/{unknown}",
        f"/api/v1/documents/{unknown}.pdf",
        f"/api/v1/gift-cards/{unknown}",
        f"/api/v1/me/packages/{unknown}",
    ):
        assert api.get(url).status_code == 404, url
    web = page(charlie)
    for url in (
        f"/payments/documents/{unknown}.pdf",
        f"/gift-cards/{unknown}/",
        f"/packages/purchase/{unknown}/",
    ):
        assert web.get(url).status_code == 404, url
