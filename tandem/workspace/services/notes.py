"""Session notes: per session, the coach's PRIVATE note and the SHARED one.

Only the engagement's coach writes notes. The client may read a shared note once it has a
saved, non-empty body (never a draft); a private note does not exist for the client: every
route answers 404 for it, exactly like an unknown id. A client writing a shared note they can
see is told 403 `forbidden` (it is honest: they can read it, but only the coach writes).

- A draft (`draft`, `draft_saved_at`) is the editor's autosave: no version, the coach alone.
- Save makes NoteVersion number version+1 (author, time) and sets `body`, unless the text is
  the same as the last saved one (then nothing but the draft is cleared).
- Each save indexes the body in the coach's blind index (services/search.py).
- Events carry ids only. Private note changes and all drafts go to the coach alone; a saved
  shared note goes to both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.booking.selectors import booking_for
from tandem.core.errors import Conflict, InvalidInput
from tandem.core.text import clean_text

from ..models import Engagement, SessionNote
from ..selectors.access import engagement_for, parse_id, role_in
from . import search
from .errors import EngagementEnded, EngagementNotFound, NotAllowed, ObjectNotFound
from .events import emit
from .templates import BUILTINS, template_body

MAX_BODY = 20_000
MAX_TITLE = 300  # the actions area's TITLE_MAX; a longer line goes on in the detail
MAX_DETAIL = 2000


class NoteNotEmpty(Conflict):
    """A template only fills an empty note."""

    code = "note_not_empty"


class NotALine(InvalidInput):
    """That is not a line of the note's saved text."""

    code = "not_a_line"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _clean_body(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(fields={field: ["A string is required."]})
    # A browser's textarea sends CRLF: one line ending, so the same text compares equal.
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(value, field=field, max_length=MAX_BODY)


def _coach_engagement(actor: Any, engagement_id: Any, visibility: Any) -> Engagement:
    """The engagement if `actor` is its coach. The client: 404 for private notes (they do
    not exist for them), 403 for shared ones."""
    engagement = engagement_for(actor, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    visibility = _visibility(visibility)
    if role_in(engagement, actor) != "coach":
        if visibility == SessionNote.Visibility.PRIVATE:
            raise ObjectNotFound()
        raise NotAllowed("Only the coach writes session notes.")
    return engagement


def _writable(engagement: Engagement) -> None:
    if engagement.state == Engagement.State.ENDED:
        raise EngagementEnded()


def _locked_note(actor: Any, note_id: Any) -> SessionNote:
    """The note, locked, if `actor` may write it. The client: 404 for a note they cannot
    read (any private note, a shared one not yet saved), 403 for a shared one they can."""
    parsed = parse_id(note_id)
    note = (
        SessionNote.objects.select_for_update(of=("self",))
        .select_related("engagement__coach__user", "engagement__client", "booking")
        .filter(public_id=parsed)
        .first()
        if parsed
        else None
    )
    if note is None or not getattr(actor, "is_authenticated", False):
        raise ObjectNotFound()
    engagement = note.engagement
    if engagement.coach.user_id == actor.pk:
        _writable(engagement)
        return note
    if (
        engagement.client_id == actor.pk
        and note.visibility == SessionNote.Visibility.SHARED
        and note.body
    ):
        raise NotAllowed("Only the coach writes session notes.")
    raise ObjectNotFound()


def _emit(note: SessionNote, action: str, *, to_both: bool) -> None:
    engagement = note.engagement
    shared = note.visibility == SessionNote.Visibility.SHARED
    only = None if (shared and to_both) else engagement.coach.user
    emit(engagement, "notes", object_id=note.public_id, action=action, only=only)


def _apply_template(note: SessionNote, key: str, now: datetime) -> None:
    if not isinstance(key, str) or len(key) > 80 or "\x00" in key:
        raise InvalidInput(fields={"template": ["unknown"]})
    headings = template_body(coach=note.engagement.coach, key=key)
    if note.body or note.draft:
        raise NoteNotEmpty(fields={"template": ["The note already has text."]})
    note.template = key
    note.draft = headings
    note.draft_saved_at = now if headings else None


def _save_draft(note: SessionNote, draft: str, now: datetime) -> None:
    note.draft = draft
    note.draft_saved_at = now


def _save_body(note: SessionNote, actor: Any, body: str, now: datetime) -> bool:
    """A new version unless the text is what was saved last. True if one was made."""
    note.draft = ""
    note.draft_saved_at = None
    if body == note.body:
        return False
    note.version += 1
    note.body = body
    note.updated_at = now
    note.versions.create(number=note.version, body=body, author=actor, created_at=now)
    search.index(owner=note.engagement.coach.user, kind="note", object_id=note.pk, text=body)
    return True


def _store(note: SessionNote, *, saved: bool, action: str, now: datetime) -> None:
    """Write the row; tell both sides of a saved shared note, else the coach alone."""
    note.updated_at = now
    note.save()
    _emit(note, "saved" if saved else action, to_both=saved)


def _visibility(value: Any) -> str:
    if value not in SessionNote.Visibility.values:
        raise InvalidInput(fields={"visibility": ["Choose private or shared."]})
    return str(value)


@transaction.atomic
def note_upsert(
    *,
    actor: Any,
    engagement_id: Any,
    booking_id: Any,
    visibility: str,
    body: str | None = None,
    draft: str | None = None,
    template: str | None = None,
    now: datetime | None = None,
) -> tuple[SessionNote, bool]:
    """The session's note of this visibility, made if it is not there yet (created=True);
    then, in this order: `template` applied, `draft` autosaved, `body` saved as a version."""
    now = _now(now)
    engagement = _coach_engagement(actor, engagement_id, visibility)
    visibility = _visibility(visibility)
    booking = booking_for(actor, booking_id)
    if (
        booking is None
        or booking.coach_id != engagement.coach_id
        or booking.client_id != engagement.client_id
    ):
        raise ObjectNotFound("No such session in this engagement.", fields={"booking": ["unknown"]})
    _writable(engagement)
    clean_draft = None if draft is None else _clean_body(draft, "draft")
    clean_body = None if body is None else _clean_body(body, "body")
    note = (
        SessionNote.objects.select_for_update(of=("self",))
        .filter(booking=booking, visibility=visibility)
        .first()
    )
    created = note is None
    if note is None:
        try:
            with transaction.atomic():
                note = SessionNote.objects.create(
                    engagement=engagement,
                    booking=booking,
                    visibility=visibility,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:  # made concurrently: use that one
            note = SessionNote.objects.select_for_update(of=("self",)).get(
                booking=booking, visibility=visibility
            )
            created = False
    note.engagement = engagement
    note.booking = booking
    if not created and not template and clean_draft is None and clean_body is None:
        return note, False  # asked for what is there: nothing to write
    if template:
        _apply_template(note, template, now)
    if clean_draft is not None:
        _save_draft(note, clean_draft, now)
    saved = clean_body is not None and _save_body(note, actor, clean_body, now)
    _store(note, saved=saved, action="created" if created else "draft", now=now)
    return note, created


@transaction.atomic
def note_update(
    *,
    actor: Any,
    note_id: Any,
    body: str | None = None,
    draft: str | None = None,
    template: str | None = None,
    now: datetime | None = None,
) -> tuple[SessionNote, bool]:
    """One change of a note, in this order: `template` applied (an empty note only),
    `draft` autosaved, `body` saved (a new version unless it is the last saved text).
    (note, True if a version was made)."""
    now = _now(now)
    note = _locked_note(actor, note_id)
    if template is None and draft is None and body is None:
        raise InvalidInput("Send body, draft or template.", fields={"__all__": ["empty"]})
    clean_draft = None if draft is None else _clean_body(draft, "draft")
    clean_body = None if body is None else _clean_body(body, "body")
    if template is not None:
        _apply_template(note, template, now)
    if clean_draft is not None:
        _save_draft(note, clean_draft, now)
    saved = clean_body is not None and _save_body(note, actor, clean_body, now)
    _store(note, saved=saved, action="template" if template else "draft", now=now)
    return note, saved


def note_save_draft(
    *, actor: Any, note_id: Any, draft: str, now: datetime | None = None
) -> SessionNote:
    """The editor's autosave: the text so far, no version."""
    return note_update(actor=actor, note_id=note_id, draft=draft, now=now)[0]


def note_save(
    *, actor: Any, note_id: Any, body: str, now: datetime | None = None
) -> tuple[SessionNote, bool]:
    """Save: a new version (True) unless the text is the same as the last saved one."""
    return note_update(actor=actor, note_id=note_id, body=body, now=now)


def note_apply_template(
    *, actor: Any, note_id: Any, template: str, now: datetime | None = None
) -> SessionNote:
    return note_update(actor=actor, note_id=note_id, template=template, now=now)[0]


def note_lines(body: str) -> list[str]:
    """The lines an action item can be raised from: each non-empty line, trimmed."""
    return [line.strip() for line in body.splitlines() if line.strip()]


def _title_of(line: str) -> str:
    # "- call the board" and "1. call the board" become "call the board".
    text = line.lstrip("-*•> ").strip()
    head, _, rest = text.partition(". ")
    if head.isdigit() and rest:
        text = rest.strip()
    return text or line


def note_raise_action_item(
    *,
    actor: Any,
    note_id: Any,
    line: Any,
    assignee: str = "client",
    now: datetime | None = None,
) -> Any:
    """An action item (actions service) from one line of the note's saved text, linked to
    the note and its session. `assignee`: "client" or "coach".

    From a private note too: the coach copies that one line into an object both sides see
    (the editor says so next to the control); the note itself, and that the item came from
    a private note, stay hidden from the client (selectors/actions.py)."""
    from .actions import action_item_create  # the actions area's one write path

    if not isinstance(line, str) or "\x00" in line or len(line) > MAX_BODY:
        raise NotALine(fields={"line": ["not_a_line"]})
    if assignee not in ("client", "coach"):
        raise InvalidInput(fields={"assignee": ["Choose client or coach."]})
    with transaction.atomic():
        note = _locked_note(actor, note_id)
        wanted = line.strip()
        if not wanted or wanted not in note_lines(note.body):
            raise NotALine(fields={"line": ["not_a_line"]})
        engagement = note.engagement
        who = engagement.client if assignee == "client" else engagement.coach.user
        title = _title_of(wanted)
        detail = ""
        if len(title) > MAX_TITLE:
            title, detail = title[: MAX_TITLE - 1] + "…", title[:MAX_DETAIL]
        return action_item_create(
            actor=actor,
            engagement=engagement,
            title=title,
            detail=detail,
            assignee=who,
            booking=note.booking,
            source_note=note,
            now=_now(now),
        )


__all__ = [
    "BUILTINS",
    "MAX_BODY",
    "NotALine",
    "NoteNotEmpty",
    "note_apply_template",
    "note_lines",
    "note_raise_action_item",
    "note_save",
    "note_save_draft",
    "note_update",
    "note_upsert",
]
