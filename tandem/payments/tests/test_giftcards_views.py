"""Gift card pages: my cards, buy (code shown once), claim, balance check, detail with history,
transfer, the staff page; Charlie gets 404 and changes nothing."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from tandem.payments.giftcards import codes as gift_codes
from tandem.payments.giftcards import services as g
from tandem.payments.models import GiftCard, GiftCardEvent, LedgerTransaction, Payment

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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


def test_my_gift_cards_page(bobs_card, bob):
    page = login(bob).get("/gift-cards/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "25.00 EUR" in html and gift_codes.masked_code(bobs_card.code_hint) in html
    assert bobs_card.issued_code[:12] not in html
    assert "Buy a gift card" in html and "Check a balance" in html and "Add a card" in html


def test_empty_state_and_sign_in_required(charlie):
    assert "No gift cards yet" in login(charlie).get("/gift-cards/").content.decode()
    assert Client().get("/gift-cards/").status_code == 302


def test_buy_shows_the_code_once(bob, settings):
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    client = login(bob)
    key = str(uuid.uuid4())
    form = {"amount": "30", "currency": "EUR", "recipient_email": "", "idempotency_key": key}
    answer = client.post("/gift-cards/buy/", form)
    # The answer is the card's page with the code: the code exists only in this request.
    assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-store"
    card = GiftCard.objects.get()
    assert card.initial_amount == 3000 and card.purchaser == bob
    first = answer.content.decode()
    shown = re.search(r"\b(\w{4}-\w{4}-\w{4}-\w{4}-\w)\b", first).group(1)
    assert card.code_digest == gift_codes.code_digest(gift_codes.normalise_code(shown))
    assert "Awaiting payment" in first
    second = client.get(f"/gift-cards/{card.public_id}/").content.decode()
    assert shown not in second and card.code_hint in second
    # Sending the form again buys nothing more, and does not show the code again.
    again = client.post("/gift-cards/buy/", form)
    assert again.status_code == 200 and shown not in again.content.decode()
    assert GiftCard.objects.count() == 1


def test_buy_errors_keep_the_input(bob):
    before = snapshot()
    form = {"amount": "2", "currency": "EUR", "idempotency_key": "k", "message": "Hi there"}
    answer = login(bob).post("/gift-cards/buy/", form)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Choose an amount from 5.00 EUR to 1,000.00 EUR." in html and "Hi there" in html
    assert snapshot() == before


def test_balance_check_and_claim(bobs_card, charlie):
    client = login(charlie)
    answer = client.post(
        "/gift-cards/check/", {"check-code": gift_codes.format_code(bobs_card.issued_code)}
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "25.00 EUR" in html and bobs_card.issued_code[:12] not in html
    typo = bobs_card.issued_code[:-1] + ("0" if bobs_card.issued_code[-1] != "0" else "1")
    assert client.post("/gift-cards/check/", {"check-code": typo}).status_code == 400
    unknown = client.post("/gift-cards/check/", {"check-code": gift_codes.generate_code()})
    assert unknown.status_code == 404
    held = client.post("/gift-cards/claim/", {"claim-code": bobs_card.issued_code})
    assert held.status_code == 409 and "Someone else holds this card" in held.content.decode()


def test_detail_history_and_transfer(bobs_card, bob, charlie):
    client = login(bob)
    url = f"/gift-cards/{bobs_card.public_id}/"
    html = client.get(url).content.decode()
    assert "Issued" in html and "Pass it on" in html and "25.00 EUR" in html
    bad = client.post(f"{url}transfer/", {"to_email": "nope"})
    assert bad.status_code == 400
    done = client.post(f"{url}transfer/", {"to_email": "charlie@example.com"})
    assert done.status_code == 302
    bobs_card.refresh_from_db()
    assert bobs_card.holder == charlie
    assert client.get(url).status_code == 404
    assert "Transferred" in login(charlie).get(url).content.decode()


def test_charlie_gets_404_on_bobs_card_and_nothing_changes(bobs_card, charlie):
    client = login(charlie)
    before = snapshot()
    url = f"/gift-cards/{bobs_card.public_id}/"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}transfer/", {"to_email": "charlie@example.com"}).status_code == 404
    assert client.get(f"/gift-cards/{uuid.uuid4()}/").status_code == 404
    assert client.get("/gift-cards/not-a-uuid/").status_code == 404
    assert snapshot() == before


def test_staff_page(staff_user, bob, charlie):
    before = snapshot()
    for user in (bob, charlie):
        assert login(user).get("/staff/gift-cards/").status_code == 404
        form = {"amount": "10", "currency": "EUR", "recipient_email": "x@example.com"}
        assert login(user).post("/staff/gift-cards/", form).status_code == 404
    assert snapshot() == before
    client = login(staff_user)
    assert client.get("/staff/gift-cards/").status_code == 200
    form = {
        "amount": "10",
        "currency": "EUR",
        "recipient_email": "bob@example.com",
        "message": "Welcome",
        "expires_on": "2099-01-31",
    }
    assert client.post("/staff/gift-cards/", form).status_code == 302
    card = GiftCard.objects.get()
    assert card.issued_by == staff_user and card.holder == bob and card.expires_at.year == 2099
    html = client.get("/staff/gift-cards/").content.decode()
    assert "10.00 EUR" in html and f"…{card.code_hint}" in html
    assert not re.search(r"\w{4}-\w{4}-\w{4}-\w{4}-\w", html)  # no full code anywhere
    bad = client.post("/staff/gift-cards/", {**form, "expires_on": "2001-01-01"})
    assert bad.status_code == 400 and GiftCard.objects.count() == 1
