"""API of organisation management (mounted under /api/v1/ by tandem/orgs/api.py).

/orgs/staff/organisations...: staff only (anyone else: 404 like an unknown route's object).
/orgs/organisations/{org_id}/reminders: the organisation's admins only (others: 404, as for
an unknown id). Thin: parse, authorise, call one service, present.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from tandem.core.errors import NotFound
from tandem.core.schemas import ErrorOut, InputSchema
from tandem.workspace.services.idempotency import once

from .. import access
from ..models import Organisation
from . import selectors, services

router = Router(tags=["organisations: management"])

STAFF = "Staff only: anyone else gets 404. "
ADMINS = (
    "The organisation's admins only: anyone else (staff, coaches, other organisations' "
    "admins) gets 404 exactly like an unknown id. "
)


class OrgAdminOut(Schema):
    id: UUID = Field(description="The admin's account (public id).")
    name: str = Field(description="Display name.")
    email: str = Field(description="Email address.")


class StaffOrganisationOut(Schema):
    id: UUID = Field(description="The organisation's public id.")
    name: str
    slug: str = Field(description="Unique short name.")
    admins: int = Field(description="How many admins it has.")
    members: int = Field(description="How many members (not admins) it has.")
    programmes: int = Field(description="How many programmes it has run or runs.")
    created_at: datetime


class StaffOrganisationDetailOut(StaffOrganisationOut):
    admin_list: list[OrgAdminOut] = Field(description="Its admins, oldest first.")


class StaffOrganisationListOut(Schema):
    items: list[StaffOrganisationOut]
    total: int = Field(description="How many match in all.")


class StaffOrganisationListQuery(Schema):
    q: str = Field(default="", max_length=200, description="Part of the name or short name.")
    limit: int = Field(default=50, ge=1, le=200, description="At most this many (by name).")
    offset: int = Field(default=0, ge=0, le=1_000_000)


class StaffOrganisationIn(InputSchema):
    name: str = Field(max_length=200, description="The organisation's name.")
    slug: str = Field(max_length=80, description="Unique short name: a-z, 0-9 and hyphens.")
    admin_email: str = Field(
        max_length=254, description="The first admin: the email of an existing account."
    )


class OrgAdminIn(InputSchema):
    email: str = Field(max_length=254, description="The email of an existing account.")


class OrgRemindersOut(Schema):
    client_offsets: list[int] = Field(
        description="Minutes before a session the organisation's members are reminded."
    )
    client_default: bool = Field(description="The platform default applies (none set).")


class OrgRemindersIn(InputSchema):
    client_offsets: list[int] | None = Field(
        description="Lead times in minutes (1 to 43200, at most 10); [] for none; null: "
        "the platform default."
    )


def _staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise NotFound()


def _org_body(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.public_id,
        "name": org.name,
        "slug": org.slug,
        "admins": org.admin_count,  # type: ignore[attr-defined]
        "members": org.member_count,  # type: ignore[attr-defined]
        "programmes": org.programme_count,  # type: ignore[attr-defined]
        "created_at": org.created_at,
    }


def _detail(public_id: Any) -> dict[str, Any]:
    org = selectors.organisation_for_staff(public_id)
    if org is None:
        raise services.OrganisationNotFound()
    admins = [
        {"id": m.user.public_id, "name": m.user.name, "email": m.user.email}
        for m in selectors.admins_of(org)
    ]
    return {**_org_body(org), "admin_list": admins}


@router.get(
    "/orgs/staff/organisations",
    response={200: StaffOrganisationListOut, 404: ErrorOut},
    summary="Every organisation (staff)",
    description=STAFF + "With counts of admins, members and programmes, by name.",
)
def list_organisations(
    request: HttpRequest, query: Query[StaffOrganisationListQuery]
) -> dict[str, Any]:
    _staff(request)
    rows = selectors.organisations_for_staff(query.q)
    items = [_org_body(o) for o in rows[query.offset : query.offset + query.limit]]
    return {"items": items, "total": rows.count()}


@router.post(
    "/orgs/staff/organisations",
    response={
        200: StaffOrganisationDetailOut,
        201: StaffOrganisationDetailOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="Create an organisation with its first admin (staff)",
    description=STAFF + "The first admin is an existing account (400 `no_such_account` "
    "otherwise: ask them to sign up first). A short name already used is 409 `slug_taken`. "
    "`Idempotency-Key`: the same key and body again returns the first result (200, "
    "`Idempotent-Replayed: true`).",
)
def create_organisation(
    request: HttpRequest, response: HttpResponse, payload: StaffOrganisationIn
) -> Status[Any]:
    _staff(request)
    org, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="orgs.organisation",
        body=payload.model_dump(mode="json"),
        create=lambda: services.organisation_create(**payload.model_dump()),
        load=lambda public_id: Organisation.objects.filter(public_id=public_id).first(),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, _detail(org.public_id))


@router.get(
    "/orgs/staff/organisations/{org_id}",
    response=StaffOrganisationDetailOut,
    summary="One organisation with its admins (staff)",
    description=STAFF,
)
def get_organisation(request: HttpRequest, org_id: str) -> dict[str, Any]:
    _staff(request)
    return _detail(org_id)


@router.post(
    "/orgs/staff/organisations/{org_id}/admins",
    response={200: StaffOrganisationDetailOut},
    summary="Make an account an admin of the organisation (staff)",
    description=STAFF + "A member becomes an admin; an admin again changes nothing (so it is "
    "safe to repeat).",
)
def add_admin(request: HttpRequest, org_id: str, payload: OrgAdminIn) -> dict[str, Any]:
    _staff(request)
    services.admin_add(organisation_id=org_id, email=payload.email)
    return _detail(org_id)


@router.delete(
    "/orgs/staff/organisations/{org_id}/admins/{user_id}",
    response={204: None, 409: ErrorOut},
    summary="Remove an admin (staff)",
    description=STAFF + "Never the last one (409 `last_admin`). Their membership goes.",
)
def remove_admin(request: HttpRequest, org_id: str, user_id: str) -> Status[None]:
    _staff(request)
    services.admin_remove(organisation_id=org_id, user_id=user_id)
    return Status(204, None)


def _admin_org(request: HttpRequest, org_id: str) -> Organisation:
    org = access.organisation_for_admin(request.user, org_id)
    if org is None:
        raise services.OrganisationNotFound()
    return org


def _reminders(org: Organisation) -> dict[str, Any]:
    current = selectors.reminders_of(org)
    return {"client_offsets": list(current.effective), "client_default": current.offsets is None}


@router.get(
    "/orgs/organisations/{org_id}/reminders",
    response=OrgRemindersOut,
    summary="The organisation's reminder lead times for its members",
    description=ADMINS,
)
def get_reminders(request: HttpRequest, org_id: str) -> dict[str, Any]:
    return _reminders(_admin_org(request, org_id))


@router.put(
    "/orgs/organisations/{org_id}/reminders",
    response=OrgRemindersOut,
    summary="Set the organisation's reminder lead times for its members",
    description=ADMINS + "Minutes before a session (e.g. `[1440, 60]`); they win over the "
    "coach's for the organisation's members. Applies to sessions booked or moved from now on.",
)
def put_reminders(request: HttpRequest, org_id: str, payload: OrgRemindersIn) -> dict[str, Any]:
    org = _admin_org(request, org_id)
    services.reminders_set(organisation=org, client_offsets=payload.client_offsets)
    return _reminders(org)
