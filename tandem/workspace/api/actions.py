"""/api/v1/workspace/... : action items. Thin: parse, authorise through selectors.access, call
one service, present.

Someone else's engagement or item (a stranger, another coach of the client, staff, a sponsor)
answers 404 exactly like an unknown id. Changes arrive on both people's event streams as
`workspace.actions` (ids only).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from tandem.core.schemas import ErrorOut

from ..models import ActionItem
from ..selectors import action_pages
from ..selectors import actions as selectors
from ..selectors.access import engagement_for
from ..services import actions as services
from ..services.errors import EngagementNotFound, ObjectNotFound
from ..services.idempotency import once
from .action_schemas import (
    ActionItemCompleteIn,
    ActionItemIn,
    ActionItemListOut,
    ActionItemListQuery,
    ActionItemOut,
    ActionItemPageQuery,
    ActionItemPatchIn,
)

router = Router(tags=["workspace: actions"])

NOT_YOURS = "Another person's engagement or item answers 404, exactly like an unknown id. "
ENDED = "An ended engagement is read-only: 409 `engagement_ended`. "


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def present(item: ActionItem, viewer: Any) -> dict[str, Any]:
    engagement = item.engagement
    assignee = item.assignee
    today = selectors.local_today(assignee, timezone.now())
    return {
        "id": str(item.public_id),
        "engagement": str(engagement.public_id),
        "title": item.title,
        "detail": item.detail,
        "status": item.status,
        "assignee": {
            "id": str(assignee.public_id),
            "name": assignee.name,
            "role": "client" if assignee.pk == engagement.client_id else "coach",
        },
        "created_by": str(item.created_by.public_id) if item.created_by else None,
        "goal": {"id": str(item.goal.public_id), "title": item.goal.title} if item.goal else None,
        "booking": _str_or_none(getattr(item, "booking_public_id", None)),
        "source_note": _str_or_none(getattr(item, "source_note_public_id", None))
        if selectors.source_note_visible(item, viewer)
        else None,
        "due_date": item.due_date,
        "overdue": item.status == ActionItem.Status.OPEN
        and item.due_date is not None
        and item.due_date < today,
        "done_at": item.done_at,
        "reflection": item.reflection,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "can_delete": item.created_by_id == viewer.pk
        and engagement.state != engagement.State.ENDED,
    }


def _item(request: HttpRequest, item_id: str) -> ActionItem:
    found = selectors.item_for(request.user, item_id)
    if found is None:
        raise ObjectNotFound("No such action item.")
    return found


def _fresh(request: HttpRequest, item: ActionItem) -> dict[str, Any]:
    return present(_item(request, str(item.public_id)), request.user)


@router.get(
    "/workspace/engagements/{engagement_id}/action-items",
    response=ActionItemListOut,
    summary="An engagement's action items",
    description="Every item of the engagement (either side sees all): open ones first by due "
    "date (no date last), then done ones newest first; `limit` a page (50, at most 200), "
    "`next_cursor` for more (400 for a cursor that is not one). " + NOT_YOURS,
)
def list_engagement_items(
    request: HttpRequest, engagement_id: str, query: Query[ActionItemPageQuery]
) -> dict[str, Any]:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    rows, next_cursor = action_pages.page(
        selectors.of_engagement_queryset(engagement), cursor=query.cursor, limit=query.limit
    )
    return {"items": [present(i, request.user) for i in rows], "next_cursor": next_cursor}


@router.post(
    "/workspace/engagements/{engagement_id}/action-items",
    response={200: ActionItemOut, 201: ActionItemOut, 409: ErrorOut},
    summary="Add an action item",
    description="For the client (default) or the coach, optionally linked to a goal, a "
    "session and the note it came from (each of this engagement, else 404). The due date may "
    "be today or later in the assignee's zone (400 otherwise). `Idempotency-Key`: the same "
    "key and body again returns the same item (200, `Idempotent-Replayed: true`); another "
    "body answers 409 `idempotency_key_reused`. " + ENDED + NOT_YOURS,
)
def create_item(
    request: HttpRequest,
    response: HttpResponse,
    payload: ActionItemIn,
    engagement_id: str,
) -> Status[Any]:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    body = payload.model_dump(mode="json")

    def create() -> ActionItem:
        return services.action_item_create(
            actor=request.user,
            engagement=engagement,
            title=payload.title,
            detail=payload.detail,
            assignee=payload.assignee,
            due_date=payload.due_date,
            goal=payload.goal,
            booking=payload.booking,
            source_note=payload.source_note,
        )

    item, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope=f"action_item:{engagement.public_id}",
        body=body,
        create=create,
        load=lambda public_id: selectors.item_for(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, _fresh(request, item))


@router.get(
    "/workspace/action-items",
    response=ActionItemListOut,
    summary="Your action items",
    description="Items assigned to you in all your engagements, open first by due date (no "
    "date last), then done ones newest first. `status`: open or done; `due`: overdue, today, "
    "soon (the next 7 days) or none (no date), by your own zone's today. `limit` a page (50, "
    "at most 200), `next_cursor` for more.",
)
def list_mine(request: HttpRequest, query: Query[ActionItemListQuery]) -> dict[str, Any]:
    items = selectors.mine_queryset(
        request.user, status=query.status, due=query.due, now=timezone.now()
    )
    rows, next_cursor = action_pages.page(items, cursor=query.cursor, limit=query.limit)
    return {"items": [present(i, request.user) for i in rows], "next_cursor": next_cursor}


@router.get(
    "/workspace/action-items/{item_id}",
    response=ActionItemOut,
    summary="One action item",
    description=NOT_YOURS,
)
def get_item(request: HttpRequest, item_id: str) -> dict[str, Any]:
    return present(_item(request, item_id), request.user)


@router.patch(
    "/workspace/action-items/{item_id}",
    response={200: ActionItemOut, 409: ErrorOut},
    summary="Change an action item",
    description="Either side may change the title, detail, due date (null clears it), goal "
    "(null unlinks it) and assignee. Moving the due date or the assignee schedules its "
    "reminders afresh. " + ENDED + NOT_YOURS,
)
def patch_item(request: HttpRequest, payload: ActionItemPatchIn, item_id: str) -> dict[str, Any]:
    item = _item(request, item_id)
    given = payload.model_dump(exclude_unset=True)
    for required in ("title", "detail"):
        if required in given and given[required] is None:
            given[required] = ""  # null title: the service says it is required
    updated = services.action_item_update(actor=request.user, item=item, **given)
    return _fresh(request, updated)


@router.delete(
    "/workspace/action-items/{item_id}",
    response={204: None, 409: ErrorOut},
    summary="Delete an action item",
    description="Only the person who added it (403 for the other side). " + ENDED + NOT_YOURS,
)
def delete_item(request: HttpRequest, item_id: str) -> Status[Any]:
    services.action_item_delete(actor=request.user, item=_item(request, item_id))
    return Status(204, None)


@router.post(
    "/workspace/action-items/{item_id}/complete",
    response={200: ActionItemOut, 409: ErrorOut},
    summary="Mark an action item done",
    description="Either side may mark it done; the optional `reflection` (≤ 1000 "
    "characters) is the assignee's own (403 from the other side). Done already: answered "
    "unchanged. " + ENDED + NOT_YOURS,
)
def complete_item(
    request: HttpRequest, payload: ActionItemCompleteIn, item_id: str
) -> dict[str, Any]:
    item = services.action_item_complete(
        actor=request.user, item=_item(request, item_id), reflection=payload.reflection
    )
    return _fresh(request, item)


@router.post(
    "/workspace/action-items/{item_id}/reopen",
    response={200: ActionItemOut, 409: ErrorOut},
    summary="Open a done action item again",
    description="Either side; the reflection of that completion is removed. Open already: "
    "answered unchanged. " + ENDED + NOT_YOURS,
)
def reopen_item(request: HttpRequest, item_id: str) -> dict[str, Any]:
    item = services.action_item_reopen(actor=request.user, item=_item(request, item_id))
    return _fresh(request, item)
