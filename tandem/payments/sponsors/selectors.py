"""A sponsored programme's budget as figures, derived from the ledger (never stored).

Per budget account (`sponsor_budget`, owner "programme:<pk>"), by the reason of the posting:

- funded: credited by fundings (`sponsor_fund`);
- drawn: debited by the sessions it covered (`payment_take`);
- returned: credited back by cancellations (`refund`, `payment_release`);
- spent = drawn - returned;
- closed: moved to the organisation's credit when the programme ended (`sponsor_close`);
- balance = funded - spent - closed (= the account's natural balance);
- invoiced_unpaid: fundings by invoice not paid yet (the organisation's receivable).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from ..ledger import accounts
from ..ledger.services import account_key
from ..models import Account, LedgerEntry, SponsorFunding

FUNDED = ("sponsor_fund",)
DRAWN = ("payment_take",)
RETURNED = ("refund", "payment_release")
CLOSED = ("sponsor_close",)


@dataclass(frozen=True, slots=True)
class BudgetFigures:
    """Minor units of the budget's currency."""

    funded: int = 0
    spent: int = 0  # drawn by sessions, net of what cancellations gave back
    returned: int = 0  # given back by cancellations
    balance: int = 0  # what is left to spend
    invoiced_unpaid: int = 0  # funded by invoices the organisation has not paid yet
    closed: int = 0  # moved to the organisation's credit when the programme ended
    drawn: int = 0  # drawn by sessions (before returns)


def _figures(by_reason: dict[str, int], unpaid: int) -> BudgetFigures:
    # Entries are signed (+ debit); the budget is credit-normal.
    funded = -sum(by_reason.get(r, 0) for r in FUNDED)
    drawn = sum(by_reason.get(r, 0) for r in DRAWN)
    returned = -sum(by_reason.get(r, 0) for r in RETURNED)
    closed = sum(by_reason.get(r, 0) for r in CLOSED)
    balance = -sum(by_reason.values())
    return BudgetFigures(
        funded=funded,
        spent=drawn - returned,
        returned=returned,
        balance=balance,
        invoiced_unpaid=unpaid,
        closed=closed,
        drawn=drawn,
    )


def budgets(owners: list[str], currency: str) -> dict[str, BudgetFigures]:
    """Every budget's figures in two queries, whatever the number of budgets."""
    owners = list(dict.fromkeys(owners))
    if not owners:
        return {}
    keys = {account_key(Account.Kind.SPONSOR_BUDGET, currency, owner): owner for owner in owners}
    sums: dict[str, dict[str, int]] = defaultdict(dict)
    # By the entries' own copy of their transaction's reason: an index-only scan of
    # (account, reason, amount), not a lookup of each entry's transaction (55,000 for a
    # programme of 50,000 sessions: 47 -> 13 ms on PostgreSQL, 34 -> 4 ms on SQLite).
    rows = (
        LedgerEntry.objects.filter(account__key__in=list(keys))
        .values_list("account__key", "reason")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for key, reason, total in rows:
        sums[keys[key]][reason] = sums[keys[key]].get(reason, 0) + int(total or 0)
    unpaid = dict(
        SponsorFunding.objects.filter(
            budget_owner__in=owners,
            currency=currency,
            status=SponsorFunding.Status.INVOICED,
        )
        .values("budget_owner")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("budget_owner", "total")
    )
    return {owner: _figures(sums.get(owner, {}), int(unpaid.get(owner) or 0)) for owner in owners}


def budget(budget_owner: str, currency: str) -> BudgetFigures:
    """One programme's budget figures (two queries)."""
    return budgets([budget_owner], currency)[budget_owner]


def org_credit_balance(org_owner: str, currency: str) -> int:
    """The organisation's credit: what its ended programmes left unspent, less what it used."""
    return accounts.org_credit_balance(org_owner, currency)


def org_receivable_balance(org_owner: str, currency: str) -> int:
    """What the organisation owes on programme invoices not paid yet."""
    return accounts.org_receivable_balance(org_owner, currency)


def fundings(budget_owner: str, *, limit: int = 200) -> list[SponsorFunding]:
    """The budget's fundings, newest first (the history list)."""
    return list(
        SponsorFunding.objects.filter(budget_owner=budget_owner).select_related("created_by")[
            :limit
        ]
    )


def card_funding(budget_owner: str, funding_id: object) -> SponsorFunding | None:
    """One card funding of this budget, with its payment (None: unknown, another budget's,
    or not a card funding)."""
    try:
        public_id = uuid.UUID(str(funding_id))
    except (ValueError, TypeError, AttributeError):
        return None
    return (
        SponsorFunding.objects.select_related("payment")
        .filter(budget_owner=budget_owner, public_id=public_id, method=SponsorFunding.Method.CARD)
        .first()
    )
