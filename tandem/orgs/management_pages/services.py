"""Writes of organisation management (issue 18): staff create an organisation with its first
admin and add or remove admins later; an organisation's admins set their members' reminder
schedule. Every write is one transaction and raises ServiceErrors (nothing changes then).

The first admin is an existing account, found by email: staff ask the person to sign up
first (an invitation by email would create accounts from the staff page, which nothing
else on the platform does). An organisation always keeps at least one admin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.accounts.selectors import active_user_with_email
from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.core.ids import parse_id
from tandem.core.text import clean_text
from tandem.notifications.models import ReminderSchedule
from tandem.notifications.services.schedules import schedule_set

from ..models import Membership, Organisation

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


class OrganisationNotFound(NotFound):
    """No such organisation."""

    code = "organisation_not_found"


class SlugTaken(Conflict):
    """Another organisation already has this short name."""

    code = "slug_taken"


class NoSuchAccount(InvalidInput):
    """There is no account with this email address: ask them to sign up first."""

    code = "no_such_account"


class LastAdmin(Conflict):
    """An organisation keeps at least one admin: add another before removing this one."""

    code = "last_admin"


class NotAnAdmin(NotFound):
    """This person is not an admin of the organisation."""

    code = "not_an_admin"


def _slug(value: Any) -> str:
    slug = clean_text(str(value), field="slug", max_length=80, required=True).lower()
    if not SLUG.match(slug):
        raise InvalidInput(
            "Use lower-case letters, digits and hyphens (e.g. “northwind”).",
            fields={"slug": ["Use lower-case letters, digits and hyphens (e.g. “northwind”)."]},
        )
    return slug


def _account(email: Any, *, field: str = "admin_email") -> Any:
    text = clean_text(str(email), field=field, max_length=254, required=True).lower()
    try:
        validate_email(text)
    except ValidationError:
        raise InvalidInput(
            "Enter a valid email address.", fields={field: ["Enter a valid email address."]}
        ) from None
    user = active_user_with_email(text)
    if user is None:
        message = NoSuchAccount.__doc__ or ""
        raise NoSuchAccount(fields={field: [" ".join(message.split())]})
    return user


def organisation_create(*, name: Any, slug: Any, admin_email: Any, now: Any = None) -> Organisation:
    """A new organisation with its first admin (an existing account)."""
    clean_name = clean_text(str(name), field="name", max_length=200, required=True)
    clean_slug = _slug(slug)
    admin = _account(admin_email)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            org = Organisation.objects.create(name=clean_name, slug=clean_slug, created_at=now)
            Membership.objects.create(
                organisation=org, user=admin, role=Membership.Role.ADMIN, created_at=now
            )
    except IntegrityError:
        raise SlugTaken(fields={"slug": [" ".join((SlugTaken.__doc__ or "").split())]}) from None
    return org


def _organisation(public_id: Any, *, lock: bool = False) -> Organisation:
    pid = parse_id(public_id)
    rows = Organisation.objects.filter(public_id=pid) if pid else Organisation.objects.none()
    if lock:
        rows = rows.select_for_update()
    org = rows.first()
    if org is None:
        raise OrganisationNotFound()
    return org


def admin_add(*, organisation_id: Any, email: Any, now: Any = None) -> Membership:
    """Make the account with `email` an admin (a member becomes an admin; adding an admin
    again changes nothing)."""
    user = _account(email, field="email")
    with transaction.atomic():
        org = _organisation(organisation_id, lock=True)
        membership, created = Membership.objects.get_or_create(
            organisation=org,
            user=user,
            defaults={"role": Membership.Role.ADMIN, "created_at": now or timezone.now()},
        )
        if not created and membership.role != Membership.Role.ADMIN:
            membership.role = Membership.Role.ADMIN
            membership.save(update_fields=["role"])
    return membership


def admin_remove(*, organisation_id: Any, user_id: Any) -> None:
    """Remove an admin (their membership goes); never the last one."""
    uid = parse_id(user_id)
    with transaction.atomic():
        org = _organisation(organisation_id, lock=True)  # one remover at a time
        admins = list(
            Membership.objects.filter(organisation=org, role=Membership.Role.ADMIN).values_list(
                "pk", "user__public_id"
            )
        )
        target = next((pk for pk, public in admins if uid is not None and public == uid), None)
        if target is None:
            raise NotAnAdmin()
        if len(admins) == 1:
            raise LastAdmin()
        Membership.objects.filter(pk=target).delete()


def reminders_set(
    *, organisation: Organisation, client_offsets: Iterable[int] | None
) -> ReminderSchedule:
    """The organisation's lead times for its members' sessions (None: the platform default;
    [] : no reminders). Validation is the notifications service's, as for a coach."""
    return schedule_set(
        organisation=organisation,
        client_offsets=None if client_offsets is None else list(client_offsets),
    )
