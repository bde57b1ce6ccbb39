"""Independent checks of the ledger's invariants, straight from the tables (for tests)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Sum

from tandem.payments.models import Account, LedgerEntry


def assert_ledger_sound() -> None:
    """Every transaction balances per currency; all balances sum to zero; no account that
    may not go negative does."""
    per_txn: dict[tuple[int, str], int] = defaultdict(int)
    for txn_id, currency, amount in LedgerEntry.objects.values_list(
        "transaction_id", "currency", "amount"
    ):
        assert isinstance(amount, int)
        per_txn[(txn_id, currency)] += amount
    unbalanced = {key: total for key, total in per_txn.items() if total}
    # Each entry carries its transaction's reason (the budget figures are read by it).
    astray = LedgerEntry.objects.exclude(reason=F("transaction__reason")).count()
    assert not astray, f"{astray} ledger entries whose reason is not their transaction's"
    assert not unbalanced, f"unbalanced transactions: {unbalanced}"
    totals = LedgerEntry.objects.values("currency").annotate(s=Sum("amount"))
    assert all(row["s"] == 0 for row in totals), list(totals)
    sums = dict(
        LedgerEntry.objects.values("account").annotate(s=Sum("amount")).values_list("account", "s")
    )
    for account in Account.objects.all():
        raw = int(sums.get(account.pk) or 0)
        natural = raw if account.debit_normal else -raw
        if not account.may_go_negative:
            assert natural >= 0, f"{account.key} is negative: {natural}"


def natural_balance(key_prefix: str) -> int:
    total = 0
    for account in Account.objects.filter(key__startswith=key_prefix):
        raw = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0
        total += raw if account.debit_normal else -raw
    return total
