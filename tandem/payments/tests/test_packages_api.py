"""Packages API: public offers, the coach's CRUD, buying (idempotent), my packages; bad input
and other people's things answer 4xx and change nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tandem.booking.tests.conftest import make_coach, token_client
from tandem.payments.checkout import services as checkout
from tandem.payments.models import PackageCredit, PackageOffer, PackagePurchase, Payment

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def patch(client: Client, url: str, body):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.patch(url, data, content_type="application/json")


def state() -> tuple:
    return (
        list(PackageOffer.objects.order_by("pk").values()),
        list(PackagePurchase.objects.order_by("pk").values()),
        list(PackageCredit.objects.order_by("pk").values()),
        Payment.objects.count(),
    )


# --- Public list --------------------------------------------------------------------------------


def test_public_list_by_slug_and_public_id(pk_offer, alice):
    inactive = PackageOffer.objects.create(
        coach=pk_offer.coach,
        session_type=pk_offer.session_type,
        name="Old",
        sessions=3,
        price=100,
        currency="EUR",
        valid_days=10,
        is_active=False,
    )
    for ref in ("alice", str(pk_offer.coach.public_id)):
        response = Client().get(f"{BASE}/coaches/{ref}/packages")
        assert response.status_code == 200
        body = response.json()
        assert [o["id"] for o in body] == [str(pk_offer.public_id)]
        assert body[0]["price"] == "360.00"
        assert body[0]["saving"] == "40.00"
        assert body[0]["currency"] == "EUR"
    assert (
        str(inactive.public_id)
        not in Client().get(f"{BASE}/coaches/alice/packages").content.decode()
    )


def test_public_list_of_unknown_or_unlisted_coach_is_404(pk_offer):
    assert Client().get(f"{BASE}/coaches/nobody/packages").status_code == 404
    pk_offer.coach.is_active = False
    pk_offer.coach.save()
    response = Client().get(f"{BASE}/coaches/alice/packages")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- The coach's offers -------------------------------------------------------------------------


def test_coach_creates_changes_and_deactivates_an_offer(alice, pk_type):
    client = token_client(alice)
    body = {
        "session_type_id": str(pk_type.public_id),
        "name": "Ten sessions",
        "sessions": 10,
        "price": "700.00",
        "valid_days": 365,
    }
    response = post(client, f"{BASE}/me/coach/packages", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["price"], created["saving"], created["is_active"]) == ("700.00", "100.00", True)
    url = f"{BASE}/me/coach/packages/{created['id']}"
    response = patch(client, url, {"price": 650, "name": "Ten!"})
    assert response.status_code == 200
    assert (response.json()["price"], response.json()["name"]) == ("650.00", "Ten!")
    assert client.delete(url).status_code == 204
    assert PackageOffer.objects.get(public_id=created["id"]).is_active is False
    mine = client.get(f"{BASE}/me/coach/packages").json()
    assert [o["is_active"] for o in mine] == [False]


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        "null",
        {"name": "x", "sessions": 5, "price": "1", "valid_days": 5},  # no session type
        {"sessions": "5"},
        {"sessions": 1},
        {"sessions": 101},
        {"sessions": True},
        {"valid_days": 0},
        {"valid_days": 99999},
        {"price": "-1"},
        {"price": "1.234"},
        {"price": "lots"},
        {"name": "a\x00b"},
        {"name": "x" * 5000},
        {"name": ""},
        {"colour": "red"},
        {"session_type_id": "not-a-uuid"},
    ],
)
def test_bad_offer_input_is_4xx_and_creates_nothing(alice, pk_type, body):
    if isinstance(body, dict) and "colour" not in body and "session_type_id" not in body:
        if len(body) == 1:
            body = {
                "session_type_id": str(pk_type.public_id),
                "name": "Five",
                "sessions": 5,
                "price": "100",
                "valid_days": 30,
                **body,
            }
    elif isinstance(body, dict):
        body = {"name": "Five", "sessions": 5, "price": "100", "valid_days": 30, **body}
        body.setdefault("session_type_id", str(pk_type.public_id))
    before = state()
    response = post(as_user(alice), f"{BASE}/me/coach/packages", body)
    assert 400 <= response.status_code < 500, response.content
    assert "error" in response.json()
    assert state() == before


def test_charlie_gets_404_on_alices_offer_and_nothing_changes(charlie, pk_offer, pk_other_coach):
    client = as_user(charlie)
    url = f"{BASE}/me/coach/packages/{pk_offer.public_id}"
    before = state()
    assert patch(client, url, {"price": "1"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.delete(f"{BASE}/me/coach/packages/garbage").status_code == 404
    response = post(
        client,
        f"{BASE}/me/coach/packages",
        {
            "session_type_id": str(pk_offer.session_type.public_id),
            "name": "Mine now",
            "sessions": 5,
            "price": "1",
            "valid_days": 5,
        },
    )
    assert response.status_code == 404
    assert client.get(f"{BASE}/me/coach/packages").json() == []
    assert state() == before


def test_not_a_coach_gets_404_and_anonymous_401(bob, pk_offer):
    assert as_user(bob).get(f"{BASE}/me/coach/packages").status_code == 404
    assert Client().get(f"{BASE}/me/coach/packages").status_code == 401
    assert Client().get(f"{BASE}/me/packages").status_code == 401


# --- Buying -------------------------------------------------------------------------------------


def test_buy_is_idempotent_and_shows_in_my_packages(alice, bob, pk_offer):
    client = token_client(bob)
    url = f"{BASE}/packages/{pk_offer.public_id}/buy"
    first = post(client, url, {"use_credit": False}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "awaiting_payment"
    assert body["credits_available"] == 0
    assert body["payment"]["status"] == "awaiting_invoice"
    assert body["payment"]["invoice_number"] is not None
    again = post(client, url, {"use_credit": False}, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    assert PackagePurchase.objects.count() == 1
    reused = post(client, url, {"use_credit": True}, **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"

    payment = Payment.objects.get()
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=alice)
    mine = client.get(f"{BASE}/me/packages").json()
    assert [(p["id"], p["status"], p["credits_available"]) for p in mine] == [
        (body["id"], "active", 5)
    ]
    assert client.get(f"{BASE}/me/packages/{body['id']}").json()["payment"]["status"] == "succeeded"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("{oops", {}),
        ({"use_credit": "yes"}, {}),
        ({"gift_card_code": "x" * 500}, {}),
        ({"gift_card_code": "a\x00"}, {}),
        ({"extra": 1}, {}),
        ({}, {"Idempotency-Key": "x" * 300}),
    ],
)
def test_bad_buy_input_is_4xx_and_buys_nothing(bob, pk_offer, body, headers):
    before = state()
    response = post(as_user(bob), f"{BASE}/packages/{pk_offer.public_id}/buy", body, **headers)
    assert 400 <= response.status_code < 500, response.content
    assert state() == before


def test_buying_own_unknown_or_inactive_offers(alice, bob, pk_offer):
    before = state()
    own = post(as_user(alice), f"{BASE}/packages/{pk_offer.public_id}/buy", {})
    assert own.status_code == 400 and own.json()["error"]["code"] == "own_package"
    assert post(as_user(bob), f"{BASE}/packages/nonsense/buy", {}).status_code == 404
    pk_offer.is_active = False
    pk_offer.save()
    assert post(as_user(bob), f"{BASE}/packages/{pk_offer.public_id}/buy", {}).status_code == 404
    assert state()[1:] == before[1:]


def test_charlie_cannot_see_bobs_purchase(bob, charlie, pk_offer):
    bought = post(as_user(bob), f"{BASE}/packages/{pk_offer.public_id}/buy", {}).json()
    client = as_user(charlie)
    assert client.get(f"{BASE}/me/packages/{bought['id']}").status_code == 404
    assert client.get(f"{BASE}/me/packages").json() == []


def test_a_coach_may_buy_another_coachs_package(charlie, pk_offer, pk_other_coach):
    response = post(as_user(charlie), f"{BASE}/packages/{pk_offer.public_id}/buy", {})
    assert response.status_code == 201
    assert make_coach  # the helper is shared with the booking tests
