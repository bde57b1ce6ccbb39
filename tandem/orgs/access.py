"""The one gate for every organisation object (issue 18).

An object is found only through a role its viewer holds: an organisation's admins reach
its programmes, participants and jobs; a participant reaches their own seat. Everyone
else, staff and coaches included, gets None, which pages and the API answer with the same
404 as an unknown id. Staff manage organisations themselves (management_pages) but reach
no programme through this gate.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from .models import Membership, Organisation, Participant, Programme, ProgrammeJob


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _admin_of(user: Any, org_ref: Any) -> Exists:
    return Exists(
        Membership.objects.filter(organisation=org_ref, user_id=user.pk, role=Membership.Role.ADMIN)
    )


def administered(user: Any) -> QuerySet[Organisation]:
    """The organisations `user` is an admin of."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(_admin_of(user, OuterRef("pk")))


def organisation_for_admin(user: Any, public_id: Any) -> Organisation | None:
    pid = _uuid(public_id)
    if pid is None:
        return None
    return administered(user).filter(public_id=pid).first()


def programmes_for_admin(user: Any) -> QuerySet[Programme]:
    if not getattr(user, "is_authenticated", False):
        return Programme.objects.none()
    return Programme.objects.filter(_admin_of(user, OuterRef("organisation_id")))


def programme_for_admin(user: Any, public_id: Any, *, for_update: bool = False) -> Programme | None:
    pid = _uuid(public_id)
    if pid is None:
        return None
    rows = programmes_for_admin(user).select_related("organisation").filter(public_id=pid)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.first()


def participant_for_admin(user: Any, public_id: Any) -> Participant | None:
    pid = _uuid(public_id)
    if pid is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Participant.objects.select_related("programme__organisation")
        .filter(public_id=pid)
        .filter(_admin_of(user, OuterRef("programme__organisation_id")))
        .first()
    )


def job_for_admin(user: Any, public_id: Any) -> ProgrammeJob | None:
    pid = _uuid(public_id)
    if pid is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        ProgrammeJob.objects.select_related("programme__organisation")
        .filter(public_id=pid)
        .filter(_admin_of(user, OuterRef("programme__organisation_id")))
        .first()
    )


def own_seats(user: Any) -> QuerySet[Participant]:
    """The participant's own places in programmes (any status but removed)."""
    if not getattr(user, "is_authenticated", False):
        return Participant.objects.none()
    return (
        Participant.objects.select_related("programme__organisation", "coach__user")
        .filter(user_id=user.pk)
        .exclude(status=Participant.Status.REMOVED)
    )


def own_seat(user: Any, public_id: Any) -> Participant | None:
    pid = _uuid(public_id)
    if pid is None:
        return None
    return own_seats(user).filter(public_id=pid).first()
