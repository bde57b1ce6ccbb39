"""Payouts: pay coaches what they earned, once per coach, currency and period.

`payouts_create(period_end=...)` makes one `Payout` per coach and currency whose payable
balance (as of the period's end, and still owed now), less the coach's share of session
invoices clients have not paid yet, is above zero, and posts it to the ledger
in the same transaction: Dr coach payable / Cr provider clearing, correlation
`payout:<pk>`. Running it twice for the same period changes nothing (a unique constraint on
coach, currency and period end; the ledger's correlation key).

- Manual method: the payout waits (`pending`) for a person to pay it by bank transfer from the
  CSV export (`payouts_csv`) and mark it paid (`payout_mark_paid`).
- Stripe Connect (TANDEM_PAYMENT_PROVIDER == "stripe" and the coach has a connected
  account): a job enqueued in the same transaction (an outbox) calls the provider's
  `transfer` with the idempotency key `payout-<public_id>`, so a job run twice never pays
  twice. Success marks it paid with the transfer id; a refusal marks it failed and reverses
  the posting (`payout:<pk>:failed`), so the money is owed again and the next period pays it.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone

from tandem.coaches.models import CoachProfile
from tandem.coaches.selectors import coaches_by_ids
from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.core.outbox import enqueue_in_transaction

from ..errors import ProviderError
from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.money import from_minor
from ..models import Account, CoachPaymentSettings, LedgerEntry, Payout
from ..providers import get_provider
from ..tasks import payout_transfer_task
from .selectors import awaiting_client

logger = logging.getLogger(__name__)

Method = Payout.Method


def period_end_of(day: date | datetime) -> datetime:
    """A period named by its last day ends at the next midnight, UTC (exclusive)."""
    if isinstance(day, datetime):
        if timezone.is_naive(day):
            raise InvalidInput("period_end needs a time zone.", fields={"period_end": ["aware"]})
        return day
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def parse_period_end(value: Any) -> datetime:
    """'YYYY-MM-DD' (the period's last day) -> its exclusive end; InvalidInput otherwise."""
    if isinstance(value, date):
        return period_end_of(value)
    if not isinstance(value, str) or len(value) != 10 or "\x00" in value:
        raise InvalidInput("Give the period's last day.", fields={"period_end": ["YYYY-MM-DD"]})
    try:
        return period_end_of(date.fromisoformat(value))
    except ValueError as exc:
        raise InvalidInput(
            "Give the period's last day.", fields={"period_end": ["YYYY-MM-DD"]}
        ) from exc


def _method_for(coach: CoachProfile, method: str | None) -> tuple[str, str]:
    """(payout method, destination account or "")."""
    stripe_account = (
        CoachPaymentSettings.objects.filter(coach=coach)
        .values_list("stripe_account_id", flat=True)
        .first()
        or ""
    )
    if method is None:
        method = (
            Method.STRIPE_CONNECT
            if settings.TANDEM_PAYMENT_PROVIDER == "stripe" and stripe_account
            else Method.MANUAL
        )
    if method not in Method.values:
        raise InvalidInput("Unknown payout method.", fields={"method": list(Method.values)})
    if method == Method.STRIPE_CONNECT and not stripe_account:
        raise InvalidInput(
            "This coach has no Stripe account.", fields={"method": ["no connected account"]}
        )
    return method, stripe_account


def _provider_of(method: str) -> str:
    return "stripe" if method == Method.STRIPE_CONNECT else "manual"


def _payable_accounts(coach: CoachProfile) -> list[Account]:
    return list(Account.objects.filter(kind=Account.Kind.COACH_PAYABLE, coach=coach))


def payout_create_for(
    coach: CoachProfile,
    *,
    period_end: date | datetime,
    now: datetime | None = None,
    method: str | None = None,
) -> list[Payout]:
    """This coach's payouts for the period (one per currency with money owed). Idempotent."""
    now = now or timezone.now()
    end = period_end_of(period_end)
    if end > now:
        raise InvalidInput(
            "That period has not ended yet.", fields={"period_end": ["not in the future"]}
        )
    method, _destination = _method_for(coach, method)
    made: list[Payout] = []
    with transaction.atomic():
        for acct in _payable_accounts(coach):
            payout = _create_one(coach, acct, end=end, now=now, method=method)
            if payout is not None:
                made.append(payout)
                if (
                    payout.method == Method.STRIPE_CONNECT
                    and payout.status == Payout.Status.PENDING
                ):
                    _enqueue_transfer(payout)
    return made


def _create_one(
    coach: CoachProfile, acct: Account, *, end: datetime, now: datetime, method: str
) -> Payout | None:
    existing = Payout.objects.filter(coach=coach, currency=acct.currency, period_end=end).first()
    if existing is not None:
        return existing
    # Lock the account (PostgreSQL) so two runs for different periods cannot both pay the
    # same balance; SQLite's IMMEDIATE transaction already serialises writers.
    ledger._lock([acct.pk])
    entries = LedgerEntry.objects.filter(account=acct)
    sums = entries.aggregate(
        all=Sum("amount"),
        upto=Sum("amount", filter=Q(created_at__lt=end)),
        first=Min("created_at"),
    )
    # Open invoices are earned but not received: they wait until the client pays, so voiding
    # one never takes back money already paid out (payouts/selectors.awaiting_client).

    held_then = awaiting_client(coach, before=end).get(acct.currency, 0)
    held_now = awaiting_client(coach).get(acct.currency, 0)
    owed_then = ledger.natural(acct, int(sums["upto"] or 0)) - held_then
    owed_now = ledger.natural(acct, int(sums["all"] or 0)) - held_now
    amount = min(owed_then, owed_now)
    if amount <= 0:
        return None
    previous = Payout.objects.filter(
        coach=coach, currency=acct.currency, period_end__lt=end
    ).aggregate(m=Max("period_end"))["m"]
    start = previous or sums["first"] or end
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                coach=coach,
                amount=amount,
                currency=acct.currency,
                period_start=min(start, end),
                period_end=end,
                method=method,
                status=Payout.Status.PENDING,
                created_at=now,
            )
    except IntegrityError:  # made by a concurrent run
        return Payout.objects.get(coach=coach, currency=acct.currency, period_end=end)
    ledger.post(
        reason="payout",
        correlation_key=f"payout:{payout.pk}",
        legs=[
            (acct, amount),
            (accounts.provider_clearing(_provider_of(method), acct.currency), -amount),
        ],
        memo=f"payout {payout.public_id} to {coach.slug}",
        now=now,
    )
    return payout


