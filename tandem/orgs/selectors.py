"""Reads for organisation admins. Aggregate-only (DESIGN: privacy tiers): every figure is
over at least MIN_GROUP members, never a name next to a session fact, never any text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q

from tandem.booking.models import Booking

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
    figures: dict[int, dict[str, int]] = {}
    if shown:
        # One filter() call: the membership conditions apply to the same membership row.
        rows = (
            Booking.objects.filter(
                client__memberships__organisation__in=shown,
                client__memberships__role=Membership.Role.MEMBER,
                created_at__gte=F("client__memberships__created_at"),
            )
            .values("client__memberships__organisation")
            .annotate(
                held=Count(
                    "pk",
                    filter=Q(status=Booking.Status.COMPLETED)
                    | Q(status=Booking.Status.CONFIRMED, end__lte=now),
                ),
                upcoming=Count("pk", filter=Q(status__in=Booking.ACTIVE_STATUSES, end__gt=now)),
            )
            .order_by()
        )
        figures = {row["client__memberships__organisation"]: row for row in rows}
    return [
        OrgUsage(
            name=org.name,
            members=org.members,
            suppressed=org.pk not in shown,
            sessions_held=figures.get(org.pk, {}).get("held", 0) if org.pk in shown else None,
            sessions_upcoming=figures.get(org.pk, {}).get("upcoming", 0)
            if org.pk in shown
            else None,
        )
        for org in orgs
    ]
