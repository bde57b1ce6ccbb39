"""Coach earnings: per period in the coach's zone, agreeing with the ledger; the page and
the API; Charlie sees nothing of Alice's."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tandem.booking.tests.conftest import make_coach, token_client
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import LedgerEntry, Payout
from tandem.payments.payouts import selectors
from tandem.payments.payouts.services import payout_create_for

from .conftest import money_paid, money_refund

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def berlin(y, m, d, h=12, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=BERLIN)


def report(coach, period="month", count=12):
    start, end = selectors.last_periods(period, count, now=NOW, tz="Europe/Berlin")
    return selectors.earnings(coach, period=period, start=start, end=end, tz="Europe/Berlin")


def by_label(rep):
    return {row.label: row for row in rep.rows}


def test_months_in_the_coachs_zone_gross_fees_net_and_refunds(money_coach, bob):
    # 00:30 on 1 May in Berlin is still April in UTC: it counts for May.
    money_paid(money_coach, bob, amount=8000, fee=800, at=berlin(2026, 5, 1, 0, 30))
    p = money_paid(money_coach, bob, amount=10000, fee=1000, at=berlin(2026, 4, 10))
    money_refund(p, amount=5000, fee_back=500, at=berlin(2026, 5, 2))
    money_paid(money_coach, bob, amount=5000, fee=500, at=berlin(2026, 3, 31, 23, 59))

    rep = report(money_coach)
    rows = by_label(rep)
    # Months before the first earning (March) are not listed.
    assert [row.label for row in rep.rows] == ["Mar 2026", "Apr 2026", "May 2026"]
    may, april, march = (
        rows["May 2026"].get("EUR"),
        rows["Apr 2026"].get("EUR"),
        rows["Mar 2026"].get("EUR"),
    )
    # The refund of 50.00 (45.00 from Alice, 5.00 of fee returned) shows as a refund.
    assert (may.gross, may.fees, may.refunds, may.net) == (8000, 800 - 500, 5000, 7200 - 4500)
    assert (april.gross, april.fees, april.refunds, april.net) == (10000, 1000, 0, 9000)
    assert (march.gross, march.fees, march.refunds, march.net) == (5000, 500, 0, 4500)
    total = rep.totals["EUR"]
    assert (total.gross, total.fees, total.refunds, total.net) == (23000, 1800, 5000, 16200)
    assert total.pending == 16200


def test_pending_is_the_ledger_balance_and_payouts_move_it(money_coach, bob):
    money_paid(money_coach, bob, amount=8000, fee=800, at=berlin(2026, 4, 3))
    money_paid(money_coach, bob, amount=6000, fee=600, at=berlin(2026, 5, 3))
    payout_create_for(money_coach, period_end=datetime(2026, 5, 1, tzinfo=UTC), now=NOW)
    money_paid(money_coach, bob, amount=1000, fee=100, at=berlin(2026, 5, 10))

    total = report(money_coach).totals["EUR"]
    assert total.pending == accounts.coach_payable_balance(money_coach, "EUR") == 5400 + 900
    assert total.in_progress == 7200
    assert total.paid_out == 0
    # Everything earned is either pending or in a payout.
    assert total.net == total.pending + total.in_progress
    payout = Payout.objects.get()
    payout.status = Payout.Status.PAID
    payout.save()
    total = report(money_coach).totals["EUR"]
    assert (total.in_progress, total.paid_out) == (0, 7200)


def test_currencies_are_kept_apart(money_coach, bob):
    money_paid(money_coach, bob, amount=8000, fee=800, at=berlin(2026, 5, 3))
    money_paid(money_coach, bob, amount=9000, fee=900, at=berlin(2026, 5, 4), currency="USD")
    rep = report(money_coach)
    assert rep.currencies == ["EUR", "USD"]
    assert rep.totals["USD"].net == 8100
    assert rep.totals["USD"].pending == accounts.coach_payable_balance(money_coach, "USD")


def test_weeks_start_on_monday_in_the_coachs_zone(money_coach, bob):
    # Monday 18 May 2026, 00:10 in Berlin (Sunday in UTC).
    money_paid(money_coach, bob, amount=2000, fee=200, at=berlin(2026, 5, 18, 0, 10))
    money_paid(money_coach, bob, amount=3000, fee=300, at=berlin(2026, 5, 17, 23, 50))
    rows = by_label(report(money_coach, "week"))
    assert rows["Week of 18 May 2026"].get("EUR").gross == 2000
    assert rows["Week of 11 May 2026"].get("EUR").gross == 3000


def test_other_coaches_money_is_not_counted(money_coach, bob, charlie):
    other = make_coach(charlie, slug="charlie")
    money_paid(other, bob, amount=9900, fee=990, at=berlin(2026, 5, 3))
    money_paid(money_coach, bob, amount=1000, fee=100, at=berlin(2026, 5, 3))
    total = report(money_coach).totals["EUR"]
    assert (total.gross, total.fees, total.pending) == (1000, 100, 900)


@pytest.mark.parametrize("n", [1, 30])
def test_a_constant_number_of_queries(money_coach, bob, n, django_assert_max_num_queries):
    for i in range(n):
        p = money_paid(money_coach, bob, amount=1000 + i, fee=100, at=berlin(2026, 1 + i % 5, 3))
        if i % 3 == 0:
            money_refund(p, amount=500, fee_back=50, at=berlin(2026, 5, 4))
    with django_assert_max_num_queries(4):
        rep = report(money_coach)
    raw = sum(
        e.amount
        for e in LedgerEntry.objects.filter(account=accounts.coach_payable(money_coach, "EUR"))
    )
    assert (
        rep.totals["EUR"].pending
        == -raw
        == ledger.balance(accounts.coach_payable(money_coach, "EUR"))
    )


# --- Page and API -----------------------------------------------------------------------------


def test_the_page_shows_totals_chart_data_and_table(client, alice, money_coach, bob):
    money_paid(money_coach, bob, amount=8000, fee=800, at=datetime.now(UTC))
    client.force_login(alice)
    response = client.get("/coach/earnings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="earnings-data"' in html and 'id="earnings-chart"' in html
    assert "72.00 EUR" in html and "8.00 EUR" in html
    assert "<script>" not in html.replace('<script id="earnings-data" type="application/json">', "")
    weekly = client.get("/coach/earnings/?period=week")
    assert weekly.status_code == 200 and "Week of" in weekly.content.decode()
    # An unknown period falls back to monthly, never a 500.
    assert client.get("/coach/earnings/?period=%00year").status_code == 200


def test_api_earnings(alice, money_coach, bob, monkeypatch):
    from django.utils import timezone

    # The clock is injected: the earning is posted late on a Sunday in Berlin (just before
    # its week ends) and the API asked early on the Monday after, in UTC still Sunday. With
    # the wall clock, an earning made just before a week boundary and read just after it
    # gave two rows; here the answer is fixed: this week's row and last week's.
    monday = datetime(2026, 5, 17, 22, 30, tzinfo=UTC)  # Mon 18 May 00:30 in Berlin
    monkeypatch.setattr(timezone, "now", lambda: monday)
    money_paid(money_coach, bob, amount=8000, fee=800, at=berlin(2026, 5, 17, 23, 50))
    api = token_client(alice)
    body = api.get("/api/v1/me/coach/earnings?period=week&count=4").json()
    # None before the first earning's week: that week (11 May) and the current one (18 May).
    assert [row["start"][:10] for row in body["periods"]] == ["2026-05-11", "2026-05-18"]
    assert body["timezone"] == "Europe/Berlin"
    assert body["totals"] == [
        {
            "currency": "EUR",
            "gross_minor": 8000,
            "fees_minor": 800,
            "refunds_minor": 0,
            "net_minor": 7200,
            "pending_minor": 7200,
            "awaiting_client_minor": 0,
            "in_progress_minor": 0,
            "paid_out_minor": 0,
            "net": "72.00",
            "pending": "72.00",
            "in_progress": "0.00",
            "paid_out": "0.00",
        }
    ]
    assert body["periods"][0]["figures"][0]["net"] == "72.00"
    assert body["periods"][-1]["figures"][0]["net_minor"] == 0  # nothing earned this week yet
    bad = api.get("/api/v1/me/coach/earnings?period=year")
    assert bad.status_code in (400, 422)
    assert "error" in bad.json()


def test_charlie_gets_404_for_alices_earnings(client, charlie, money_coach, bob):
    money_paid(money_coach, bob, amount=8000, fee=800, at=datetime.now(UTC))
    before = list(LedgerEntry.objects.values_list("pk", "amount"))
    client.force_login(charlie)
    assert client.get("/coach/earnings/").status_code == 404
    assert client.get("/coach/earnings/payouts.csv").status_code == 404
    api = token_client(charlie)
    assert api.get("/api/v1/me/coach/earnings").status_code == 404
    assert api.get("/api/v1/me/coach/payouts").status_code == 404
    assert api.get("/api/v1/staff/payouts").status_code == 404
    assert list(LedgerEntry.objects.values_list("pk", "amount")) == before


def test_the_page_tells_one_story_after_a_payout_and_a_refund(
    client, alice, money_coach, bob, monkeypatch
):
    """The reported page: a payout made, then a refund. Every figure comes from the one
    report; no month before the first earning; per-period rows carry no payout column that
    could contradict the all-time totals."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    p = money_paid(money_coach, bob, amount=53000, fee=5300, at=berlin(2026, 4, 3))
    payout_create_for(money_coach, period_end=datetime(2026, 5, 1, tzinfo=UTC), now=NOW)
    money_refund(p, amount=1800, fee_back=180, at=berlin(2026, 5, 10))

    total = report(money_coach).totals["EUR"]
    assert (total.gross, total.fees, total.refunds, total.net) == (53000, 5120, 1800, 46080)
    assert (total.paid_out, total.in_progress, total.pending) == (0, 47700, -1620)
    assert total.net == total.paid_out + total.in_progress + total.pending

    client.force_login(alice)
    html = client.get("/coach/earnings/").content.decode()
    assert "all time" in html
    assert "Owed back (refunded after a payout)" in html and "-16.20 EUR" in html
    assert "477.00 EUR" in html and "460.80 EUR" in html and "18.00 EUR" in html
    assert "Mar 2026" not in html and "Jun 2025" not in html  # before the first earning
    assert "Apr 2026" in html and "May 2026" in html
    assert "Paid out</th>" not in html  # no per-period payout column


def test_payouts_wait_for_open_invoices(money_coach, bob):
    """A session is earned when invoiced, but a payout only pays what clients paid: the
    coach's share of an open invoice is held back (and shown as awaiting the client)."""
    from tandem.payments.models import Payment, PaymentSource

    money_paid(money_coach, bob, amount=8000, fee=800, at=berlin(2026, 4, 3))
    invoiced = money_paid(money_coach, bob, amount=5000, fee=500, at=berlin(2026, 4, 4))
    invoiced.status = Payment.Status.AWAITING_INVOICE
    invoiced.save(update_fields=["status"])
    PaymentSource.objects.create(payment=invoiced, kind=PaymentSource.Kind.INVOICE, amount=5000)

    total = report(money_coach).totals["EUR"]
    assert (total.pending, total.awaiting_client) == (7200 + 4500, 4500)
    [payout] = payout_create_for(money_coach, period_end=datetime(2026, 5, 1, tzinfo=UTC), now=NOW)
    assert payout.amount == 7200
    total = report(money_coach).totals["EUR"]
    assert (total.in_progress, total.pending, total.awaiting_client) == (7200, 4500, 4500)
    assert total.net == total.paid_out + total.in_progress + total.pending
