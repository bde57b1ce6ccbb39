"""/api/v1/orgs/... : a programme's participants (the admin's roster: list, invite, resend,
withdraw, pause, resume, remove, move a seat) and accepting an invitation. Thin: the access
gate finds the object, one service changes it.

The roster carries no session figure per person (privacy rule). Anyone but the
organisation's admins gets 404 for its programmes and participants, like an unknown id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictStr

from tandem.core.errors import InvalidInput
from tandem.core.schemas import ErrorOut, InputSchema
from tandem.workspace.services.idempotency import once

from .. import access
from ..models import Participant, Programme
from . import selectors, services

router = Router(tags=["organisations"])

NOT_YOURS = (
    "Only the organisation's admins reach it; anyone else (staff, coaches, other "
    "organisations' admins) gets 404, like an unknown id. "
)
STATES = "409 `participant_status` when the participant's status does not allow it. "


class RosterParticipantOut(Schema):
    id: UUID
    programme: UUID
    email: str
    name: str
    status: str = Field(description="`invited`, `active`, `paused` or `removed`.")
    source: str = Field(description="`invite`, `csv` or `domain`.")
    invited_at: datetime = Field(
        description="When they were invited; for `source` = `domain`, when they joined (nobody "
        "invited them)."
    )
    invite_expires_at: datetime | None
    accepted_at: datetime | None
    matched: bool = Field(description="Has chosen a coach (who, and any session, is private).")
    seat_held: bool = Field(
        description="An open invitation holding a seat given to it by a move (until "
        "`invite_expires_at`); it counts against the programme's seats."
    )


# The name other areas import (sponsorship's "what my sponsor sees" is exactly this row).
ParticipantOut = RosterParticipantOut


class RosterListOut(Schema):
    items: list[RosterParticipantOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class ParticipantInviteIn(InputSchema):
    email: StrictStr = Field(max_length=1000)
    name: StrictStr = Field(default="", max_length=1000)


class RosterListQuery(Schema):
    status: str = Field(
        default="all",
        max_length=10,
        description="`all`, `current`, `invited`, `active`, `paused` or `removed`.",
    )
    after: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=100, ge=1, le=500)


class InvitationAcceptIn(InputSchema):
    token: StrictStr = Field(max_length=1000, description="The token of the invitation link.")


class AcceptedSeatOut(Schema):
    id: UUID
    programme: UUID
    programme_name: str
    organisation: str
    status: str
    accepted_at: datetime | None


def participant_body(
    p: Participant, programme: Programme, now: datetime | None = None
) -> dict[str, Any]:
    return {
        "id": p.public_id,
        "programme": programme.public_id,
        "email": p.email,
        "name": p.name,
        "status": p.status,
        "source": p.source,
        "invited_at": p.invited_at,
        "invite_expires_at": p.invite_expires_at,
        "accepted_at": p.accepted_at,
        "matched": p.matched_at is not None,
        "seat_held": p.holds_reservation(now or timezone.now()),
    }


def _programme(request: HttpRequest, programme_id: Any) -> Programme:
    found = access.programme_for_admin(request.user, programme_id)
    if found is None:
        from ..programmes.services import ProgrammeNotFound

        raise ProgrammeNotFound()
    return found


def _participant(request: HttpRequest, participant_id: Any) -> Participant:
    found = access.participant_for_admin(request.user, participant_id)
    if found is None:
        raise services.ParticipantNotFound()
    return found


def _fresh(request: HttpRequest, participant_id: Any) -> dict[str, Any]:
    p = _participant(request, participant_id)
    return participant_body(p, p.programme)


@router.get(
    "/orgs/programmes/{programme_id}/participants",
    response=RosterListOut,
    summary="A programme's participants",
    description="The roster, oldest first, by pages (`after` = the last id of the previous "
    "page). No session figures per person. " + NOT_YOURS,
)
def list_participants(
    request: HttpRequest, programme_id: str, query: Query[RosterListQuery]
) -> dict[str, Any]:
    programme = _programme(request, programme_id)
    if query.status not in selectors.FILTERS:
        raise InvalidInput("Unknown status filter.", fields={"status": ["invalid"]})
    after_pk = None
    if query.after:
        found = access.participant_for_admin(request.user, query.after)
        if found is None or found.programme_id != programme.pk:
            raise InvalidInput("Unknown cursor.", fields={"after": ["invalid"]})
        after_pk = found.pk
    rows = selectors.participants_page(
        programme, status=query.status, after=after_pk, limit=query.limit + 1
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "items": [participant_body(p, programme) for p in rows],
        "next": str(rows[-1].public_id) if more and rows else None,
    }


@router.post(
    "/orgs/programmes/{programme_id}/participants",
    response={200: RosterParticipantOut, 201: RosterParticipantOut, 409: ErrorOut},
    summary="Invite someone",
    description="Sends an invitation link that works for 30 days (the email is lower-cased "
    "and checked). 409 `already_in_programme` when the address is invited, active or paused "
    "there (a removed person may be invited again); 409 `programme_ended`. Invitations take "
    "no seat (only a moved seat is held for its invitation). `Idempotency-Key`: the same "
    "key and body again answers the first invitation "
    "(200, `Idempotent-Replayed: true`). " + NOT_YOURS,
)
def invite(
    request: HttpRequest, response: HttpResponse, programme_id: str, payload: ParticipantInviteIn
) -> Status[Any]:
    programme = _programme(request, programme_id)
    made, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="orgs.participant",
        body={"programme": str(programme.public_id), **payload.model_dump(mode="json")},
        create=lambda: services.participant_invite(
            programme=programme,
            email=payload.email,
            name=payload.name,
            actor=request.user,
            now=timezone.now(),
        ),
        load=lambda public_id: access.participant_for_admin(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, _fresh(request, made.public_id))


@router.get(
    "/orgs/participants/{participant_id}",
    response=RosterParticipantOut,
    summary="A participant",
    description=NOT_YOURS,
)
def get_participant(request: HttpRequest, participant_id: str) -> dict[str, Any]:
    return _fresh(request, participant_id)


def _action(name: str, service: Any, summary: str, description: str) -> None:
    def endpoint(request: HttpRequest, participant_id: str) -> dict[str, Any]:
        participant = _participant(request, participant_id)
        service(participant=participant, actor=request.user, now=timezone.now())
        return _fresh(request, participant_id)

    endpoint.__name__ = f"participant_{name}"
    router.post(
        f"/orgs/participants/{{participant_id}}/{name}",
        response={200: RosterParticipantOut, 409: ErrorOut},
        summary=summary,
        description=description + STATES + NOT_YOURS,
    )(endpoint)


_action(
    "resend",
    services.participant_resend,
    "Send an invitation again",
    "A new link (the old one stops working), valid 30 days. Invited only. ",
)
_action(
    "revoke",
    services.participant_revoke,
    "Withdraw an invitation",
    "The link stops working; the address may be invited again. Invited only. ",
)
_action(
    "pause",
    services.participant_pause,
    "Pause a participant",
    "Keeps the seat; no new sponsored bookings. Active only. ",
)
_action("resume", services.participant_resume, "Resume a paused participant", "Paused only. ")
_action("remove", services.participant_remove, "Remove a participant",
        "The seat is given back; their upcoming sponsored sessions are cancelled under the "
        "booking's cancellation policy. ")  # fmt: skip


@router.post(
    "/orgs/participants/{participant_id}/move",
    response={201: RosterParticipantOut, 409: ErrorOut},
    summary="Move a seat to another person",
    description="The seat holder (active or paused) is removed (their upcoming sponsored "
    "sessions cancelled) and `email` is invited in the same transaction, with the seat held "
    "for that invitation while its link works (`seat_held`), so no other invitee can take it "
    "first; an address with an open invitation gets the seat held and a fresh link. Answers "
    "the invitation. 409 `already_in_programme` when that address is active or paused in the "
    "programme already (nothing changes). " + STATES + NOT_YOURS,
)
def move(request: HttpRequest, participant_id: str, payload: ParticipantInviteIn) -> Status[Any]:
    participant = _participant(request, participant_id)
    invited = services.participant_move(
        participant=participant,
        email=payload.email,
        name=payload.name,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(201, _fresh(request, invited.public_id))


@router.post(
    "/orgs/invitations/accept",
    response={200: AcceptedSeatOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Accept a programme invitation",
    description="As the signed-in user, who must have the invited address, verified (403 "
    "`invitation_other_email`). 404 `invitation_not_found` / `invitation_expired`; 409 "
    "`programme_full` when every seat is taken, `programme_ended`, `invitation_used`. "
    "Accepting twice answers the same seat.",
)
def accept(request: HttpRequest, payload: InvitationAcceptIn) -> dict[str, Any]:
    seat = services.invitation_accept(
        raw_token=payload.token, user=request.user, now=timezone.now()
    )
    programme = seat.programme
    return {
        "id": seat.public_id,
        "programme": programme.public_id,
        "programme_name": programme.name,
        "organisation": programme.organisation.name,
        "status": seat.status,
        "accepted_at": seat.accepted_at,
    }
