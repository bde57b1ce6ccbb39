"""Reads of organisation management: staff's list of every organisation (figures counted in
one query, never per row), an organisation's admins, an organisation's reminder schedule,
and the navigation's one query (the organisations a user administers, and whether they hold
a programme seat)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from tandem.accounts.selectors import users_with_pk
from tandem.core.ids import parse_id
from tandem.notifications.selectors import organisation_reminder_offsets
from tandem.notifications.services.schedules import default_offsets

from ..access import administered
from ..models import Membership, Organisation, Participant, Programme


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("organisation_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _figures(rows: QuerySet[Organisation]) -> QuerySet[Organisation]:
    ref = OuterRef("pk")
    return rows.annotate(
        admin_count=_count(Membership.objects.filter(organisation=ref, role=Membership.Role.ADMIN)),
        member_count=_count(
            Membership.objects.filter(organisation=ref, role=Membership.Role.MEMBER)
        ),
        programme_count=_count(Programme.objects.filter(organisation=ref)),
    )


def organisations_for_staff(query: str = "") -> QuerySet[Organisation]:
    """Every organisation with its admins', members' and programmes' counts (one query)."""
    rows = Organisation.objects.all()
    query = query.replace("\x00", "").strip()[:200]
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(slug__icontains=query.lower()))
    return _figures(rows).order_by("name", "pk")


def organisation_for_staff(public_id: Any) -> Organisation | None:
    pid = parse_id(public_id)
    if pid is None:
        return None
    return _figures(Organisation.objects.filter(public_id=pid)).first()


def admins_of(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN)
        .select_related("user")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class OrgReminders:
    offsets: list[int] | None  # the organisation's own; None: the platform default
    default: tuple[int, ...]

    @property
    def effective(self) -> tuple[int, ...]:
        return tuple(self.offsets) if self.offsets is not None else self.default


def reminders_of(organisation: Organisation) -> OrgReminders:
    offsets = organisation_reminder_offsets(organisation.pk)
    return OrgReminders(offsets=offsets, default=default_offsets()["client"])


@dataclass(frozen=True, slots=True)
class NavOrgs:
    organisations: list[tuple[str, str]]  # (public id, name) of those the user administers
    holds_seat: bool  # a place in a programme (any status but removed), or an invitation


def nav_orgs(user: Any, *, is_org_admin: bool) -> NavOrgs:
    """What the navigation needs, in one query whatever the user holds."""
    # A place in a programme, or an invitation to one waiting at the account's address
    # (/programmes/ lists those too).
    mine = Q(user_id=user.pk) & ~Q(status=Participant.Status.REMOVED)
    email = (getattr(user, "email", "") or "").lower()
    invited = Q(email=email, status=Participant.Status.INVITED) if email else Q(pk__in=[])
    seat = Exists(Participant.objects.filter(mine | invited))
    if is_org_admin:
        rows = list(
            administered(user)
            .annotate(seat=seat)
            .order_by("name", "pk")
            .values_list("public_id", "name", "seat")[:20]
        )
        if rows:
            return NavOrgs([(str(pid), name) for pid, name, _ in rows], bool(rows[0][2]))
        return NavOrgs([], False)  # pragma: no cover - the role says there is one
    holds = users_with_pk(user.pk).annotate(seat=seat).values_list("seat", flat=True).first()
    return NavOrgs([], bool(holds))
