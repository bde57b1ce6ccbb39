"""A client's payment history: the page and GET /api/v1/me/payments (cursor pages); only
their own payments."""

from datetime import UTC, datetime, timedelta

from tandem.booking.tests.conftest import token_client
from tandem.payments.documents.services import receipt_issue
from tandem.payments.models import Payment

from .conftest import money_paid, money_refund

AT = datetime(2026, 5, 10, 3, 30, tzinfo=UTC)  # 9 May 23:30 in New York (Bob's zone)


def test_the_page_lists_bobs_payments_in_his_zone(client, bob, money_coach):
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    money_refund(payment, amount=3000, fee_back=300, at=AT + timedelta(days=1))
    receipt = receipt_issue(payment, AT)
    client.force_login(bob)
    html = client.get("/payments/").content.decode()
    assert "9 May 2026, 23:30" in html and "America/New_York" in html
    assert "Session with Alice Adler" in html
    assert "80.00 EUR" in html and "Refunded 30.00 EUR" in html
    assert "Partly refunded" in html
    assert f"/payments/documents/{receipt.public_id}.pdf" in html and "ALICE-000001" in html


def test_an_empty_history_says_what_to_do(client, charlie):
    client.force_login(charlie)
    html = client.get("/payments/").content.decode()
    assert "No payments yet" in html and "Find a coach" in html


def test_api_pages_with_a_cursor(bob, money_coach):
    for i in range(5):
        money_paid(money_coach, bob, amount=1000 + i, fee=100, at=AT + timedelta(hours=i))
    api = token_client(bob)
    first = api.get("/api/v1/me/payments?limit=2").json()
    assert [p["amount_minor"] for p in first["items"]] == [1004, 1003]
    second = api.get(f"/api/v1/me/payments?limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/api/v1/me/payments?limit=2&cursor={second['next_cursor']}").json()
    assert [p["amount_minor"] for p in second["items"] + third["items"]] == [1002, 1001, 1000]
    assert third["next_cursor"] is None
    item = first["items"][0]
    assert item["description"] == "Session with Alice Adler"
    assert (item["amount"], item["currency"], item["status"]) == ("10.04 EUR", "EUR", "succeeded")
    for bad in ("nope", "x" * 600, "e30"):
        r = api.get(f"/api/v1/me/payments?cursor={bad}")
        assert r.status_code in (400, 422) and "error" in r.json()
    assert api.get("/api/v1/me/payments?limit=0").status_code in (400, 422)


def test_api_shows_refunds_and_the_document(bob, money_coach):
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    money_refund(payment, amount=3000, fee_back=300, at=AT)
    receipt = receipt_issue(payment, AT)
    [item] = token_client(bob).get("/api/v1/me/payments").json()["items"]
    assert item["refunded_minor"] == 3000
    assert [r["amount_minor"] for r in item["refunds"]] == [3000]
    assert item["document"]["number"] == "ALICE-000001"
    assert item["document"]["url"] == f"/api/v1/documents/{receipt.public_id}.pdf"


def test_charlie_sees_none_of_bobs_payments(client, bob, charlie, money_coach):
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=AT)
    receipt = receipt_issue(payment, AT)
    before = list(Payment.objects.values_list("pk", "status", "refunded"))
    client.force_login(charlie)
    html = client.get("/payments/").content.decode()
    assert "80.00 EUR" not in html and "ALICE-000001" not in html
    assert client.get(f"/payments/documents/{receipt.public_id}.pdf").status_code == 404
    api = token_client(charlie)
    assert api.get("/api/v1/me/payments").json() == {"items": [], "next_cursor": None}
    assert api.get(f"/api/v1/documents/{receipt.public_id}.pdf").status_code == 404
    assert list(Payment.objects.values_list("pk", "status", "refunded")) == before
