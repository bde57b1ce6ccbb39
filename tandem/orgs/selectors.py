"""Reads for organisation admins. Aggregate-only (DESIGN: privacy tiers): every figure is
over at least MIN_GROUP members, never a name next to a session fact, never any text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q

from tandem.booking.selectors import SessionCounts, session_counts_by

from .models import Membership, Organisation

# Below this many members an organisation's figures could point at a person: not shown.
MIN_GROUP = 5


@dataclass(frozen=True)
class OrgUsage:
    name: str
    members: int
    suppressed: bool  # fewer than MIN_GROUP members: no session figures at all
    sessions_held: int | None  # completed, or confirmed and over
    sessions_upcoming: int | None  # confirmed or awaiting confirmation, not over yet


def administers_an_organisation(user_ref: OuterRef) -> Exists:
    """True for a user row that is an admin of at least one organisation (the org admin role,
    registered with accounts in OrgsConfig.ready)."""
    return Exists(Membership.objects.filter(user=user_ref, role=Membership.Role.ADMIN))


def usage_for_admin(user: Any, now: datetime) -> list[OrgUsage]:
    """Each organisation `user` administers, with its members' sessions since they joined.

    Two queries whatever the number of organisations, members or bookings (one when no
    organisation has enough members to show figures).
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
    return [
        OrgUsage(
            name=org.name,
            members=org.members,
            suppressed=org.pk not in shown,
            sessions_held=figures.get(org.pk, none).held if org.pk in shown else None,
            sessions_upcoming=figures.get(org.pk, none).upcoming if org.pk in shown else None,
        )
        for org in orgs
    ]
