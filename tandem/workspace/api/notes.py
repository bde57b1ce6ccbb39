"""/api/v1/workspace/... : session notes and note templates. Thin: parse, authorise through
the selectors, call one service, present.

Privacy: a private note does not exist for the client — every route answers 404 for it,
exactly like an unknown id (and like any note for a stranger). A shared note the client can
read (saved, non-empty) answers them 403 `forbidden` on writes: they can see it, only the
coach writes. Versions are the coach's only (404 for the client).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from tandem.core.schemas import ErrorOut

from ..models import NoteTemplate, SessionNote
from ..selectors import notes as selectors
from ..selectors.access import engagement_for
from ..services import notes as services
from ..services import templates
from ..services.errors import EngagementNotFound, ObjectNotFound
from ..services.idempotency import once
from .notes_schemas import (
    ActionFromLineIn,
    ActionFromLineOut,
    NoteListOut,
    NoteOut,
    NotePatchIn,
    NoteTemplateIn,
    NoteTemplateListOut,
    NoteTemplateOut,
    NoteTemplatePatchIn,
    NoteUpsertIn,
    VersionBodyOut,
    VersionListOut,
    VersionOut,
)

router = Router(tags=["workspace: notes"])

PRIVACY = (
    "A private note, and a shared one not saved yet, do not exist for the client (404, like "
    "an unknown id); the client writing a shared note they can read gets 403 `forbidden`. "
    "Another person's engagement or note is 404. "
)
ENDED = "An ended engagement is read-only: writes answer 409 `engagement_ended`. "
EVENTS = (
    "Changes arrive on the event stream as `workspace.notes` (ids only): a private note's "
    "and every draft's to the coach alone, a saved shared note's to both. "
)


def note_data(note: SessionNote, viewer: Any) -> dict[str, Any]:
    coach = selectors.can_write(note, viewer)
    return {
        "id": note.public_id,
        "engagement": note.engagement.public_id,
        "booking": note.booking.public_id,
        "session_start": note.booking.start,
        "visibility": note.visibility,
        "body": note.body,
        "saved_at": getattr(note, "saved_at", None),
        "version": note.version if coach else None,
        "template": note.template if coach else None,
        "draft": note.draft if coach else None,
        "draft_saved_at": note.draft_saved_at if coach else None,
        "lines": services.note_lines(note.body) if coach else None,
    }


def _reloaded(viewer: Any, note: SessionNote) -> dict[str, Any]:
    found = selectors.note_for(viewer, note.public_id)
    assert found is not None  # just written by this viewer, the coach
    return note_data(found, viewer)


def _note(request: HttpRequest, note_id: str) -> SessionNote:
    note = selectors.note_for(request.user, note_id)
    if note is None:
        raise ObjectNotFound()
    return note


def _coach_note(request: HttpRequest, note_id: str) -> SessionNote:
    note = _note(request, note_id)
    if not selectors.can_write(note, request.user):
        raise ObjectNotFound()  # versions are the coach's: for the client they do not exist
    return note


@router.get(
    "/workspace/engagements/{engagement_id}/notes",
    response=NoteListOut,
    summary="Session notes of an engagement",
    description="Newest session first. The coach gets both notes of each session with drafts "
    "and version counts; the client gets saved shared notes only (body and time). Filter by "
    "`booking` (a session's id). " + PRIVACY,
)
def list_notes(
    request: HttpRequest,
    engagement_id: str,
    booking: str | None = None,
    cursor: str | None = None,
    limit: int = selectors.DEFAULT_LIMIT,
) -> dict[str, Any]:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    session = None
    if booking is not None:
        session = selectors.session_of(engagement, request.user, booking)
        if session is None:
            raise ObjectNotFound("No such session in this engagement.")
    page = selectors.notes_page(
        engagement, request.user, booking=session, cursor=cursor, limit=limit
    )
    return {
        "items": [note_data(n, request.user) for n in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/workspace/engagements/{engagement_id}/notes",
    response={200: NoteOut, 201: NoteOut, 409: ErrorOut},
    summary="Open (create or update) a session's note (coach)",
    description="One note per session and visibility: made if missing (201), else that note "
    "(200). Then `template` fills an empty note's draft with its headings (409 "
    "`note_not_empty` otherwise), `draft` autosaves, `body` saves a version. A session of "
    "another pair is 404. `Idempotency-Key`: the same key and body again answers the first "
    "result (200, `Idempotent-Replayed: true`); another body 409 `idempotency_key_reused`. "
    + PRIVACY
    + ENDED
    + EVENTS,
)
def upsert_note(
    request: HttpRequest,
    response: HttpResponse,
    payload: NoteUpsertIn,
    engagement_id: str,
) -> Status[Any]:
    made: dict[str, bool] = {}

    def create() -> SessionNote:
        note, made["created"] = services.note_upsert(
            actor=request.user,
            engagement_id=engagement_id,
            booking_id=payload.booking,
            visibility=payload.visibility,
            template=payload.template,
            draft=payload.draft,
            body=payload.body,
        )
        return note

    note, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="workspace.note",
        body={"engagement": engagement_id, **payload.model_dump()},
        create=create,
        load=lambda public_id: selectors.note_for(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    status = 201 if made.get("created") and not replayed else 200
    return Status(status, _reloaded(request.user, note))


@router.get(
    "/workspace/notes/{note_id}",
    response=NoteOut,
    summary="One session note",
    description=PRIVACY,
)
def get_note(request: HttpRequest, note_id: str) -> dict[str, Any]:
    return note_data(_note(request, note_id), request.user)


@router.patch(
    "/workspace/notes/{note_id}",
    response={200: NoteOut, 409: ErrorOut},
    summary="Autosave, save or apply a template (coach)",
    description="`template` (an empty note only, else 409 `note_not_empty`), `draft` "
    "(autosave: no version), `body` (a new version, unless it is the same text as the last "
    "one). At least one. " + PRIVACY + ENDED + EVENTS,
)
def patch_note(request: HttpRequest, payload: NotePatchIn, note_id: str) -> dict[str, Any]:
    note, _ = services.note_update(
        actor=request.user,
        note_id=note_id,
        template=payload.template,
        draft=payload.draft,
        body=payload.body,
    )
    return _reloaded(request.user, note)


def _version_data(version: Any) -> dict[str, Any]:
    author = version.author
    return {
        "number": version.number,
        "author": (author.display_name or author.email) if author else "(deleted user)",
        "created_at": version.created_at,
        "length": len(version.body),
    }


@router.get(
    "/workspace/notes/{note_id}/versions",
    response=VersionListOut,
    summary="A note's saved versions (coach)",
    description="Newest first. The coach's only: 404 for anyone else, the client included.",
)
def list_versions(request: HttpRequest, note_id: str) -> dict[str, Any]:
    note = _coach_note(request, note_id)
    return {"items": [_version_data(v) for v in selectors.versions_of(note)]}


@router.get(
    "/workspace/notes/{note_id}/versions/{number}",
    response=VersionBodyOut,
    summary="One saved version of a note, with its text (coach)",
    description="404 for a number never saved, and for anyone but the coach.",
)
def get_version(request: HttpRequest, note_id: str, number: int) -> dict[str, Any]:
    version = selectors.version_of(_coach_note(request, note_id), number)
    if version is None:
        raise ObjectNotFound()
    return {**_version_data(version), "body": version.body}


@router.post(
    "/workspace/notes/{note_id}/action-items",
    response={201: ActionFromLineOut, 409: ErrorOut},
    summary="Raise an action item from a line of the note (coach)",
    description="`line` must be one of the saved text's non-empty lines (400 `not_a_line`); a "
    "leading list marker is dropped from the title. Linked to the note and its session. "
    + PRIVACY
    + ENDED,
)
def raise_action_item(request: HttpRequest, payload: ActionFromLineIn, note_id: str) -> Status[Any]:
    item = services.note_raise_action_item(
        actor=request.user, note_id=note_id, line=payload.line, assignee=payload.assignee
    )
    return Status(201, {"id": item.public_id, "title": item.title})


# --- templates -----------------------------------------------------------------------------


def _template_data(template: NoteTemplate) -> dict[str, Any]:
    return {
        "key": templates.template_key(template),
        "id": template.public_id,
        "name": template.name,
        "body": template.body,
        "builtin": False,
    }


@router.get(
    "/workspace/note-templates",
    response=NoteTemplateListOut,
    summary="Note templates: the built-in ones, then yours",
)
def list_templates(request: HttpRequest) -> dict[str, Any]:
    builtins = [
        {"key": b.key, "id": None, "name": b.name, "body": b.body, "builtin": True}
        for b in templates.BUILTINS.values()
    ]
    own = [_template_data(t) for t in selectors.own_templates(request.user)]
    return {"items": builtins + own}


@router.post(
    "/workspace/note-templates",
    response={200: NoteTemplateOut, 201: NoteTemplateOut, 404: ErrorOut, 409: ErrorOut},
    summary="Make a note template of your own (coaches)",
    description="Names are unique per coach (409 `template_name_taken`); body ≤ 10,000 "
    "characters. Not a coach: 404 `not_a_coach`. `Idempotency-Key` as on other creates.",
)
def create_template(
    request: HttpRequest, response: HttpResponse, payload: NoteTemplateIn
) -> Status[Any]:
    template, replayed = once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        scope="workspace.note_template",
        body=payload.model_dump(),
        create=lambda: templates.note_template_create(
            actor=request.user, name=payload.name, body=payload.body
        ),
        load=lambda public_id: selectors.own_template(request.user, public_id),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if replayed else 201, _template_data(template))


def _template(request: HttpRequest, template_id: str) -> NoteTemplate:
    found = selectors.own_template(request.user, template_id)
    if found is None:
        raise templates.TemplateNotFound()
    return found


@router.get(
    "/workspace/note-templates/{template_id}",
    response=NoteTemplateOut,
    summary="One of your note templates",
)
def get_template(request: HttpRequest, template_id: str) -> dict[str, Any]:
    return _template_data(_template(request, template_id))


@router.patch(
    "/workspace/note-templates/{template_id}",
    response={200: NoteTemplateOut, 409: ErrorOut},
    summary="Rename or rewrite one of your note templates",
)
def patch_template(
    request: HttpRequest, payload: NoteTemplatePatchIn, template_id: str
) -> dict[str, Any]:
    template = templates.note_template_update(
        actor=request.user, template_id=template_id, name=payload.name, body=payload.body
    )
    return _template_data(template)


@router.delete(
    "/workspace/note-templates/{template_id}",
    response={204: None},
    summary="Delete one of your note templates",
    description="Notes started from it keep their text.",
)
def delete_template(request: HttpRequest, template_id: str) -> Status[Any]:
    templates.note_template_delete(actor=request.user, template_id=template_id)
    return Status(204, None)


__all__ = ["VersionOut", "note_data", "router"]
