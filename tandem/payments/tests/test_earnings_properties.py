"""Coach earnings tell one story: after a hypothesis-generated history of bookings, payments
(package, gift card, credit, invoice), invoices paid, cancellations, declines, no-shows,
staff refunds, expiries and payouts (created, paid, failed), the earnings report of every
coach satisfies, per currency:

- gross - fees - refunds = net, for every period row and for the totals;
- net = paid out + in progress + pending (all time), pending = the payable ledger balance,
  and paid out / in progress = the coach's paid / pending payouts;
- the rows of a window covering the whole history add up to the totals, and the first row is
  the period of the coach's first earning (no empty months before it);
- pending is below zero only when money was refunded after a payout (the coach truly owes);
  payouts never include what clients still owe on open invoices.

It reuses the ledger state machine (test_ledger_properties) and adds the rules that pay or
fail payouts. The clock is injected: the history starts at a fixed instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Min, Sum
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from tandem.payments.ledger import accounts
from tandem.payments.models import Account, LedgerEntry, Payout
from tandem.payments.payouts import selectors
from tandem.payments.payouts import services as payouts

from .test_ledger_properties import COMMON_RULES, SEEN, LedgerMachine, build_world

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


class EarningsMachine(LedgerMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START

    @rule(hours=st.sampled_from([2, 26]), pay=st.booleans())
    def pay_out_later(self, hours: int, pay: bool) -> None:
        """Time passes, then a payout run for the period that just ended (optionally paid)."""
        self.now += timedelta(hours=hours)
        made = self.attempt(
            "payout", lambda: payouts.payouts_create(period_end=self.now, now=self.now)
        )
        for payout in made or []:
            if pay:
                self.attempt(
                    "payout_paid",
                    lambda p=payout: payouts.payout_mark_paid(
                        payout_id=p.public_id, actor=self.world.staff, now=self.now
                    ),
                )

    @rule(hours=st.sampled_from([2, 26]), pay=st.booleans())
    def pay_out_later_again(self, hours: int, pay: bool) -> None:
        """Weigh payout runs: among the ledger machine's many rules they were too rare for
        a bounded run to pay one out."""
        self.pay_out_later(hours, pay)

    @rule(hours=st.sampled_from([2, 26]))
    def pay_out_later_and_pay(self, hours: int) -> None:
        self.pay_out_later(hours, True)

    @rule(index=st.integers(0, 1_000_000), pay=st.booleans())
    def settle_payout(self, index: int, pay: bool) -> None:
        payout = self.pick(Payout.objects.filter(status=Payout.Status.PENDING), index)
        if payout is None:
            return
        if pay:
            self.attempt(
                "payout_paid",
                lambda: payouts.payout_mark_paid(
                    payout_id=payout.public_id, actor=self.world.staff, now=self.now
                ),
            )
        else:
            self.attempt(
                "payout_failed",
                lambda: payouts.payout_fail(payout_id=payout.pk, reason="bank", now=self.now),
            )

    @rule(index=st.integers(0, 1_000_000), pay=st.booleans())
    def settle_payout_more(self, index: int, pay: bool) -> None:
        """Again: payouts are few, so weigh their settling."""
        self.settle_payout(index, pay)

    @invariant()
    def earnings_tell_one_story(self) -> None:
        for coach in self.world.coaches:
            for period in ("month", "week"):
                self.check(coach, period)

    def check(self, coach, period: str) -> None:
        profile = coach.profile
        report = selectors.earnings(
            profile, period=period, start=FAR_PAST, end=FAR_FUTURE, tz=coach.zone.key
        )
        payable = LedgerEntry.objects.filter(
            account__kind=Account.Kind.COACH_PAYABLE, account__coach=profile
        )
        first = payable.aggregate(m=Min("created_at"))["m"]
        if first is None:
            assert report.rows == [] and report.totals == {}
            return
        first_day = first.astimezone(coach.zone).date()
        assert report.rows, "a coach with earnings has rows"
        assert report.rows[0].start == selectors._period_start(period, first_day)
        for currency, t in report.totals.items():
            rows = selectors.Figures()
            for row in report.rows:
                f = row.get(currency)
                assert f.gross - f.fees - f.refunds == f.net, (row.label, f)
                rows.add(f)
            assert (rows.gross, rows.fees, rows.refunds, rows.net) == (
                t.gross,
                t.fees,
                t.refunds,
                t.net,
            )
            assert t.gross - t.fees - t.refunds == t.net, t
            assert t.net == t.paid_out + t.in_progress + t.pending, t
            assert t.pending == accounts.coach_payable_balance(profile, currency)
            by_status = dict(
                Payout.objects.filter(coach=profile, currency=currency)
                .values("status")
                .annotate(s=Sum("amount"))
                .values_list("status", "s")
            )
            assert t.paid_out == (by_status.get(Payout.Status.PAID) or 0)
            assert t.in_progress == (by_status.get(Payout.Status.PENDING) or 0)
            assert t.refunds >= 0 and t.awaiting_client >= 0
            if t.pending < t.awaiting_client:
                # Only a refund after a payout can take pending below what clients still
                # owe (or below zero): then the coach truly owes it back.
                first_payout = (
                    payable.filter(currency=currency, transaction__reason="payout")
                    .aggregate(m=Min("created_at"))
                    .get("m")
                )
                assert first_payout is not None, t
                assert payable.filter(
                    currency=currency,
                    transaction__reason="refund",
                    created_at__gte=first_payout,
                ).exists(), t
                SEEN["owes after a refund following a payout"] += 1


def test_earnings_identities_after_random_histories(settings) -> None:
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    settings.TANDEM_GIFT_CARD_VALID_DAYS = 20
    settings.TANDEM_PENDING_EXPIRY_HOURS = 12
    SEEN.clear()
    EarningsMachine.world = build_world()
    run_state_machine_as_test(
        EarningsMachine,
        settings=hypothesis_settings(
            max_examples=30,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture,
                HealthCheck.filter_too_much,
            ],
        ),
    )
    print("\n".join(f"{count:5d}  {what}" for what, count in sorted(SEEN.items())))
    # Not asserted rule by rule (see test_ledger_properties): which rare rules a bounded run
    # reaches depended on the tests before it in the process. Paid, failed and pending
    # payouts have deterministic tests in test_earnings_money.py; here the identities are
    # checked after every step of whatever history was generated.
    for name in (*COMMON_RULES, "payout"):
        assert SEEN[f"ok: {name}"] > 0, (name, SEEN)
