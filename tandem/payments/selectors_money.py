"""Reads for coach earnings, payouts, documents and a client's payment history.

Earnings come from the ledger, so they always agree with it:
- *net* is what a period credited to the coach's payable account, less what it debited back
  (refunds, reversals), payouts left out;
- *fees* are the platform revenue posted in those same transactions (a fee reversal on a
  refund lowers them);
- *gross* = net + fees: what clients paid for the coach's sessions, less refunds.
- *pending* is the payable account's balance (earned, not yet paid out); *in progress* the
  payouts created but not yet paid; *paid out* the payouts marked paid.

Every read is a fixed number of aggregate queries, whatever the number of payments.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from tandem.coaches.models import CoachProfile
from tandem.core.cursors import decode_cursor, encode_cursor, invalid_cursor
from tandem.core.errors import InvalidInput

from .models import Account, Invoice, LedgerEntry, Payment, Payout

Period = Literal["month", "week"]
PERIODS: tuple[str, ...] = ("month", "week")
# Ledger reasons of payout postings (services/payouts.py); not earnings.
PAYOUT_REASONS = ("payout", "payout_failed")


@dataclass
class Figures:
    gross: int = 0
    fees: int = 0
    net: int = 0
    paid_out: int = 0


@dataclass
class PeriodRow:
    start: date  # the first day of the period, in the coach's zone
    label: str
    by_currency: dict[str, Figures] = field(default_factory=dict)

    def get(self, currency: str) -> Figures:
        return self.by_currency.get(currency) or Figures()


@dataclass
class Totals:
    currency: str
    gross: int = 0
    fees: int = 0
    net: int = 0
    pending: int = 0  # the payable account's balance now
    in_progress: int = 0  # payouts created, not yet paid
    paid_out: int = 0  # payouts paid (all time)


@dataclass
class EarningsReport:
    period: str
    zone: str
    start: datetime
    end: datetime
    currencies: list[str]
    rows: list[PeriodRow]
    totals: dict[str, Totals]

    def chart_data(self) -> dict[str, Any]:
        """Plain data for the chart (json_script): labels and, per currency, net and fees
        as exact decimal strings in major units."""
        from .services.money import from_minor

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


def _period_starts(period: str, start: datetime, end: datetime, zone: zoneinfo.ZoneInfo) -> list:
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    monthly = period == "month"
    day = first.replace(day=1) if monthly else first - timedelta(days=first.weekday())
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


def earnings(
    coach: CoachProfile,
    *,
    period: str = "month",
    start: datetime,
    end: datetime,
    tz: str | None = None,
) -> EarningsReport:
    """The coach's earnings per period in [start, end), in `tz` (default: the coach's zone),
    and totals per currency. Five queries, whatever the number of payments."""
    if period not in PERIODS:
        raise InvalidInput("Unknown period.", fields={"period": ["Choose week or month."]})
    tz = tz or coach.timezone or "UTC"
    zone = zoneinfo.ZoneInfo(tz)
    trunc = TruncMonth if period == "month" else TruncWeek

    payable = LedgerEntry.objects.filter(
        account__kind=Account.Kind.COACH_PAYABLE, account__coach=coach
    )
    in_range = Q(created_at__gte=start, created_at__lt=end)
    # 1. Net earnings and payouts per period and currency (payable entries, signed: + debit).
    rows = (
        payable.filter(in_range)
        .annotate(bucket=trunc("created_at", tzinfo=zone))
        .values("bucket", "currency", "transaction__reason")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    # 2. Platform fees in the same transactions as the coach's earnings (or their refunds).
    fee_rows = (
        LedgerEntry.objects.filter(in_range, account__kind=Account.Kind.PLATFORM_REVENUE)
        .filter(
            transaction_id__in=payable.exclude(transaction__reason__in=PAYOUT_REASONS).values(
                "transaction_id"
            )
        )
        .annotate(bucket=trunc("created_at", tzinfo=zone))
        .values("bucket", "currency")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    # 3. Pending: the payable balance now (all time), per currency.
    balances = dict(
        payable.values("currency").annotate(s=Sum("amount")).order_by().values_list("currency", "s")
    )
    # 4. Payouts by status (all time).
    payout_rows = (
        Payout.objects.filter(coach=coach)
        .values("currency", "status")
        .annotate(s=Sum("amount"))
        .order_by()
    )

    starts = _period_starts(period, start, end, zone)
    by_start = {day: PeriodRow(start=day, label=_label(period, day)) for day in starts}
    currencies: set[str] = set()

    def cell(bucket: datetime | date, currency: str) -> Figures | None:
        day = bucket.astimezone(zone).date() if isinstance(bucket, datetime) else bucket
        row = by_start.get(day)
        if row is None:
            return None
        currencies.add(currency)
        return row.by_currency.setdefault(currency, Figures())

    for r in rows:
        figures = cell(r["bucket"], r["currency"])
        if figures is None:
            continue
        amount = int(r["s"] or 0)
        if r["transaction__reason"] in PAYOUT_REASONS:
            figures.paid_out += amount  # a payout debits the payable (+); a reversal credits
        else:
            figures.net -= amount  # credit-normal: earnings are credits (-)
    for r in fee_rows:
        figures = cell(r["bucket"], r["currency"])
        if figures is not None:
            figures.fees -= int(r["s"] or 0)
    for row in by_start.values():
        for figures in row.by_currency.values():
            figures.gross = figures.net + figures.fees

    totals: dict[str, Totals] = {}

    def total(currency: str) -> Totals:
        currencies.add(currency)
        return totals.setdefault(currency, Totals(currency=currency))

    for row in by_start.values():
        for cur, figures in row.by_currency.items():
            t = total(cur)
            t.gross += figures.gross
            t.fees += figures.fees
            t.net += figures.net
    for cur, raw in balances.items():
        total(cur).pending = -int(raw or 0)
    for r in payout_rows:
        t = total(r["currency"])
        if r["status"] == Payout.Status.PAID:
            t.paid_out += int(r["s"] or 0)
        elif r["status"] == Payout.Status.PENDING:
            t.in_progress += int(r["s"] or 0)
    ordered = sorted(currencies, key=lambda c: (c != coach.currency, c))
    return EarningsReport(
        period=period,
        zone=tz,
        start=start,
        end=end,
        currencies=ordered,
        rows=[by_start[day] for day in starts],
        totals={cur: total(cur) for cur in ordered},
    )


# --- Payouts ----------------------------------------------------------------------------------


def payouts_of(coach: CoachProfile, *, limit: int = 100) -> list[Payout]:
    return list(Payout.objects.filter(coach=coach).order_by("-period_end", "-pk")[:limit])


def payouts_for_staff(*, period_end: datetime | None = None, limit: int = 200) -> QuerySet:
    qs = Payout.objects.select_related("coach__user").order_by("-period_end", "coach_id", "pk")
    if period_end is not None:
        qs = qs.filter(period_end=period_end)
    return qs[:limit]


# --- Documents --------------------------------------------------------------------------------


def parse_uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def document_for(user: Any, public_id: Any) -> Invoice | None:
    """An invoice or receipt the user may see (its client, its coach, or staff); else None."""
    parsed = parse_uuid(public_id)
    if parsed is None or not getattr(user, "is_authenticated", False):
        return None
    qs = Invoice.objects.select_related("coach__user", "client", "payment").filter(public_id=parsed)
    if not user.is_staff:
        qs = qs.filter(Q(client=user) | Q(coach__user=user))
    return qs.first()


# --- A client's payment history ---------------------------------------------------------------


@dataclass
class Page:
    items: list[Payment]
    next_cursor: str | None


def payments_page(user: Any, *, cursor: str | None = None, limit: int = 20) -> Page:
    """The user's own payments as a client, newest first (keyset on created_at, pk)."""
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100.", fields={"limit": ["1-100"]})
    qs = (
        Payment.objects.filter(client=user)
        .select_related(
            "coach__user", "booking", "session_type", "package_purchase__offer", "invoice"
        )
        .prefetch_related("refunds")
        .order_by("-created_at", "-pk")
    )
    if cursor:
        payload = decode_cursor(cursor)
        try:
            after_at = datetime.fromisoformat(payload["at"])
            after_pk = int(payload["pk"])
        except (KeyError, TypeError, ValueError) as exc:
            raise invalid_cursor() from exc
        if after_at.tzinfo is None:
            raise invalid_cursor()
        qs = qs.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, pk__lt=after_pk))
    items = list(qs[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor({"at": last.created_at.isoformat(), "pk": last.pk})
    return Page(items=items, next_cursor=next_cursor)


def payment_description(payment: Payment) -> str:
    """What a payment was for, in words."""
    coach_name = payment.coach.user.name if payment.coach_id else ""
    if payment.purpose == Payment.Purpose.BOOKING:
        what = payment.session_type.name if payment.session_type_id else "Session"
        return f"{what} with {coach_name}" if coach_name else what
    if payment.purpose == Payment.Purpose.PACKAGE:
        name = payment.package_purchase.offer.name if payment.package_purchase_id else "Package"
        return f"{name} with {coach_name}" if coach_name else name
    return "Gift card"