def payouts_create(
    *, period_end: date | datetime, now: datetime | None = None, method: str | None = None
) -> list[Payout]:
    """Payouts for every coach with a payable balance. One transaction per coach, so one
    coach's problem does not hold back the others; safe to run again."""
    now = now or timezone.now()
    coach_ids = (
        Account.objects.filter(kind=Account.Kind.COACH_PAYABLE)
        .values_list("coach_id", flat=True)
        .distinct()
        .order_by("coach_id")
    )
    made: list[Payout] = []
    for coach in coaches_by_ids(list(coach_ids)):
        try:
            made.extend(payout_create_for(coach, period_end=period_end, now=now, method=method))
        except InvalidInput:
            if method is not None:
                # The chosen method does not fit this coach: pay them the default way.
                made.extend(payout_create_for(coach, period_end=period_end, now=now))
            else:
                raise
    return made


def payout_mark_paid(*, payout_id: UUID | str, actor: Any, now: datetime | None = None) -> Payout:
    """Staff record that a manual payout was paid. Paying a paid one again changes nothing."""
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such payout.")
    now = now or timezone.now()
    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(public_id=payout_id).first()
        if payout is None:
            raise NotFound("No such payout.")
        if payout.status == Payout.Status.PAID:
            return payout
        if payout.status != Payout.Status.PENDING or payout.method != Method.MANUAL:
            raise Conflict(
                "Only a pending manual payout can be marked paid.", code="payout_not_pending"
            )
        payout.status = Payout.Status.PAID
        payout.paid_at = now
        payout.save(update_fields=["status", "paid_at"])
    return payout


