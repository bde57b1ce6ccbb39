"""/api/v1/workspace/... : journal. Thin: parse, authorise through the selectors, call one
service, present.

An entry is readable by its author and by the coach of an engagement it is shared with; for
anyone else (a stranger, another coach of the same client, staff) it answers 404 exactly like
an unknown id. Only the author changes, shares or withdraws an entry.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from tandem.core.schemas import ErrorOut

from ..models import Engagement, JournalEntry, JournalPrompt, JournalShare
from ..selectors import journal as selectors
from ..selectors import journal_insights
from ..selectors.access import engagement_for, role_in
from ..services import journal as services
from ..services.errors import EngagementNotFound
from ..services.idempotency import once
from ..services.journal import UNSET, EntryNotFound, decode_tags
from ..services.prompts import LIBRARY
from .journal_schemas import (
    EntryIn,
    EntryListOut,
    EntryListQuery,
    EntryOut,
    EntryPatchIn,
    InsightsOut,
    InsightsQuery,
    MoodInReportsIn,
    MoodInReportsOut,
    PromptIn,
    PromptListOut,
    PromptOut,
    PromptsOut,
    ShareListOut,
    ShareOut,
)

router = Router(tags=["workspace: journal"])

NOT_YOURS = (
    "An entry you did not write and that is not shared with an engagement you coach answers "
    "404, exactly like an unknown id. "
)
EVENTS = (
    "Changes arrive on the event stream as `workspace.journal` (ids only): to the author "
    "alone while the entry is private, to both people of an engagement it is shared with. "
)


def entry_data(entry: JournalEntry, viewer: Any) -> dict[str, Any]:
    shares = JournalShare.objects.filter(entry=entry).select_related("engagement__coach")
    if entry.author_id != viewer.pk:
        shares = shares.filter(engagement__coach__user_id=viewer.pk)
    return {
        "id": str(entry.public_id),
        "body": entry.body,
        "mood": entry.mood,
        "tags": decode_tags(entry.tags),
        "prompt": entry.builtin_prompt or (str(entry.prompt.public_id) if entry.prompt else ""),
        "prompt_text": selectors.prompt_text(entry),
        "written_at": entry.written_at,
        "updated_at": entry.updated_at,
        "shared_with": [str(s.engagement.public_id) for s in shares],
    }


def _row_data(row: selectors.EntryRow) -> dict[str, Any]:
    entry = row.entry
    return {
        "id": str(entry.public_id),
        "body": entry.body,
        "mood": entry.mood,
        "tags": row.tags,
        "prompt": entry.builtin_prompt or (str(entry.prompt.public_id) if entry.prompt else ""),
        "prompt_text": row.prompt,
        "written_at": entry.written_at,
        "updated_at": entry.updated_at,
        "shared_with": [str(e.public_id) for e in row.shared_with],
    }


def _readable(request: HttpRequest, entry_id: str) -> JournalEntry:
    found = selectors.readable_entry(request.user, entry_id)
    if found is None:
        raise EntryNotFound()
    return found[0]


def prompt_data(prompt: JournalPrompt, viewer: Any, engagement: Engagement) -> dict[str, Any]:
    answered = prompt.answered_at
    if role_in(engagement, viewer) == "coach" and not getattr(prompt, "answer_shared", False):
        answered = None  # answering is private until the answer is shared
    return {
        "id": str(prompt.public_id),
        "engagement": str(engagement.public_id),
        "text": prompt.text,
        "created_at": prompt.created_at,
        "answered_at": answered,
    }


@router.get(
    "/workspace/journal/entries",
    response=EntryListOut,
    summary="Your journal entries",
    description="Newest first, 50 a page (`next_cursor` for more). `q` finds entries with "
    "every word (3+ letters match word starts) through the blind index; `tag` an exact tag; "
    "`mood` 1 to 5. Only your own entries.",
)
def list_entries(request: HttpRequest, query: Query[EntryListQuery]) -> dict[str, Any]:
    filters = selectors.clean_filters(query.q, query.mood, query.tag)
    rows, next_cursor = selectors.entry_cursor_page(request.user, filters, cursor=query.cursor)
    return {"items": [_row_data(r) for r in rows], "next_cursor": next_cursor}


@router.post(
    "/workspace/journal/entries",
    response={200: EntryOut, 201: EntryOut, 409: ErrorOut},
    summary="Write a journal entry",
    description="Private to you until you share it. `Idempotency-Key`: the same key and body "
    "again returns the same entry (200, `Idempotent-Replayed: true`); another body answers "
    "409 `idempotency_key_reused`. " + EVENTS,
)
def create_entry(request: HttpRequest, response: HttpResponse, payload: EntryIn) -> Status[Any]:
    def create() -> JournalEntry:
        return services.entry_create(
            author=request.user,
            body=payload.body,
            mood=payload.mood,
            tags=payload.tags,
            prompt=payload.prompt,
        )

    entry, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="journal_entry",
        body=payload.model_dump(mode="json"),
        create=create,
        load=lambda public_id: selectors.own_entry(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, entry_data(entry, request.user))


@router.get(
    "/workspace/journal/entries/{entry_id}",
    response=EntryOut,
    summary="One journal entry",
    description=NOT_YOURS,
)
def get_entry(request: HttpRequest, entry_id: str) -> dict[str, Any]:
    return entry_data(_readable(request, entry_id), request.user)


@router.patch(
    "/workspace/journal/entries/{entry_id}",
    response=EntryOut,
    summary="Change your entry",
    description="Only the fields sent change (`mood: null` clears the mood). A coach it is "
    "shared with answers 404 too: only the author edits. " + NOT_YOURS + EVENTS,
)
def patch_entry(request: HttpRequest, payload: EntryPatchIn, entry_id: str) -> dict[str, Any]:
    sent = payload.model_fields_set
    entry = services.entry_update(
        author=request.user,
        entry_id=entry_id,
        body=payload.body if "body" in sent else UNSET,
        mood=payload.mood if "mood" in sent else UNSET,
        tags=payload.tags if "tags" in sent else UNSET,
    )
    return entry_data(entry, request.user)


@router.delete(
    "/workspace/journal/entries/{entry_id}",
    response={204: None},
    summary="Delete your entry",
    description="For good, also for the coaches it was shared with. " + NOT_YOURS + EVENTS,
)
def delete_entry(request: HttpRequest, entry_id: str) -> Status[Any]:
    services.entry_delete(author=request.user, entry_id=entry_id)
    return Status(204, None)


def _share_data(share: JournalShare, entry: JournalEntry) -> dict[str, Any]:
    return {
        "entry": str(entry.public_id),
        "engagement": str(share.engagement.public_id),
        "shared_at": share.shared_at,
    }


@router.get(
    "/workspace/journal/entries/{entry_id}/shares",
    response=ShareListOut,
    summary="Who your entry is shared with",
    description="Author only. " + NOT_YOURS,
)
def list_shares(request: HttpRequest, entry_id: str) -> dict[str, Any]:
    entry = selectors.own_entry(request.user, entry_id)
    if entry is None:
        raise EntryNotFound()
    shares = JournalShare.objects.filter(entry=entry).select_related("engagement")
    return {"items": [_share_data(s, entry) for s in shares.order_by("shared_at")]}


@router.post(
    "/workspace/journal/entries/{entry_id}/shares/{engagement_id}",
    response={200: ShareOut, 409: ErrorOut},
    summary="Share your entry with a coach",
    description="The coach of that engagement (one where you are the client) may then read "
    "it, and it counts in the insights they see. Sharing again changes nothing. An ended "
    "engagement answers 409 `engagement_ended`. " + NOT_YOURS + EVENTS,
)
def share_entry(request: HttpRequest, entry_id: str, engagement_id: str) -> dict[str, Any]:
    share = services.entry_share(
        author=request.user, entry_id=entry_id, engagement_id=engagement_id
    )
    return _share_data(share, share.entry)


@router.delete(
    "/workspace/journal/entries/{entry_id}/shares/{engagement_id}",
    response={204: None},
    summary="Withdraw a share",
    description="The coach can no longer read the entry; withdrawing again changes nothing. "
    + NOT_YOURS
    + EVENTS,
)
def withdraw_entry(request: HttpRequest, entry_id: str, engagement_id: str) -> Status[Any]:
    services.entry_withdraw(author=request.user, entry_id=entry_id, engagement_id=engagement_id)
    return Status(204, None)


@router.get(
    "/workspace/journal/insights",
    response={200: InsightsOut, 404: ErrorOut},
    summary="Journal insights",
    description="Mood over time (daily average), top tags, streaks (consecutive days with an "
    "entry, in the client's zone) and entries per week, over the last `days` (30, 90 or 365). "
    "Without `engagement`: over all your own entries. With `engagement` (one you coach): only "
    "over the entries its client shared with it; else 404.",
)
def insights(request: HttpRequest, query: Query[InsightsQuery]) -> dict[str, Any]:
    period = journal_insights.period_of(query.days)
    now = timezone.now()
    if query.engagement:
        coached = selectors.coached_engagement(request.user, query.engagement)
        if coached is None:
            raise EngagementNotFound()
        result = selectors.insights_for_engagement(coached, now=now, days=period)
    else:
        result = selectors.insights_for_author(request.user, now=now, days=period)
    return {
        "days": result.days,
        "zone": result.zone,
        "first_day": result.first_day,
        "today": result.today,
        "entries": result.entries,
        "mood": [{"day": m.day, "average": m.average, "count": m.count} for m in result.mood],
        "mood_average": result.mood_average,
        "tags": [{"tag": t, "count": n} for t, n in result.tags],
        "current_streak": result.current_streak,
        "longest_streak": result.longest_streak,
        "weeks": [{"monday": w.monday, "count": w.count} for w in result.weeks],
    }


@router.get(
    "/workspace/journal/prompts",
    response=PromptsOut,
    summary="Journal prompts: the library and those assigned to you",
)
def prompts(request: HttpRequest) -> dict[str, Any]:
    assigned = selectors.assigned_prompts(request.user)
    return {
        "library": [{"key": p.key, "text": p.text} for p in LIBRARY],
        "assigned": [prompt_data(p, request.user, p.engagement) for p in assigned],
    }


def _engagement(request: HttpRequest, engagement_id: str) -> Engagement:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    return engagement


@router.get(
    "/workspace/engagements/{engagement_id}/prompts",
    response=PromptListOut,
    summary="Prompts assigned in an engagement",
    description="Both sides. Not in the engagement: 404.",
)
def engagement_prompts(request: HttpRequest, engagement_id: str) -> dict[str, Any]:
    engagement = _engagement(request, engagement_id)
    items = selectors.engagement_prompts(engagement)
    return {"items": [prompt_data(p, request.user, engagement) for p in items]}


@router.post(
    "/workspace/engagements/{engagement_id}/prompts",
    response={200: PromptOut, 201: PromptOut, 409: ErrorOut},
    summary="Assign a journal prompt (coach)",
    description="The client sees it when writing. The client answers 403; an ended engagement "
    "409 `engagement_ended`. `Idempotency-Key` as for entries. Not in the engagement: 404.",
)
def assign_prompt(
    request: HttpRequest, response: HttpResponse, payload: PromptIn, engagement_id: str
) -> Status[Any]:
    engagement = _engagement(request, engagement_id)
    prompt, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope=f"journal_prompt:{engagement.public_id}",
        body=payload.model_dump(mode="json"),
        create=lambda: services.prompt_assign(
            coach=request.user, engagement_id=engagement.public_id, text=payload.text
        ),
        load=lambda public_id: JournalPrompt.objects.filter(
            public_id=public_id, engagement=engagement
        ).first(),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, prompt_data(prompt, request.user, engagement))


@router.delete(
    "/workspace/journal/prompts/{prompt_id}",
    response={204: None},
    summary="Remove an assigned prompt (coach)",
    description="Entries written for it keep their text. The client answers 403; anyone else 404.",
)
def delete_prompt(request: HttpRequest, prompt_id: str) -> Status[Any]:
    services.prompt_delete(coach=request.user, prompt_id=prompt_id)
    return Status(204, None)


@router.put(
    "/workspace/engagements/{engagement_id}/mood-in-reports",
    response=MoodInReportsOut,
    summary="Mood trend in progress reports (client's consent)",
    description="Only the client decides (the coach answers 403). Not in the engagement: 404.",
)
def put_mood_in_reports(
    request: HttpRequest, payload: MoodInReportsIn, engagement_id: str
) -> dict[str, Any]:
    engagement = services.set_mood_in_reports(
        client=request.user, engagement=engagement_id, on=payload.on
    )
    return {"engagement": str(engagement.public_id), "mood_in_reports": engagement.mood_in_reports}
