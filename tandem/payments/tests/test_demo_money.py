"""The demo practice has real money in it, converges when loaded again, and its ledger is
sound."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tandem.payments.models import (
    GiftCard,
    LedgerEntry,
    PackagePurchase,
    Payment,
    Payout,
    Refund,
)

from .ledger_checks import assert_ledger_sound, natural_balance

pytestmark = pytest.mark.django_db


def test_the_demo_has_money_and_loading_it_again_adds_none():
    call_command("seed_demo", stdout=io.StringIO())
    counts = [
        model.objects.count()
        for model in (Payment, Refund, LedgerEntry, PackagePurchase, GiftCard, Payout)
    ]
    assert all(counts), counts
    assert Payment.objects.filter(status=Payment.Status.AWAITING_INVOICE).exists()
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).exists()
    assert Payment.objects.filter(status=Payment.Status.REFUNDED).exists()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == [
        model.objects.count()
        for model in (Payment, Refund, LedgerEntry, PackagePurchase, GiftCard, Payout)
    ]
    from tandem.accounts.models import User

    bob = User.objects.get(email="bob@tandem.local")
    assert natural_balance(f"client_credit:user:{bob.pk}:EUR") == 2500
    assert_ledger_sound()
