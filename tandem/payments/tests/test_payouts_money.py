"""Payouts: posted to the ledger once per coach, currency and period; the CSV; staff marking
them paid; Stripe Connect transfers through the stand-in; the staff page and API."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command

from tandem.booking.tests.conftest import make_coach, token_client
from tandem.payments.ledger import accounts
from tandem.payments.models import CoachPaymentSettings, LedgerTransaction, Payout
from tandem.payments.payouts.services import (
    payout_create_for,
    payout_mark_paid,
    payout_transfer,
    payouts_create,
    payouts_csv,
)

from .conftest import money_paid, money_refund

APRIL = datetime(2026, 4, 10, 12, tzinfo=UTC)
MAY = datetime(2026, 5, 10, 12, tzinfo=UTC)
NOW = datetime(2026, 6, 2, 12, tzinfo=UTC)
END_APRIL = date(2026, 4, 30)


@pytest.fixture
def earned(money_coach, bob):
    money_paid(money_coach, bob, amount=8000, fee=800, at=APRIL)
    money_paid(money_coach, bob, amount=5000, fee=500, at=MAY)
    return money_coach


def test_a_payout_takes_what_was_earned_by_the_periods_end(earned):
    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    assert (payout.amount, payout.currency, payout.status) == (7200, "EUR", "pending")
    assert payout.method == Payout.Method.MANUAL
    assert payout.period_end == datetime(2026, 5, 1, tzinfo=UTC)
    txn = LedgerTransaction.objects.get(correlation_key=f"payout:{payout.pk}")
    assert sorted((e.account.kind, e.amount) for e in txn.entries.all()) == [
        ("coach_payable", 7200),
        ("provider_clearing", -7200),
    ]
    assert accounts.coach_payable_balance(earned, "EUR") == 4500


def test_creating_twice_for_the_same_period_pays_once(earned):
    first = payouts_create(period_end=END_APRIL, now=NOW)
    again = payouts_create(period_end=END_APRIL, now=NOW)
    assert [p.pk for p in again] == [p.pk for p in first]
    assert Payout.objects.count() == 1
    assert LedgerTransaction.objects.filter(reason="payout").count() == 1
    call_command("create_payouts", "--period-end", "2026-04-30", stdout=io.StringIO())
    assert Payout.objects.count() == 1
    # The next period pays the rest, and starts where the last one ended.
    [may] = payouts_create(period_end=date(2026, 5, 31), now=NOW)
    assert may.amount == 4500
    assert may.period_start == datetime(2026, 5, 1, tzinfo=UTC)
    assert accounts.coach_payable_balance(earned, "EUR") == 0


def test_a_payout_never_takes_more_than_is_owed_now(money_coach, bob):
    april = money_paid(money_coach, bob, amount=8000, fee=800, at=APRIL)
    money_paid(money_coach, bob, amount=1000, fee=100, at=APRIL)
    money_paid(money_coach, bob, amount=5000, fee=500, at=MAY)
    # April's big payment is refunded in May: 8100 was owed at the end of April, 5400 now.
    money_refund(april, amount=8000, fee_back=800, at=MAY)
    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    assert payout.amount == 5400
    assert accounts.coach_payable_balance(money_coach, "EUR") == 0


def test_later_earnings_wait_for_their_period(earned):
    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    assert payout.amount == 7200  # May's 4500 is not in April's payout
    assert accounts.coach_payable_balance(earned, "EUR") == 4500


def test_nothing_owed_makes_no_payout(money_coach):
    assert payouts_create(period_end=END_APRIL, now=NOW) == []
    assert payout_create_for(money_coach, period_end=END_APRIL, now=NOW) == []


def test_a_period_that_has_not_ended_is_refused(earned):
    from tandem.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        payouts_create(period_end=date(2026, 6, 2), now=NOW)
    assert not Payout.objects.exists()


def test_the_csv_for_the_bank(earned, charlie, bob):
    other = make_coach(charlie, slug="charlie")
    charlie.display_name = "=HYPERLINK(evil)"
    charlie.save()
    money_paid(other, bob, amount=1234, fee=0, at=APRIL, currency="USD")
    payouts_create(period_end=END_APRIL, now=NOW)
    rows = list(csv.reader(io.StringIO(payouts_csv(END_APRIL))))
    assert rows[0][:5] == ["coach_name", "email", "amount", "currency", "payout_id"]
    by_email = {r[1]: r for r in rows[1:]}
    alice_payout = Payout.objects.get(coach=earned)
    assert by_email["alice@example.com"][:5] == [
        "Alice Adler",
        "alice@example.com",
        "72.00",
        "EUR",
        str(alice_payout.public_id),
    ]
    assert by_email["charlie@example.com"][0] == "'=HYPERLINK(evil)"
    assert by_email["charlie@example.com"][2:4] == ["12.34", "USD"]


def test_staff_mark_a_manual_payout_paid(earned, staff_user, alice):
    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    from tandem.core.errors import NotFound

    with pytest.raises(NotFound):
        payout_mark_paid(payout_id=payout.public_id, actor=alice)
    paid = payout_mark_paid(payout_id=payout.public_id, actor=staff_user, now=NOW)
    assert paid.status == "paid" and paid.paid_at == NOW
    assert payout_mark_paid(payout_id=payout.public_id, actor=staff_user).paid_at == NOW


# --- Stripe Connect ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_stripe_connect_transfer_runs_once(stripe_standin, settings, alice, bob):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    coach = make_coach(alice, slug="alice")
    CoachPaymentSettings.objects.create(coach=coach, stripe_account_id="acct_alice123")
    money_paid(coach, bob, amount=8000, fee=800, at=APRIL)

    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    payout.refresh_from_db()
    assert payout.method == Payout.Method.STRIPE_CONNECT
    assert payout.status == Payout.Status.PAID
    assert payout.provider_ref.startswith("tr_")
    transfer = stripe_standin.get(payout.provider_ref)
    assert (transfer["amount"], transfer["currency"], transfer["destination"]) == (
        7200,
        "eur",
        "acct_alice123",
    )
    # The job running again (a retry after a crash) sends nothing new.
    payout_transfer(payout.pk)
    posts = [r for r in stripe_standin.requests if r["path"] == "/v1/transfers"]
    assert len(posts) == 1
    assert posts[0]["idempotency_key"] == f"payout-{payout.public_id}"
    # Even if the payout had not been marked paid, the idempotency key replays the transfer.
    Payout.objects.filter(pk=payout.pk).update(status="pending", provider_ref="")
    again = payout_transfer(payout.pk)
    assert again.provider_ref == payout.provider_ref
    assert stripe_standin.created["transfer"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_transfer_fails_and_gives_the_balance_back(stripe_standin, settings, alice, bob):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    coach = make_coach(alice, slug="alice")
    CoachPaymentSettings.objects.create(coach=coach, stripe_account_id="acct_bad-account")
    money_paid(coach, bob, amount=8000, fee=800, at=APRIL)

    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert LedgerTransaction.objects.filter(correlation_key=f"payout:{payout.pk}:failed").exists()
    assert accounts.coach_payable_balance(coach, "EUR") == 7200
    payout_transfer(payout.pk)  # a rerun changes nothing
    assert LedgerTransaction.objects.filter(reason="payout_failed").count() == 1


# --- Staff page and API -----------------------------------------------------------------------


def test_staff_page_creates_lists_exports_and_marks_paid(client, staff_user, earned):
    client.force_login(staff_user)
    assert client.get("/staff/payouts/").status_code == 200
    response = client.post("/staff/payouts/", {"period_end": "2026-04-30"})
    assert response.status_code == 302
    payout = Payout.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "72.00 EUR" in page and "Alice Adler" in page
    exported = client.get("/staff/payouts/export.csv?period_end=2026-04-30")
    assert exported["Content-Type"].startswith("text/csv")
    assert str(payout.public_id) in exported.content.decode()
    assert client.get("/staff/payouts/export.csv?period_end=nope").status_code == 400
    assert client.post("/staff/payouts/", {"period_end": "x"}).status_code == 400
    client.post(f"/staff/payouts/{payout.public_id}/paid/")
    payout.refresh_from_db()
    assert payout.status == "paid"


def test_staff_api(staff_user, alice, earned):
    api = token_client(staff_user)
    made = api.post(
        "/api/v1/staff/payouts", {"period_end": "2026-04-30"}, content_type="application/json"
    )
    assert made.status_code == 200, made.content
    [item] = made.json()["items"]
    assert (item["amount_minor"], item["amount"], item["status"]) == (7200, "72.00", "pending")
    assert (
        api.get("/api/v1/staff/payouts?period_end=2026-04-30").json()["items"][0]["id"]
        == item["id"]
    )
    csv_body = api.get("/api/v1/staff/payouts.csv?period_end=2026-04-30").content.decode()
    assert item["id"] in csv_body
    paid = api.post(f"/api/v1/staff/payouts/{item['id']}/paid")
    assert paid.json()["status"] == "paid"
    mine = token_client(alice).get("/api/v1/me/coach/payouts").json()["items"]
    assert [p["id"] for p in mine] == [item["id"]]
    for bad in ({"period_end": "2026-13-01"}, {"period_end": "x\u0000"}, [], {"nope": 1}):
        r = api.post("/api/v1/staff/payouts", bad, content_type="application/json")
        assert 400 <= r.status_code < 500 and "error" in r.json()
    assert api.post("/api/v1/staff/payouts/not-a-uuid/paid").status_code == 404


def test_charlie_cannot_see_or_touch_payouts(client, charlie, earned):
    [payout] = payouts_create(period_end=END_APRIL, now=NOW)
    client.force_login(charlie)
    assert client.get("/staff/payouts/").status_code == 404
    assert client.post("/staff/payouts/", {"period_end": "2026-05-31"}).status_code == 404
    assert client.post(f"/staff/payouts/{payout.public_id}/paid/").status_code == 404
    assert client.get("/staff/payouts/export.csv?period_end=2026-04-30").status_code == 404
    api = token_client(charlie)
    assert api.post(f"/api/v1/staff/payouts/{payout.public_id}/paid").status_code == 404
    assert api.get("/api/v1/staff/payouts.csv?period_end=2026-04-30").status_code == 404
    payout.refresh_from_db()
    assert payout.status == "pending" and Payout.objects.count() == 1
