"""What is left of a programme's budget: the ledger's answer (payments' budget selector),
never a number stored in orgs."""

from __future__ import annotations

from tandem.payments.sponsors.selectors import budget

from ..models import Programme


def budget_left(programme: Programme) -> int:
    """The programme's budget still unspent, in minor units of its currency."""
    return int(budget(programme.budget_owner, programme.currency).balance)
