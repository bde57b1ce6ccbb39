"""What is left of a programme's budget: the ledger's answer, never a number stored in orgs.

Payments owns the budget account (`sponsor_budget`, owner `programme.budget_owner`) and its
selector `tandem.payments.sponsors.selectors.budget(owner, currency)`. Until that selector
exists this reads the same account's balance straight from the ledger's public helper.
"""

from __future__ import annotations

from ..models import Programme

try:  # payments' own selector (issue 18, payments/sponsors)
    from tandem.payments.sponsors.selectors import budget as _budget
except ImportError:  # pragma: no cover - until payments/sponsors/selectors lands
    _budget = None

SPONSOR_BUDGET = "sponsor_budget"


def budget_left(programme: Programme) -> int:
    """The programme's budget still unspent, in minor units of its currency."""
    if _budget is not None:
        return int(_budget(programme.budget_owner, programme.currency).balance)
    from tandem.payments.ledger.services import balance_of

    return balance_of(SPONSOR_BUDGET, programme.currency, owner=programme.budget_owner)
