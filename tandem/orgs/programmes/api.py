"""/api/v1/orgs/... : the organisations an admin runs and their programmes (list, create,
get, change, end, fund). Thin: the access gate finds the object, one service changes it.

Anyone but the organisation's admins (staff, coaches, other organisations' admins) gets 404
for its organisations and programmes, like an unknown id. Money is in integer minor units
of the programme's currency, from the ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt, StrictStr

from tandem.core.errors import InvalidInput
from tandem.core.schemas import ErrorOut, InputSchema
from tandem.workspace.services.idempotency import once

from .. import access
from ..models import Organisation, Programme
from . import selectors, services

router = Router(tags=["organisations"])

NOT_YOURS = (
    "Only the organisation's admins reach it; anyone else (staff, coaches, other "
    "organisations' admins) gets 404, like an unknown id. "
)
IDEMPOTENT = (
    "`Idempotency-Key`: the same key and body again returns what the first request made (200, "
    "`Idempotent-Replayed: true`); another body answers 409 `idempotency_key_reused`. "
)
RULES = (
    "Rules: name 1-120 characters; `ends_on` on or after `starts_on` (a new programme may not "
    "end in the past); seats 1-100,000; sessions per participant 1-100; `coach_rule` `all`, "
    "`listed` (with `coaches`: verified coaches' ids) or `specialty` (with `specialties`: "
    "slugs); `location` `any`, `video` or `in_person`; `max_session_minutes` 15-480 or null; "
    "`join_domain` like `northwind.example` or empty. Every field's problem answers 400 with "
    "`fields`. "
)


class AdminOrganisationOut(Schema):
    id: UUID
    name: str


class AdminOrganisationListOut(Schema):
    items: list[AdminOrganisationOut]


class ProgrammeBudgetOut(Schema):
    currency: str
    funded: int = Field(description="Minor units put into the budget.")
    spent: int = Field(description="Drawn by sessions, net of what cancellations gave back.")
    balance: int = Field(description="Left to spend.")
    invoiced_unpaid: int
    closed: int = Field(description="Moved to the organisation's credit when it ended.")


class ProgrammeOut(Schema):
    id: UUID
    organisation: UUID
    name: str
    status: str
    starts_on: date
    ends_on: date
    seats: int
    seats_used: int = Field(description="Active and paused participants.")
    invited: int = Field(description="Open invitations (they hold no seat).")
    sessions_per_participant: int
    currency: str
    coach_rule: str
    coaches: list[UUID]
    specialties: list[str]
    max_session_minutes: int | None
    location: str
    join_domain: str
    survey_enabled: bool
    budget: ProgrammeBudgetOut
    created_at: datetime
    ended_at: datetime | None


class ProgrammeListOut(Schema):
    items: list[ProgrammeOut]


class ProgrammeIn(InputSchema):
    name: StrictStr = Field(max_length=1000)
    starts_on: date
    ends_on: date
    seats: StrictInt
    sessions_per_participant: StrictInt
    currency: StrictStr = Field(default="EUR", max_length=3)
    coach_rule: StrictStr = Field(default="all", max_length=10)
    coaches: list[StrictStr] = Field(default_factory=list, max_length=500)
    specialties: list[StrictStr] = Field(default_factory=list, max_length=500)
    max_session_minutes: StrictInt | None = None
    location: StrictStr = Field(default="any", max_length=10)
    join_domain: StrictStr = Field(default="", max_length=1000)
    survey_enabled: StrictBool = False


class ProgrammePatchIn(InputSchema):
    name: StrictStr | None = Field(default=None, max_length=1000)
    starts_on: date | None = None
    ends_on: date | None = None
    seats: StrictInt | None = None
    sessions_per_participant: StrictInt | None = None
    coach_rule: StrictStr | None = Field(default=None, max_length=10)
    coaches: list[StrictStr] | None = Field(default=None, max_length=500)
    specialties: list[StrictStr] | None = Field(default=None, max_length=500)
    max_session_minutes: StrictInt | None = None
    location: StrictStr | None = Field(default=None, max_length=10)
    join_domain: StrictStr | None = Field(default=None, max_length=1000)
    survey_enabled: StrictBool | None = None


class ProgrammeEndOut(Schema):
    programme: ProgrammeOut
    bookings_cancelled: int
    credit_moved: int | None = Field(description="Minor units moved to the organisation's credit.")


class ProgrammeFundIn(InputSchema):
    amount: StrictInt = Field(description="Minor units of the programme's currency (cents).")
    method: StrictStr = Field(max_length=20, description="`invoice` or `org_credit`.")


class ProgrammeFundingOut(Schema):
    id: UUID
    amount: int
    currency: str
    method: str
    status: str
    created_at: datetime


def programme_body(row: selectors.ProgrammeRow) -> dict[str, Any]:
    p = row.programme
    b = row.budget
    return {
        "id": p.public_id,
        "organisation": p.organisation.public_id,
        "name": p.name,
        "status": p.status,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "seats": p.seats,
        "seats_used": row.seats_used,
        "invited": row.invited,
        "sessions_per_participant": p.sessions_per_participant,
        "currency": p.currency,
        "coach_rule": p.coach_rule,
        "coaches": [c.public_id for c in p.coaches.all()],
        "specialties": [s.slug for s in p.specialties.all()],
        "max_session_minutes": p.max_session_minutes,
        "location": p.location,
        "join_domain": p.join_domain,
        "survey_enabled": p.survey_enabled,
        "budget": {
            "currency": p.currency,
            "funded": b.funded,
            "spent": b.spent,
            "balance": b.balance,
            "invoiced_unpaid": b.invoiced_unpaid,
            "closed": b.closed,
        },
        "created_at": p.created_at,
        "ended_at": p.ended_at,
    }


def _organisation(request: HttpRequest, org_id: str) -> Organisation:
    found = access.organisation_for_admin(request.user, org_id)
    if found is None:
        raise services.ProgrammeNotFound("No such organisation.", code="organisation_not_found")
    return found


def _programme(request: HttpRequest, programme_id: Any) -> Programme:
    found = access.programme_for_admin(request.user, programme_id)
    if found is None:
        raise services.ProgrammeNotFound()
    return found


def _fresh(request: HttpRequest, programme_id: Any) -> dict[str, Any]:
    return programme_body(selectors.programme_row(_programme(request, programme_id)))


@router.get(
    "/orgs/organisations",
    response=AdminOrganisationListOut,
    summary="Organisations I administer",
)
def list_organisations(request: HttpRequest) -> dict[str, Any]:
    orgs = selectors.organisations_for_admin(request.user)
    return {"items": [{"id": o.public_id, "name": o.name} for o in orgs]}


@router.get(
    "/orgs/organisations/{org_id}/programmes",
    response=ProgrammeListOut,
    summary="An organisation's programmes",
    description="Active first, with seats used and the budget's figures. " + NOT_YOURS,
)
def list_programmes(request: HttpRequest, org_id: str) -> dict[str, Any]:
    org = _organisation(request, org_id)
    rows = selectors.programmes_of(org)
    for row in rows:
        row.programme.organisation = org
    return {"items": [programme_body(row) for row in rows]}


@router.post(
    "/orgs/organisations/{org_id}/programmes",
    response={200: ProgrammeOut, 201: ProgrammeOut, 409: ErrorOut},
    summary="Create a programme",
    description=RULES + IDEMPOTENT + NOT_YOURS,
)
def create_programme(
    request: HttpRequest, response: HttpResponse, payload: ProgrammeIn, org_id: str
) -> Status[Any]:
    org = _organisation(request, org_id)
    values = payload.model_dump()
    made, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="orgs.programme",
        body={"organisation": str(org.public_id), **payload.model_dump(mode="json")},
        create=lambda: services.programme_create(
            organisation=org, values=values, actor=request.user, now=timezone.now()
        ),
        load=lambda public_id: access.programme_for_admin(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, _fresh(request, made.public_id))


@router.get(
    "/orgs/programmes/{programme_id}",
    response=ProgrammeOut,
    summary="A programme's settings",
    description="Its settings, seats and budget figures (the dashboard's figures are at "
    "`/orgs/programmes/{id}/report`). " + NOT_YOURS,
)
def get_programme(request: HttpRequest, programme_id: str) -> dict[str, Any]:
    return _fresh(request, programme_id)


@router.patch(
    "/orgs/programmes/{programme_id}",
    response={200: ProgrammeOut, 409: ErrorOut},
    summary="Change a programme",
    description="Only the fields sent change. The end date may only move later; the start "
    "date only before the programme starts; seats never below the seats taken; the "
    "currency never. An ended programme answers 409 `programme_ended`. " + RULES + NOT_YOURS,
)
def patch_programme(
    request: HttpRequest, programme_id: str, payload: ProgrammePatchIn
) -> dict[str, Any]:
    programme = _programme(request, programme_id)
    services.programme_update(
        programme=programme,
        values=payload.model_dump(exclude_unset=True),
        actor=request.user,
        now=timezone.now(),
    )
    return _fresh(request, programme_id)


@router.post(
    "/orgs/programmes/{programme_id}/end",
    response={200: ProgrammeEndOut, 409: ErrorOut},
    summary="End a programme",
    description="No more bookings, invitations or acceptances; participants' upcoming "
    "sponsored sessions are cancelled under each booking's cancellation policy; what is "
    "left of the budget moves to the organisation's credit. Ending twice: 409 "
    "`programme_ended`. " + NOT_YOURS,
)
def end_programme(request: HttpRequest, programme_id: str) -> dict[str, Any]:
    programme = _programme(request, programme_id)
    outcome = services.programme_end(programme=programme, actor=request.user, now=timezone.now())
    return {
        "programme": _fresh(request, programme_id),
        "bookings_cancelled": outcome.bookings_cancelled,
        "credit_moved": outcome.credit_moved,
    }


@router.post(
    "/orgs/programmes/{programme_id}/fundings",
    response={201: ProgrammeFundingOut, 409: ErrorOut},
    summary="Add funds to a programme's budget",
    description="By `invoice` (available at once; the organisation owes it) or from the "
    "organisation's credit (`org_credit`: 409 when it is short). `Idempotency-Key` makes a "
    "repeat answer the first funding. An ended programme: 409 `programme_ended`. `card` "
    "answers 400 `method_unavailable`: a card is paid on the budget page. " + NOT_YOURS,
)
def fund_programme(
    request: HttpRequest, programme_id: str, payload: ProgrammeFundIn
) -> Status[Any]:
    programme = _programme(request, programme_id)
    if payload.method == "card":
        # A card is paid in the browser (Stripe.js): the budget page does it.
        raise InvalidInput(
            "Pay a budget by card on its budget page (/org/programmes/"
            f"{programme.public_id}/budget/).",
            code="method_unavailable",
            fields={"method": ["unavailable"]},
        )
    funding = services.programme_fund(
        programme=programme,
        amount=payload.amount,
        method=payload.method,
        actor=request.user,
        now=timezone.now(),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return Status(
        201,
        {
            "id": funding.public_id,
            "amount": funding.amount,
            "currency": funding.currency,
            "method": funding.method,
            "status": funding.status,
            "created_at": funding.created_at,
        },
    )