# --- Stripe Connect ---------------------------------------------------------------------------


def _enqueue_transfer(payout: Payout) -> None:
    payout_id = payout.pk
    enqueue_in_transaction(lambda: payout_transfer_task.enqueue(payout_id))


def payout_transfer(payout_id: int, *, now: datetime | None = None) -> Payout | None:
    """Run a Stripe Connect payout (the job). Safe to run twice: a payout that is no longer
    pending is left alone, and the provider sees the same idempotency key."""
    payout = Payout.objects.select_related("coach").filter(pk=payout_id).first()
    if payout is None or payout.status != Payout.Status.PENDING:
        return payout
    if payout.method != Method.STRIPE_CONNECT:
        return payout
    destination = (
        CoachPaymentSettings.objects.filter(coach=payout.coach)
        .values_list("stripe_account_id", flat=True)
        .first()
        or ""
    )
    try:
        if not destination:
            raise ProviderError("The coach has no connected Stripe account any more.")
        ref = get_provider("stripe").transfer(
            destination=destination,
            amount=payout.amount,
            currency=payout.currency,
            idempotency_key=f"payout-{payout.public_id}",
        )
    except ProviderError as exc:
        logger.warning("payout %s failed: %s", payout.public_id, exc.message)
        return payout_fail(payout_id=payout.pk, reason=exc.message, now=now)
    now = now or timezone.now()
    Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
        status=Payout.Status.PAID, provider_ref=ref or "", paid_at=now
    )
    payout.refresh_from_db()
    return payout


def payout_fail(*, payout_id: int, reason: str = "", now: datetime | None = None) -> Payout:
    """Mark a pending payout failed and give the coach their balance back (reversal)."""
    now = now or timezone.now()
    with transaction.atomic():
        payout = Payout.objects.select_for_update().select_related("coach").get(pk=payout_id)
        if payout.status != Payout.Status.PENDING:
            return payout
        payout.status = Payout.Status.FAILED
        payout.save(update_fields=["status"])
        ledger.post(
            reason="payout_failed",
            correlation_key=f"payout:{payout.pk}:failed",
            legs=[
                (accounts.coach_payable(payout.coach, payout.currency), -payout.amount),
                (
                    accounts.provider_clearing(_provider_of(payout.method), payout.currency),
                    payout.amount,
                ),
            ],
            memo=f"payout {payout.public_id} failed: {reason}"[:300],
            now=now,
        )
    return payout


# --- Export -----------------------------------------------------------------------------------


CSV_HEADER = ["coach_name", "email", "amount", "currency", "payout_id", "status", "period_end"]


def _cell(value: str) -> str:
    # A spreadsheet must not read a name as a formula ("=HYPERLINK(...)").
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def payouts_csv_rows(payouts: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for p in payouts:
        writer.writerow(
            [
                _cell(p.coach.user.name),
                _cell(p.coach.user.email),
                str(from_minor(p.amount, p.currency)),
                p.currency,
                str(p.public_id),
                p.status,
                (p.period_end - timedelta(days=1)).date().isoformat(),
            ]
        )
    return out.getvalue()


def payouts_csv(period_end: date | datetime, *, method: str | None = Method.MANUAL) -> str:
    """The period's payouts as CSV (amounts in major units) for paying them by hand."""
    end = period_end_of(period_end)
    qs = Payout.objects.filter(period_end=end).select_related("coach__user").order_by("pk")
    if method is not None:
        qs = qs.filter(method=method)
    return payouts_csv_rows(qs)
