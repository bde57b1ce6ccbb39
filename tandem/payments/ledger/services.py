"""The only writer of the ledger: balanced postings, derived balances, no overdrafts.

`post` must run inside the caller's transaction (the money moves with the change that
caused it, or not at all). It locks the accounts it touches (PostgreSQL: row locks in id
order, so two postings never deadlock; SQLite: the IMMEDIATE transaction already holds the
write lock), refuses an unbalanced set of legs, and refuses any posting that would take a
non-negative account (client credit, a gift card, a package, ...) below zero — so two
redemptions racing for the last balance cannot overspend it. `correlation_key` is unique:
posting the same event twice returns the first transaction and moves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ..errors import InsufficientFunds, UnbalancedTransaction
from ..models import Account, LedgerEntry, LedgerTransaction

Kind = Account.Kind


def account_key(kind: str, currency: str, owner: str = "platform") -> str:
    return f"{kind}:{owner}:{currency}"


def account(
    kind: str,
    currency: str,
    *,
    user=None,
    coach=None,
    owner: str | None = None,
) -> Account:
    """The account of this kind and currency for its owner, created on first use.

    `owner` names what the account belongs to when it is not a user or coach ("card:5",
    "package:9", "payment:12", "stripe"); platform accounts have none.
    """
    if owner is None:
        if coach is not None:
            owner = f"coach:{coach.pk}"
        elif user is not None:
            owner = f"user:{user.pk}"
        else:
            owner = "platform"
    key = account_key(kind, currency, owner)
    found = Account.objects.filter(key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(
                key=key, kind=kind, currency=currency, user=user, coach=coach
            )
    except IntegrityError:  # made by a concurrent first use
        return Account.objects.get(key=key)


def post(
    *,
    reason: str,
    correlation_key: str,
    legs: Sequence[tuple[Account, int]],
    payment=None,
    booking=None,
    actor=None,
    memo: str = "",
    now: datetime | None = None,
) -> LedgerTransaction:
    """Post one balanced transaction. Legs are (account, signed minor units: + debit)."""
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.post must run inside the caller's transaction")
    existing = LedgerTransaction.objects.filter(correlation_key=correlation_key).first()
    if existing is not None:
        return existing
    netted: dict[int, int] = defaultdict(int)
    by_id: dict[int, Account] = {}
    per_currency: dict[str, int] = defaultdict(int)
    for acct, amount in legs:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise UnbalancedTransaction(f"amounts are integer minor units, not {type(amount)}")
        netted[acct.pk] += amount
        by_id[acct.pk] = acct
        per_currency[acct.currency] += amount
    unbalanced = {cur: total for cur, total in per_currency.items() if total != 0}
    if unbalanced:
        raise UnbalancedTransaction(f"{reason}: legs do not sum to zero: {unbalanced}")
    moving = {pk: amount for pk, amount in netted.items() if amount != 0}
    if not moving:
        raise UnbalancedTransaction(f"{reason}: nothing moves")
    _lock(sorted(moving))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                correlation_key=correlation_key,
                reason=reason,
                memo=memo[:300],
                payment=payment,
                booking=booking,
                actor=actor,
                created_at=now,
            )
    except IntegrityError:  # the same event posted concurrently; it holds the first
        return LedgerTransaction.objects.get(correlation_key=correlation_key)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=txn,
                account=by_id[pk],
                amount=amount,
                currency=by_id[pk].currency,
                reason=reason,
                created_at=now,
            )
            for pk, amount in moving.items()
        ]
    )
    guarded = [by_id[pk] for pk in moving if not by_id[pk].may_go_negative]
    if guarded:
        after = balances(guarded)
        short = [acct for acct in guarded if after[acct.pk] < 0]
        if short:
            raise InsufficientFunds(fields={"amount": [f"not enough balance on {short[0].kind}"]})
    return txn


def lock_accounts(account_ids: list[int]) -> None:
    """Lock these accounts (in id order) before reading a balance to move it whole."""
    _lock(sorted(account_ids))


def _lock(account_ids: list[int]) -> None:
    if connection.vendor == "postgresql":
        list(
            Account.objects.select_for_update()
            .filter(pk__in=account_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def natural(acct: Account, raw_sum: int) -> int:
    return raw_sum if acct.debit_normal else -raw_sum


def balance(acct: Account) -> int:
    """The account's natural balance (what is held, owed or earned), in minor units."""
    raw = LedgerEntry.objects.filter(account=acct).aggregate(s=Sum("amount"))["s"] or 0
    return natural(acct, int(raw))


def balances(accounts: Iterable[Account]) -> dict[int, int]:
    accounts = list(accounts)
    sums = dict(
        LedgerEntry.objects.filter(account__in=accounts)
        .values("account")
        .annotate(s=Sum("amount"))
        .values_list("account", "s")
    )
    return {acct.pk: natural(acct, int(sums.get(acct.pk) or 0)) for acct in accounts}


def balance_of(kind: str, currency: str, **owner) -> int:
    """The balance of an account that may not exist yet (0 then); creates nothing."""
    if "owner" in owner:
        key = account_key(kind, currency, owner["owner"])
    elif "coach" in owner:
        key = account_key(kind, currency, f"coach:{owner['coach'].pk}")
    elif "user" in owner:
        key = account_key(kind, currency, f"user:{owner['user'].pk}")
    else:
        key = account_key(kind, currency)
    acct = Account.objects.filter(key=key).first()
    return balance(acct) if acct else 0
