"""/api/v1/workspace/... : engagements and invitations. Thin: parse, authorise through
selectors.access, call one service, present.

An engagement the caller is not in (a stranger, a second coach of the same client, staff,
an organisation admin) answers 404 exactly like an unknown id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictStr

from tandem.core.schemas import ErrorOut, InputSchema

from ..models import Engagement, Invitation
from ..selectors import engagements as selectors
from ..selectors.access import role_in
from ..services import engagements as services
from ..services import invitations
from ..services.errors import EngagementNotFound
from ..services.idempotency import once

router = Router(tags=["workspace: engagements"])

NOT_YOURS = (
    "An engagement you are not in (as its coach or its client) answers 404 exactly like an "
    "unknown id: staff and sponsors included. "
)
EVENTS = "Changes arrive on both people's event streams as `workspace.engagement` (ids only). "

# --- schemas -------------------------------------------------------------------------------


class EngagementPersonOut(Schema):
    id: UUID = Field(description="The person's public id.")
    name: str = Field(description="Display name.")
    email: str | None = Field(
        description="Email address: the client's (to both sides); null for the coach."
    )


class EngagementOut(Schema):
    id: UUID = Field(description="The engagement's public id.")
    role: str = Field(description="Your side: `coach` or `client`.")
    state: str = Field(description="active, paused or ended.")
    source: str = Field(description="How it started: `booking` or `invitation`.")
    coach: EngagementPersonOut = Field(description="The coach.")
    client: EngagementPersonOut = Field(description="The client.")
    started_at: datetime = Field(description="When it started (UTC).")
    state_changed_at: datetime = Field(description="When the state last changed (UTC).")
    next_session_at: datetime | None = Field(
        description="Start of the next confirmed or requested session (UTC), if any."
    )
    last_session_at: datetime | None = Field(
        description="Start of the last session held (UTC), if any."
    )
    open_action_items: int = Field(description="Action items still open.")
    goal_progress: int | None = Field(
        description="Average progress (0-100) of the active goals; null without any."
    )
    tags: list[str] = Field(description="The coach's tags (only the coach sees them).")
    url: str = Field(description="The engagement's page on the site (path).")


class EngagementListOut(Schema):
    items: list[EngagementOut] = Field(description="This page of engagements.")
    total: int = Field(description="How many match the filters in all.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class EngagementListQuery(Schema):
    state: str = Field(
        default="", pattern="^(|active|paused|ended)$", description="active, paused or ended."
    )
    tag: str = Field(default="", max_length=40, description="One of your tags (coaches).")
    q: str = Field(
        default="",
        max_length=selectors.MAX_QUERY,
        description="Part of the client's name or email, any case (coaches).",
    )
    sort: str = Field(
        default="next",
        pattern="^(next|last|name)$",
        description="next (soonest next session first), last (latest last session first) or "
        "name (the client's).",
    )
    cursor: str | None = Field(default=None, max_length=512, description="A next_cursor.")
    limit: int = Field(
        default=selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT, description="Page size."
    )


class EngagementStateIn(InputSchema):
    state: StrictStr = Field(
        max_length=10,
        description="active (the coach resumes), paused (the coach pauses) or ended (either side).",
    )


class EngagementTagIn(InputSchema):
    name: StrictStr = Field(
        min_length=1, max_length=services.MAX_TAG, description="The tag, e.g. `executive`."
    )


class EngagementTagsOut(Schema):
    tags: list[str] = Field(description="The engagement's tags after the change.")


class WorkspaceInvitationIn(InputSchema):
    email: StrictStr = Field(
        min_length=3, max_length=invitations.MAX_EMAIL, description="The client's address."
    )


class WorkspaceInvitationOut(Schema):
    id: UUID = Field(description="The invitation's public id.")
    email: str = Field(description="The invited address (lower case).")
    created_at: datetime = Field(description="When it was sent (UTC).")
    expires_at: datetime = Field(description="The link works until then (UTC).")
    accepted: bool = Field(description="Whether it has been accepted.")


# --- presenting ----------------------------------------------------------------------------


def _person(user: Any, *, email: bool) -> dict[str, Any]:
    return {"id": user.public_id, "name": user.name, "email": user.email if email else None}


def engagement_data(engagement: Engagement, viewer: Any) -> dict[str, Any]:
    role = role_in(engagement, viewer)
    coach_view = role == "coach"
    progress = getattr(engagement, "goal_progress", None)
    base = "/coach/clients/" if coach_view else "/workspace/"
    return {
        "id": engagement.public_id,
        "role": role,
        "state": engagement.state,
        "source": engagement.source,
        "coach": _person(engagement.coach.user, email=False),
        "client": _person(engagement.client, email=True),
        "started_at": engagement.started_at,
        "state_changed_at": engagement.state_changed_at,
        "next_session_at": getattr(engagement, "next_at", None),
        "last_session_at": getattr(engagement, "last_at", None),
        "open_action_items": getattr(engagement, "open_actions", 0) or 0,
        "goal_progress": None if progress is None else int(progress),
        "tags": [t.name for t in engagement.tags.all()] if coach_view else [],
        "url": f"{base}{engagement.public_id}/",
    }


def _one(request: HttpRequest, engagement_id: Any) -> dict[str, Any]:
    found = selectors.one(request.user, engagement_id, now=timezone.now())
    if found is None:
        raise EngagementNotFound()
    return engagement_data(found, request.user)


def invitation_data(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.public_id,
        "email": invitation.email,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted": invitation.accepted_at is not None,
    }


# --- operations ----------------------------------------------------------------------------


@router.get(
    "/workspace/engagements",
    response=EngagementListOut,
    summary="Your engagements (a coach's clients, a client's coaches)",
    description="Both sides: every engagement you are in. Filters `state`; for coaches, "
    "`tag` (one of your tags) and `q` (part of the client's name or email, any case) match "
    "only engagements you coach. `sort`: next, last or name. Next and last session are "
    "computed from the bookings at the time of the request. Follow `next_cursor` for more.",
)
def list_engagements(request: HttpRequest, query: Query[EngagementListQuery]) -> dict[str, Any]:
    page = selectors.engagements_for_api(
        request.user,
        filters=selectors.ListFilters(q=query.q, state=query.state, tag=query.tag, sort=query.sort),
        now=timezone.now(),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {
        "items": [engagement_data(e, request.user) for e in page.items],
        "total": page.total,
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/workspace/engagements/{engagement_id}",
    response=EngagementOut,
    summary="One engagement",
    description=NOT_YOURS + EVENTS,
)
def get_engagement(request: HttpRequest, engagement_id: str) -> dict[str, Any]:
    return _one(request, engagement_id)


@router.post(
    "/workspace/engagements/{engagement_id}/state",
    response={200: EngagementOut, 403: ErrorOut, 409: ErrorOut},
    summary="Pause, resume or end an engagement",
    description="The coach pauses (`paused`) and resumes (`active`); either side ends "
    "(`ended`). The same state again changes nothing. Once ended it stays ended: 409 "
    "`engagement_ended` (a new invitation the client accepts opens it again), and the other "
    "areas refuse changes to it. The client pausing or resuming: 403 "
    "`transition_not_allowed`. " + NOT_YOURS + EVENTS,
)
def set_state(
    request: HttpRequest, payload: EngagementStateIn, engagement_id: str
) -> dict[str, Any]:
    services.engagement_set_state(
        user=request.user, engagement_id=engagement_id, state=payload.state
    )
    return _one(request, engagement_id)


@router.post(
    "/workspace/engagements/{engagement_id}/tags",
    response={200: EngagementTagsOut, 403: ErrorOut},
    summary="Tag a client (coaches)",
    description="Tags are lower-cased, spaces collapsed; adding one twice is the same as once; "
    f"at most {services.MAX_TAGS} per client. Only the coach sees them (the client gets 403 "
    "`forbidden`). " + NOT_YOURS,
)
def add_tag(request: HttpRequest, payload: EngagementTagIn, engagement_id: str) -> dict[str, Any]:
    services.tag_add(user=request.user, engagement_id=engagement_id, name=payload.name)
    return {"tags": _one(request, engagement_id)["tags"]}


@router.delete(
    "/workspace/engagements/{engagement_id}/tags/{name}",
    response={200: EngagementTagsOut, 403: ErrorOut},
    summary="Remove a tag (coaches)",
    description="Removing a tag the client does not have changes nothing. " + NOT_YOURS,
)
def remove_tag(request: HttpRequest, engagement_id: str, name: str) -> dict[str, Any]:
    services.tag_remove(user=request.user, engagement_id=engagement_id, name=name)
    return {"tags": _one(request, engagement_id)["tags"]}


@router.post(
    "/workspace/invitations",
    response={
        200: WorkspaceInvitationOut,
        201: WorkspaceInvitationOut,
        403: ErrorOut,
        409: ErrorOut,
    },
    summary="Invite a client by email (coaches)",
    description=f"Emails a link valid for {invitations.INVITATION_DAYS} days; inviting the "
    "same address again replaces the open link. The client accepts signed in with that "
    "address (an existing account is linked; someone new signs up first). Someone who is "
    "your client already (active or paused): 409 `already_client`. Without a coach "
    "profile: 403 `not_a_coach`. `Idempotency-Key`: the same key and body again returns "
    "the same invitation (200, `Idempotent-Replayed: true`, no second email); another body "
    "answers 409 `idempotency_key_reused`.",
)
def create_invitation(
    request: HttpRequest, response: HttpResponse, payload: WorkspaceInvitationIn
) -> Status[Any]:
    user = request.user

    invitation, replayed = once(
        user=user,
        key=request.headers.get("Idempotency-Key"),
        scope="workspace.invitation",
        body={"email": payload.email.strip().lower()},
        create=lambda: invitations.invitation_create(coach_user=user, email=payload.email),
        load=lambda public_id: selectors.invitation_of(user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, invitation_data(invitation))


@router.post(
    "/workspace/invitations/{token}/accept",
    response={200: EngagementOut, 403: ErrorOut, 409: ErrorOut},
    summary="Accept an invitation",
    description="`token` is the last part of the emailed link. Your account's address must be "
    "the invited one (403 `invitation_other_email`). Accepting links you with the coach: "
    "an existing engagement is kept (an ended one opens again), else one starts. Accepting "
    "again answers the same. Unknown or replaced: 404 `invitation_not_found`; expired: 409 "
    "`invitation_expired`; accepted by someone else: 409 `invitation_used`. " + EVENTS,
)
def accept_invitation(request: HttpRequest, token: str) -> dict[str, Any]:
    engagement = invitations.invitation_accept(user=request.user, token=token)
    return _one(request, engagement.public_id)
