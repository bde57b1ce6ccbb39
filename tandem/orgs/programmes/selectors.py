"""Reads for the sponsor admin's organisation and programme pages. Programmes are reached
through the access gate (orgs/access.py) only; budgets are the ledger's figures
(payments.sponsors.selectors), never a stored number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, Specialty
from tandem.payments.ledger.money import format_minor
from tandem.payments.sponsors import selectors as budget_selectors
from tandem.payments.sponsors.selectors import BudgetFigures

from .. import access
from ..models import Organisation, Participant, Programme


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    seats_used: int  # active + paused
    invited: int  # open invitations
    budget: BudgetFigures

    def money(self, amount: int) -> str:
        return format_minor(amount, self.programme.currency)

    @property
    def formatted(self) -> dict[str, str]:
        """The budget's figures written with their currency, for templates."""
        b = self.budget
        return {
            "balance": self.money(b.balance),
            "funded": self.money(b.funded),
            "spent": self.money(b.spent),
            "returned": self.money(b.returned),
            "invoiced_unpaid": self.money(b.invoiced_unpaid),
            "closed": self.money(b.closed),
        }


def organisations_for_admin(user: Any) -> list[Organisation]:
    return list(access.administered(user).order_by("name", "pk"))


def _with_counts(rows: QuerySet[Programme]) -> QuerySet[Programme]:
    return rows.prefetch_related("coaches", "specialties").annotate(
        seats_used=Count("participants", filter=Q(participants__status__in=Participant.SEATED)),
        invited_count=Count(
            "participants", filter=Q(participants__status=Participant.Status.INVITED)
        ),
    )


def budgets_of(programmes: list[Programme]) -> dict[int, BudgetFigures]:
    """Each programme's budget figures: two queries per currency in use."""
    by_currency: dict[str, list[Programme]] = defaultdict(list)
    for programme in programmes:
        by_currency[programme.currency].append(programme)
    out: dict[int, BudgetFigures] = {}
    for currency, group in by_currency.items():
        figures = budget_selectors.budgets([p.budget_owner for p in group], currency)
        for programme in group:
            out[programme.pk] = figures[programme.budget_owner]
    return out


def programmes_of(organisation: Organisation) -> list[ProgrammeRow]:
    """The organisation's programmes, active first then the latest, with seats used and
    the budget left (a constant number of queries per currency)."""
    programmes = list(
        _with_counts(Programme.objects.filter(organisation=organisation)).order_by(
            "status", "-starts_on", "name", "pk"
        )
    )
    figures = budgets_of(programmes)
    return [
        ProgrammeRow(
            programme=p,
            seats_used=p.seats_used,  # type: ignore[attr-defined]
            invited=p.invited_count,  # type: ignore[attr-defined]
            budget=figures[p.pk],
        )
        for p in programmes
    ]


def programme_row(programme: Programme) -> ProgrammeRow:
    counted = _with_counts(Programme.objects.filter(pk=programme.pk)).get()
    counted.organisation = programme.organisation
    return ProgrammeRow(
        programme=counted,
        seats_used=counted.seats_used,  # type: ignore[attr-defined]
        invited=counted.invited_count,  # type: ignore[attr-defined]
        budget=budget_selectors.budget(programme.budget_owner, programme.currency),
    )


def fundings_of(programme: Programme) -> list[Any]:
    return budget_selectors.fundings(programme.budget_owner)


def org_credit(programme: Programme) -> int:
    return budget_selectors.org_credit_balance(f"org:{programme.organisation_id}",
                                               programme.currency)  # fmt: skip


def verified_coaches() -> QuerySet[CoachProfile]:
    """Coaches a programme may list: verified and active."""
    return (
        coach_selectors.verified_coaches()
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


def all_specialties() -> QuerySet[Specialty]:
    return coach_selectors.specialties()
