"""Package pages: the coach's offers, the public coach page, buying, my packages."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.payments.checkout import services as checkout
from tandem.payments.models import PackageOffer, PackagePurchase, Payment

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_coach_lists_creates_edits_and_stops_selling(alice, pk_type):
    client = as_user(alice)
    page = client.get("/coach/packages/")
    assert page.status_code == 200 and "No packages yet" in page.content.decode()
    assert client.get("/coach/packages/new/").status_code == 200
    bad = client.post(
        "/coach/packages/new/",
        {"session_type_id": str(pk_type.public_id), "name": "", "sessions": 1, "price": "x"},
    )
    assert bad.status_code == 400 and PackageOffer.objects.count() == 0
    response = client.post(
        "/coach/packages/new/",
        {
            "session_type_id": str(pk_type.public_id),
            "name": "Five sessions",
            "sessions": 5,
            "price": "360",
            "valid_days": 180,
        },
    )
    assert response.status_code == 302
    offer = PackageOffer.objects.get()
    listing = client.get("/coach/packages/").content.decode()
    assert "Five sessions" in listing and "360.00 EUR" in listing and "40.00 EUR" in listing
    response = client.post(
        f"/coach/packages/{offer.public_id}/",
        {
            "session_type_id": str(pk_type.public_id),
            "name": "Five",
            "sessions": 5,
            "price": "350",
            "valid_days": 90,
        },
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.name, offer.price, offer.valid_days) == ("Five", 35000, 90)
    client.post(f"/coach/packages/{offer.public_id}/active/", {"is_active": "false"})
    offer.refresh_from_db()
    assert not offer.is_active
    client.post(f"/coach/packages/{offer.public_id}/active/", {"is_active": "true"})
    offer.refresh_from_db()
    assert offer.is_active


def test_charlie_gets_404_on_alices_offer_pages_and_nothing_changes(
    charlie, pk_offer, pk_other_coach
):
    client = as_user(charlie)
    before = list(PackageOffer.objects.values())
    assert client.get(f"/coach/packages/{pk_offer.public_id}/").status_code == 404
    assert client.post(f"/coach/packages/{pk_offer.public_id}/", {"name": "x"}).status_code == 404
    response = client.post(f"/coach/packages/{pk_offer.public_id}/active/", {"is_active": "false"})
    assert response.status_code == 404
    assert list(PackageOffer.objects.values()) == before
    assert as_user(charlie).get("/coach/packages/").content.decode().count("Five sessions") == 0


def test_public_coach_page_shows_offers_with_a_buy_link(bob, pk_offer):
    html = as_user(bob).get("/c/alice/").content.decode()
    assert "Packages" in html and "Five sessions" in html
    assert f"/packages/{pk_offer.public_id}/buy/" in html
    assert "You save 40.00 EUR" in html
    anonymous = Client().get("/c/alice/").content.decode()
    assert "Five sessions" in anonymous


def test_buy_page_makes_an_invoice_and_the_purchase_page_shows_it(alice, bob, pk_offer):
    client = as_user(bob)
    url = f"/packages/{pk_offer.public_id}/buy/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="gift_card_code"' in page.content.decode()
    form = {"use_credit": "on", "gift_card_code": "", "idempotency_key": "page-key-1"}
    response = client.post(url, form)
    assert response.status_code == 302
    again = client.post(url, form)  # a double click buys once
    assert again["Location"] == response["Location"]
    assert PackagePurchase.objects.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "Invoice open" in detail and "360.00 EUR" in detail

    payment = Payment.objects.get()
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=alice)
    mine = client.get("/packages/").content.decode()
    assert "5 of 5" in mine and "Five sessions" in mine


def test_buy_page_errors_and_404s(alice, bob, charlie, pk_offer):
    url = f"/packages/{pk_offer.public_id}/buy/"
    own = as_user(alice).post(url, {"idempotency_key": "k"})
    assert own.status_code == 400 and "own package" in own.content.decode()
    missing = as_user(bob).post(url, {})
    assert missing.status_code == 400
    assert (
        as_user(bob).get("/packages/00000000-0000-0000-0000-000000000000/buy/").status_code == 404
    )
    assert Client().get(url).status_code == 302  # sign in first
    as_user(bob).post(url, {"idempotency_key": "k1"})
    purchase = PackagePurchase.objects.get()
    assert as_user(charlie).get(f"/packages/purchase/{purchase.public_id}/").status_code == 404
    assert "No packages yet" in as_user(charlie).get("/packages/").content.decode()
