"""Gift card API: buy, issue, check, mine, detail, transfer, claim; Charlie sees nothing of
Bob's cards (404, nothing changed); bad input answers 4xx."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from tandem.booking.tests.conftest import token_client
from tandem.payments.checkout import services as checkout
from tandem.payments.giftcards import codes as gift_codes
from tandem.payments.giftcards import services as g
from tandem.payments.models import GiftCard, GiftCardEvent, LedgerTransaction, Payment

pytestmark = pytest.mark.django_db

BASE = "/api/v1/gift-cards"


def post(client, url: str, body: object, **headers: str):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def snapshot() -> tuple:
    return (
        list(GiftCard.objects.values_list("pk", "status", "holder_id", "recipient_email")),
        GiftCardEvent.objects.count(),
        LedgerTransaction.objects.count(),
        Payment.objects.count(),
    )


@pytest.fixture
def bobs_card(staff_user, bob) -> GiftCard:
    return g.giftcard_issue(
        staff=staff_user, amount=2500, currency="EUR", recipient_email="bob@example.com"
    )


def test_buy_shows_the_full_code_once_and_replays(bob, settings):
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    api = token_client(bob)
    body = {"amount": "50.00", "currency": "EUR", "recipient_email": "friend@example.com"}
    answer = post(api, BASE, body, **{"Idempotency-Key": "buy-1"})
    assert answer.status_code == 201, answer.content
    data = answer.json()
    card = GiftCard.objects.get()
    code = gift_codes.normalise_code(data["full_code"])  # the one place the code is given
    assert card.code_digest == gift_codes.code_digest(code) and card.code_hint == code[-4:]
    assert data["code"] == gift_codes.masked_code(card.code_hint) and code[:12] not in data["code"]
    assert data["status"] == "awaiting_payment" and data["balance"] == 0
    assert data["payment"]["status"] == "awaiting_invoice"
    assert data["initial_amount"] == 5000 and data["purchased_by_you"]
    again = post(api, BASE, body, **{"Idempotency-Key": "buy-1"})
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == data["id"]
    assert again.json()["full_code"] is None  # not stored: never shown again
    other = post(api, BASE, {**body, "amount": "60"}, **{"Idempotency-Key": "buy-1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    # Listing and detail never show the full code.
    listed = api.get(BASE).json()["items"]
    assert [c["id"] for c in listed] == [data["id"]]
    assert code[:12] not in api.get(BASE).content.decode()
    assert code[:12] not in api.get(f"{BASE}/{data['id']}").content.decode()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "4.99", "currency": "EUR"}, 400, "amount_out_of_range"),
        ({"amount": "1000.01", "currency": "EUR"}, 400, "amount_out_of_range"),
        ({"amount": "abc", "currency": "EUR"}, 400, "invalid"),
        ({"amount": "5.001", "currency": "EUR"}, 400, "invalid"),
        ({"amount": "50", "currency": "XYZ"}, 400, "invalid"),
        ({"amount": "50", "currency": "EUR", "recipient_email": "nope"}, 400, "invalid"),
        ({"amount": "50\x00", "currency": "EUR"}, 400, "invalid"),
        ({"amount": "50", "currency": "EUR", "message": "x" * 5000}, 400, "invalid"),
        ({"amount": 50, "currency": "EUR"}, 400, "invalid"),
        ({"amount": "50", "currency": "EUR", "surprise": 1}, 400, "invalid"),
        ({"amount": "50", "currency": "EUR", "provider": "paypal"}, 400, "invalid"),
        ([], 400, "invalid"),
        ("{not json", 400, "malformed_json"),
    ],
)
def test_buy_bad_input_is_a_4xx_and_changes_nothing(bob, body, status, code):
    before = snapshot()
    answer = post(token_client(bob), BASE, body)
    assert answer.status_code == status, answer.content
    assert answer.json()["error"]["code"] == code
    assert snapshot() == before


def test_issue_is_staff_only(staff_user, bob, charlie):
    body = {"amount": "25", "currency": "EUR", "recipient_email": "charlie@example.com"}
    before = snapshot()
    for user in (bob, charlie):
        answer = post(token_client(user), f"{BASE}/issue", body)
        assert answer.status_code == 404
    assert snapshot() == before
    answer = post(token_client(staff_user), f"{BASE}/issue", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["balance"] == 2500 and "full_code" not in answer.json()
    # Charlie now holds it and sees it.
    assert [c["id"] for c in token_client(charlie).get(BASE).json()["items"]] == [
        answer.json()["id"]
    ]


def test_check_balance_and_its_errors(bobs_card, charlie):
    api = token_client(charlie)
    answer = post(
        api, f"{BASE}/check", {"code": gift_codes.format_code(bobs_card.issued_code).lower()}
    )
    assert answer.status_code == 200
    assert answer.json() | {"expires_at": None} == {
        "balance": "25.00",
        "balance_minor": 2500,
        "currency": "EUR",
        "status": "active",
        "last4": bobs_card.code_hint,
        "expires_at": None,
    }
    typo = bobs_card.issued_code[:-1] + ("0" if bobs_card.issued_code[-1] != "0" else "1")
    answer = post(api, f"{BASE}/check", {"code": typo})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_gift_card_code"
    answer = post(api, f"{BASE}/check", {"code": gift_codes.generate_code()})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "gift_card_not_found"
    assert post(api, f"{BASE}/check", {"code": "x" * 100}).status_code == 400
    assert post(api, f"{BASE}/check", {"code": 5}).status_code == 400
    for _ in range(g.LOOKUPS_PER_MINUTE):
        post(api, f"{BASE}/check", {"code": bobs_card.issued_code})
    answer = post(api, f"{BASE}/check", {"code": bobs_card.issued_code})
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "rate_limited"


def test_charlie_cannot_see_or_touch_bobs_gift_cards(bobs_card, bob, charlie):
    api = token_client(charlie)
    before = snapshot()
    assert api.get(BASE).json() == {"items": []}
    url = f"{BASE}/{bobs_card.public_id}"
    assert api.get(url).status_code == 404
    answer = post(api, f"{url}/transfer", {"to_email": "charlie@example.com"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert api.get(f"{BASE}/not-a-uuid").status_code == 404
    assert api.get(f"{BASE}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert snapshot() == before
    # Bob sees it, with its history.
    mine = token_client(bob).get(url)
    assert mine.status_code == 200
    assert [e["kind"] for e in mine.json()["events"]] == ["issued"]
    assert mine.json()["ledger"][0]["balance"] == 2500 and mine.json()["can_transfer"]


def test_transfer_and_claim(bobs_card, bob, charlie, django_capture_on_commit_callbacks):
    url = f"{BASE}/{bobs_card.public_id}"
    bad = post(token_client(bob), f"{url}/transfer", {"to_email": "not-an-email"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(token_client(bob), f"{url}/transfer", {"to_email": "dana@example.com"})
    assert answer.status_code == 200, answer.content
    assert token_client(bob).get(url).status_code == 404  # no longer Bob's
    # Passed on with a new code (the old one, which Bob knows, stops working).
    old = post(token_client(charlie), f"{BASE}/claim", {"code": bobs_card.issued_code})
    assert old.status_code == 404
    new_code = re.search(r"Code: (\S+)", mail.outbox[-1].body).group(1)
    claimed = post(token_client(charlie), f"{BASE}/claim", {"code": new_code})
    assert claimed.status_code == 200 and claimed.json()["held_by_you"]
    taken = post(token_client(bob), f"{BASE}/claim", {"code": new_code})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "gift_card_held"


def test_unauthenticated_requests_are_refused(bobs_card):
    from django.test import Client

    anonymous = Client()
    assert anonymous.get(BASE).status_code == 401
    assert post(anonymous, f"{BASE}/check", {"code": bobs_card.issued_code}).status_code in (
        401,
        403,
    )


def test_purchase_becomes_active_after_the_invoice_is_paid(bob, staff_user, settings):
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    data = post(token_client(bob), BASE, {"amount": "20", "currency": "EUR"}).json()
    checkout.invoice_mark_paid(payment_id=data["payment"]["id"], user=staff_user)
    card = token_client(bob).get(f"{BASE}/{data['id']}").json()
    assert card["status"] == "active" and card["balance"] == 2000 and card["held_by_you"]
    assert [e["kind"] for e in card["events"]] == ["purchased"]
