"""Reads for coach earnings and payouts.

Earnings have ONE definition, read from the coach's payable ledger account and the platform
revenue posted in the same transactions (`earnings`; the page, the API and the tests all use
it). Per currency, with signed ledger sums (+ debit, - credit):

- a *charge* transaction (any reason but a refund or a payout: a session earned, a package's
  breakage, a voided invoice taking its charge back) adds to **gross** what it credited the
  payable and revenue, and to **fees** what it credited revenue;
- a *refund* transaction (reason ``refund``) adds to **refunds** what it debited the payable
  and revenue (the client's money given back), and takes the fee it returned off **fees**;
- **net** = what all of them credited the payable, less what they debited back, so
  ``gross - fees - refunds = net`` holds for every transaction, hence every period and total;
- payouts (reasons ``payout``, ``payout_failed``) are not earnings: they move net into
  **in progress** (a payout created, not yet paid) and **paid out** (marked paid); what is left
  is **pending**, the payable account's balance. ``net = paid out + in progress + pending``.

Totals are all time (since the coach's first earning), because pending and payouts are; the
period rows are the requested window, never starting before the coach's first earning.
Pending is below zero only when money was given back after it had been paid out (a refund of
a session already in a payout): the coach then truly owes it, and the next payout nets it.

Every read is a fixed number of aggregate queries, whatever the number of payments.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from tandem.coaches.models import CoachProfile
from tandem.core.errors import InvalidInput

from ..ledger.money import from_minor
from ..models import Account, LedgerEntry, Payment, PaymentSource, Payout

Period = Literal["month", "week"]
PERIODS: tuple[str, ...] = ("month", "week")
# Ledger reasons of payout postings (payouts/services.py); not earnings.
PAYOUT_REASONS = ("payout", "payout_failed")
# The ledger reason of money given back to a client (checkout/refunds.py).
REFUND_REASONS = ("refund",)


@dataclass
class Figures:
    gross: int = 0  # charged to clients for the coach's sessions (less voided charges)
    fees: int = 0  # the platform's fees, net of fees returned with refunds
    refunds: int = 0  # given back to clients (the coach's share and the fee returned)
    net: int = 0  # gross - fees - refunds: what the coach earned

    def add(self, other: Figures) -> None:
        self.gross += other.gross
        self.fees += other.fees
        self.refunds += other.refunds
        self.net += other.net


@dataclass
class PeriodRow:
    start: date  # the first day of the period, in the coach's zone
    label: str
    by_currency: dict[str, Figures] = field(default_factory=dict)

    def get(self, currency: str) -> Figures:
        return self.by_currency.get(currency) or Figures()


@dataclass
class Totals:
    """All time, one currency. net = paid_out + in_progress + pending."""

    currency: str
    gross: int = 0
    fees: int = 0
    refunds: int = 0
    net: int = 0
    pending: int = 0  # the payable account's balance now: earned, not in a payout
    awaiting_client: int = 0  # the part of pending still owed by clients (open invoices)
    in_progress: int = 0  # payouts created, not yet paid
    paid_out: int = 0  # payouts paid


@dataclass
class EarningsReport:
    period: str
    zone: str
    start: datetime
    end: datetime
    currencies: list[str]
    rows: list[PeriodRow]
    totals: dict[str, Totals]
    first_earning: date | None = None  # the first day of the coach's first earning's period

    def chart_data(self) -> dict[str, Any]:
        """Plain data for the chart (json_script): labels and, per currency, net and fees
        as exact decimal strings in major units."""
        return {
            "labels": [row.label for row in self.rows],
            "series": [
                {
                    "currency": cur,
                    "net": [str(from_minor(row.get(cur).net, cur)) for row in self.rows],
                    "fees": [str(from_minor(row.get(cur).fees, cur)) for row in self.rows],
                }
                for cur in self.currencies
            ],
        }


def _period_start(period: str, day: date) -> date:
    return day.replace(day=1) if period == "month" else day - timedelta(days=day.weekday())


def _period_starts(period: str, first: date, last: date) -> list[date]:
    day = _period_start(period, first)
    days = []
    while day <= last:
        days.append(day)
        if period == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7)
    return days


def _label(period: str, day: date) -> str:
    if period == "month":
        return day.strftime("%b %Y")
    return f"Week of {day.day} {day.strftime('%b %Y')}"


def last_periods(period: str, count: int, *, now: datetime, tz: str) -> tuple[datetime, datetime]:
    """[start, end) covering the last `count` weeks or months (this one included) in `tz`."""
    if period not in PERIODS:
        raise InvalidInput("Unknown period.", fields={"period": ["Choose week or month."]})
    zone = zoneinfo.ZoneInfo(tz)
    today = now.astimezone(zone).date()
    if period == "month":
        first = today.replace(day=1)
        year, month = first.year, first.month - (count - 1)
        while month < 1:
            month += 12
            year -= 1
        start_day = date(year, month, 1)
        end_day = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        this_week = today - timedelta(days=today.weekday())
        start_day = this_week - timedelta(days=7 * (count - 1))
        end_day = this_week + timedelta(days=7)
    return (
        datetime.combine(start_day, time(), tzinfo=zone),
        datetime.combine(end_day, time(), tzinfo=zone),
    )


def awaiting_client(coach: CoachProfile, *, before: datetime | None = None) -> dict[str, int]:
    """Per currency, the coach's share of session invoices still open: earned (a session is
    earned when it is invoiced) but not yet received from the client. Payouts hold it back
    (payouts/services.py), so a voided invoice never takes back money already paid out.
    `before`: only payments made before then. One query."""
    qs = PaymentSource.objects.filter(
        kind=PaymentSource.Kind.INVOICE,
        payment__coach=coach,
        payment__purpose=Payment.Purpose.BOOKING,
        payment__status=Payment.Status.AWAITING_INVOICE,
    )
    if before is not None:
        qs = qs.filter(payment__created_at__lt=before)
    held: dict[str, int] = {}
    for currency, amount, refunded, voided, price, fee in qs.values_list(
        "payment__currency", "amount", "refunded", "voided", "payment__amount", "payment__fee"
    ):
        outstanding = amount - refunded - voided  # a voided part is no longer owed
        if outstanding <= 0 or price <= 0:
            continue
        # The coach's share of what is still owed, rounded up (never pay out a cent early).
        coach_share = -((-outstanding * (price - fee)) // price)
        held[currency] = held.get(currency, 0) + coach_share
    return held


def earnings(
    coach: CoachProfile,
    *,
    period: str = "month",
    start: datetime,
    end: datetime,
    tz: str | None = None,
) -> EarningsReport:
    """The coach's earnings per period in [start, end) (from the first earning's period on),
    in `tz` (default: the coach's zone), and all-time totals per currency. See the module
    docstring for the one definition of every figure. Four queries."""
    if period not in PERIODS:
        raise InvalidInput("Unknown period.", fields={"period": ["Choose week or month."]})
    tz = tz or coach.timezone or "UTC"
    zone = zoneinfo.ZoneInfo(tz)
    trunc = TruncMonth if period == "month" else TruncWeek

    payable = LedgerEntry.objects.filter(
        account__kind=Account.Kind.COACH_PAYABLE, account__coach=coach
    )
    # 1. The payable's entries per period, currency and reason (all time: pending and the
    #    totals need it; the rows take the window).
    payable_rows = (
        payable.annotate(bucket=trunc("created_at", tzinfo=zone))
        .values("bucket", "currency", "transaction__reason")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    # 2. Platform revenue in the same (non-payout) transactions: fees and fees returned.
    fee_rows = (
        LedgerEntry.objects.filter(account__kind=Account.Kind.PLATFORM_REVENUE)
        .filter(
            transaction_id__in=payable.exclude(transaction__reason__in=PAYOUT_REASONS).values(
                "transaction_id"
            )
        )
        .annotate(bucket=trunc("created_at", tzinfo=zone))
        .values("bucket", "currency", "transaction__reason")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    # 3. Payouts by status (all time).
    payout_rows = (
        Payout.objects.filter(coach=coach)
        .values("currency", "status")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    # 4. Open invoices: the part of pending clients still owe.
    held = awaiting_client(coach)

    def day_of(bucket: datetime | date) -> date:
        return bucket.astimezone(zone).date() if isinstance(bucket, datetime) else bucket

    cells: dict[tuple[date, str], Figures] = {}
    totals: dict[str, Totals] = {}
    balance: dict[str, int] = {}  # signed sum of the payable's entries (credit-normal)

    def total(currency: str) -> Totals:
        return totals.setdefault(currency, Totals(currency=currency))

    for r in payable_rows:
        cur, reason, amount = r["currency"], r["transaction__reason"], int(r["s"] or 0)
        balance[cur] = balance.get(cur, 0) + amount
        total(cur)
        if reason in PAYOUT_REASONS:
            continue
        figures = cells.setdefault((day_of(r["bucket"]), cur), Figures())
        figures.net -= amount  # credit-normal: earnings are credits (-)
        if reason in REFUND_REASONS:
            figures.refunds += amount
        else:
            figures.gross -= amount
    for r in fee_rows:
        cur, reason, amount = r["currency"], r["transaction__reason"], int(r["s"] or 0)
        figures = cells.setdefault((day_of(r["bucket"]), cur), Figures())
        figures.fees -= amount
        if reason in REFUND_REASONS:
            figures.refunds += amount
        else:
            figures.gross -= amount

    for (_day, cur), figures in cells.items():
        t = total(cur)
        t.gross += figures.gross
        t.fees += figures.fees
        t.refunds += figures.refunds
        t.net += figures.net
    for cur, raw in balance.items():
        total(cur).pending = -raw
    for r in payout_rows:
        t = total(r["currency"])
        if r["status"] == Payout.Status.PAID:
            t.paid_out += int(r["s"] or 0)
        elif r["status"] == Payout.Status.PENDING:
            t.in_progress += int(r["s"] or 0)
    for cur, amount in held.items():
        total(cur).awaiting_client = amount

    first_day = min((day for day, _cur in cells), default=None)
    first_earning = _period_start(period, first_day) if first_day else None
    window_first = start.astimezone(zone).date()
    window_last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    rows: list[PeriodRow] = []
    if first_earning is not None:
        starts = _period_starts(period, max(window_first, first_earning), window_last)
        by_start = {day: PeriodRow(start=day, label=_label(period, day)) for day in starts}
        for (day, cur), figures in cells.items():
            row = by_start.get(day)
            if row is not None:
                row.by_currency[cur] = figures
        rows = [by_start[day] for day in starts]
    ordered = sorted(totals, key=lambda c: (c != coach.currency, c))
    return EarningsReport(
        period=period,
        zone=tz,
        start=start,
        end=end,
        currencies=ordered,
        rows=rows,
        totals={cur: totals[cur] for cur in ordered},
        first_earning=first_earning,
    )


# --- Payouts ----------------------------------------------------------------------------------


def payouts_of(coach: CoachProfile, *, limit: int = 100) -> list[Payout]:
    return list(Payout.objects.filter(coach=coach).order_by("-period_end", "-pk")[:limit])


def payouts_for_staff(*, period_end: datetime | None = None, limit: int = 200) -> QuerySet:
    qs = Payout.objects.select_related("coach__user").order_by("-period_end", "coach_id", "pk")
    if period_end is not None:
        qs = qs.filter(period_end=period_end)
    return qs[:limit]
