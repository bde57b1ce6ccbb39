"""Reads for organisation admins. Aggregate-only (DESIGN: privacy tiers): every figure is
over at least MIN_GROUP members, never a name next to a session fact, never any text."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q

from tandem.booking.selectors import SessionCounts, session_counts_by
from tandem.payments.ledger.money import format_minor
from tandem.payments.sponsors.selectors import budgets

from .models import Membership, Organisation, Participant, Programme

# Below this many members an organisation's figures could point at a person: not shown.
MIN_GROUP = 5


@dataclass(frozen=True)
class RunningProgramme:
    """A running programme on its admins' home dashboard: seats and money, nothing per person."""

    public_id: UUID
    name: str
    starts_on: date
    ends_on: date
    seats: int
    seats_used: int | None  # None: fewer than MIN_GROUP participants hold a seat
    budget_remaining: str  # formatted with its currency
    budget_spent: str


@dataclass(frozen=True)
class OrgUsage:
    name: str
    members: int
    suppressed: bool  # fewer than MIN_GROUP members: no session figures at all
    sessions_held: int | None  # completed, or confirmed and over
    sessions_upcoming: int | None  # confirmed or awaiting confirmation, not over yet
    public_id: UUID | None = None
    programmes: list[RunningProgramme] = field(default_factory=list)


def running_programmes(org_ids: list[int]) -> dict[int, list[RunningProgramme]]:
    """The organisations' programmes not ended, each with its seats used (a count of people:
    shown from MIN_GROUP) and budget (payments' ledger figures). One query, plus two per
    currency in use (budgets), whatever the number of programmes or participants."""
    if not org_ids:
        return {}
    rows = list(
        Programme.objects.filter(organisation_id__in=org_ids, status=Programme.Status.ACTIVE)
        .annotate(used=Count("participants", filter=Q(participants__status__in=Participant.SEATED)))
        .order_by("ends_on", "name", "pk")
    )
    by_currency: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_currency[row.currency].append(row.budget_owner)
    figures = {
        (currency, owner): value
        for currency, owners in by_currency.items()
        for owner, value in budgets(owners, currency).items()
    }
    found: dict[int, list[RunningProgramme]] = defaultdict(list)
    for row in rows:
        money = figures[(row.currency, row.budget_owner)]
        found[row.organisation_id].append(
            RunningProgramme(
                public_id=row.public_id,
                name=row.name,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                seats=row.seats,
                seats_used=row.used if row.used >= MIN_GROUP or row.used == 0 else None,
                budget_remaining=format_minor(money.balance, row.currency),
                budget_spent=format_minor(money.spent, row.currency),
            )
        )
    return found


def administers_an_organisation(user_ref: OuterRef) -> Exists:
    """True for a user row that is an admin of at least one organisation (the org admin role,
    registered with accounts in OrgsConfig.ready)."""
    return Exists(Membership.objects.filter(user=user_ref, role=Membership.Role.ADMIN))


def usage_for_admin(user: Any, now: datetime) -> list[OrgUsage]:
    """Each organisation `user` administers, with its members' sessions since they joined.

    Two queries whatever the number of organisations, members or bookings (one when no
    organisation has enough members to show figures), plus the running programmes' (see
    running_programmes).
    """
    orgs = list(
        Organisation.objects.filter(
            Exists(
                Membership.objects.filter(
                    organisation=OuterRef("pk"), user=user, role=Membership.Role.ADMIN
                )
            )
        )
        .annotate(members=Count("memberships", filter=Q(memberships__role=Membership.Role.MEMBER)))
        .order_by("name", "pk")
    )
    shown = [org.pk for org in orgs if org.members >= MIN_GROUP]
    figures: dict[int, SessionCounts] = {}
    if shown:
        # Each member's bookings since they joined, per organisation: one condition set, so
        # the membership conditions apply to the same membership row.
        figures = session_counts_by(
            group_by="client__memberships__organisation",
            where=Q(
                client__memberships__organisation__in=shown,
                client__memberships__role=Membership.Role.MEMBER,
                created_at__gte=F("client__memberships__created_at"),
            ),
            now=now,
        )
    none = SessionCounts(held=0, upcoming=0)
    programmes = running_programmes([org.pk for org in orgs])
    return [
        OrgUsage(
            name=org.name,
            members=org.members,
            suppressed=org.pk not in shown,
            sessions_held=figures.get(org.pk, none).held if org.pk in shown else None,
            sessions_upcoming=figures.get(org.pk, none).upcoming if org.pk in shown else None,
            public_id=org.public_id,
            programmes=programmes.get(org.pk, []),
        )
        for org in orgs
    ]
