"""The demo payout pays what Alice earned up to its period end (the staff payouts page says
so), the orgs demo's back-dated sponsored sessions included: it is made after them. Before,
it was made first and paid 108.00 EUR while her earnings page left ~2,000 EUR of sessions
held in October and November "pending (not yet in a payout)"."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from tandem.coaches.models import CoachProfile
from tandem.payments.ledger import accounts
from tandem.payments.ledger.services import natural
from tandem.payments.models import LedgerEntry, PaymentSource, Payout
from tandem.payments.payouts.selectors import awaiting_client, earnings

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def test_the_payout_pays_everything_earned_up_to_its_period_end():
    seed()
    alice = CoachProfile.objects.get(user__email="alice@tandem.local")
    payout = Payout.objects.get(coach=alice)
    end = payout.period_end
    payable = accounts.coach_payable(alice, "EUR")
    entries = LedgerEntry.objects.filter(account=payable)
    before = entries.filter(created_at__lt=end).aggregate(s=Sum("amount"))["s"]
    held_then = awaiting_client(alice, before=end).get("EUR", 0)
    # Everything earned before the period end is in it, but what clients still owe.
    assert payout.amount == natural(payable, before) - held_then
    # The sponsored sessions held before the period end were earned before it.
    sponsored = PaymentSource.objects.filter(
        kind=PaymentSource.Kind.SPONSOR,
        payment__coach=alice,
        payment__succeeded_at__lt=end,
    )
    assert sponsored.exists()
    assert payout.amount > sum(s.amount for s in sponsored) // 2

    # The earnings page agrees: the payout is in progress; pending is only what was earned
    # after the period end, or is still owed by clients.
    now = timezone.now()
    totals = earnings(alice, start=now - timedelta(days=800), end=now + timedelta(days=1))
    eur = totals.totals["EUR"]
    assert eur.in_progress == payout.amount
    earned_after = (
        entries.filter(created_at__gte=end).exclude(reason="payout").aggregate(s=Sum("amount"))["s"]
        or 0
    )
    assert eur.pending == natural(payable, earned_after) + awaiting_client(alice).get("EUR", 0)


def test_seeding_again_makes_no_second_payout_and_moves_no_money():
    seed()
    first = (
        list(Payout.objects.values_list("coach_id", "amount", "period_end")),
        LedgerEntry.objects.count(),
    )
    seed()
    assert (
        list(Payout.objects.values_list("coach_id", "amount", "period_end")),
        LedgerEntry.objects.count(),
    ) == first
