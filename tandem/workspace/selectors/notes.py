"""Reads of session notes, per viewer tier.

The coach of an engagement sees both notes of every session (private and shared, drafts
included). The client sees a shared note only once it has a saved, non-empty body, and only
that body and when it was saved — never a draft, never a version list, never a private note
(which, for them, does not exist). Every function here applies that rule itself, so a caller
cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse

from tandem.booking.models import Booking
from tandem.booking.selectors import booking_for, pair_sessions
from tandem.coaches.selectors import coach_profile_of
from tandem.core.cursors import decode_position, encode_cursor
from tandem.core.errors import InvalidInput

from ..models import Engagement, NoteTemplate, NoteVersion, SessionNote
from .access import engagements_of, parse_id, role_in
from .timeline import TimelineItem

PRIVATE = SessionNote.Visibility.PRIVATE
SHARED = SessionNote.Visibility.SHARED
SECTION_SESSIONS = 10
EXCERPT = 140
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def excerpt(body: str, length: int = EXCERPT) -> str:
    """The first non-empty line, cut to `length` characters."""
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return first if len(first) <= length else first[: length - 1] + "…"


def _base() -> QuerySet[SessionNote]:
    return SessionNote.objects.select_related(
        "engagement__coach__user", "engagement__client", "booking__session_type"
    ).annotate(saved_at=Max("versions__created_at"))


def _for_role(notes: QuerySet[SessionNote], role: str) -> QuerySet[SessionNote]:
    """The client's tier: shared notes with a saved body ("" is stored as "", not encrypted,
    so the emptiness test runs in SQL)."""
    if role == "coach":
        return notes
    return notes.filter(visibility=SHARED, version__gt=0).exclude(body="")


def visible_notes(engagement: Engagement, viewer: Any) -> QuerySet[SessionNote]:
    return _for_role(_base().filter(engagement=engagement), role_in(engagement, viewer))


def note_for(viewer: Any, note_id: Any) -> SessionNote | None:
    """A note the viewer may read (see the module's rule), else None: the 404."""
    parsed = parse_id(note_id)
    if parsed is None:
        return None
    note = _base().filter(public_id=parsed, engagement__in=engagements_of(viewer)).first()
    if note is None:
        return None
    role = role_in(note.engagement, viewer)
    if role == "client" and not (note.visibility == SHARED and note.version and note.body):
        return None
    return note


def can_write(note: SessionNote, viewer: Any) -> bool:
    return bool(note.engagement.coach.user_id == viewer.pk)


def session_of(engagement: Engagement, viewer: Any, booking_id: Any) -> Any:
    """The booking if it is a session of this engagement's pair (else None: 404)."""
    booking = booking_for(viewer, booking_id)
    if (
        booking is None
        or booking.coach_id != engagement.coach_id
        or booking.client_id != engagement.client_id
    ):
        return None
    return booking


def notes_of_session(engagement: Engagement, viewer: Any, booking: Any) -> dict[str, Any]:
    """{"private": note or None, "shared": note or None} as the viewer may see them."""
    found = {n.visibility: n for n in visible_notes(engagement, viewer).filter(booking=booking)}
    return {"private": found.get(PRIVATE), "shared": found.get(SHARED)}


@dataclass(frozen=True)
class NotePage:
    items: list[SessionNote]
    next_cursor: str | None


def notes_page(
    engagement: Engagement,
    viewer: Any,
    *,
    booking: Any = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> NotePage:
    """Newest session first (then newest note). Keyset pages over (session start, id)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}.", fields={"limit": ["out_of_range"]})
    notes = visible_notes(engagement, viewer)
    if booking is not None:
        notes = notes.filter(booking=booking)
    if cursor:
        after_start, after_id = decode_position(cursor, moment="s", key="i", key_type=int)
        notes = notes.filter(
            Q(booking__start__lt=after_start) | Q(booking__start=after_start, pk__lt=after_id)
        )
    items = list(notes.order_by("-booking__start", "-pk")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor({"s": last.booking.start.isoformat(), "i": last.pk})
    return NotePage(items, next_cursor)


def versions_of(note: SessionNote) -> list[NoteVersion]:
    """Newest first. Callers show these to the coach only."""
    return list(note.versions.select_related("author").order_by("-number"))


def version_of(note: SessionNote, number: Any) -> NoteVersion | None:
    if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 2**31:
        return None
    return note.versions.select_related("author").filter(number=number).first()


# --- templates ---------------------------------------------------------------------------


def own_templates(user: Any) -> list[NoteTemplate]:
    coach = coach_profile_of(user)
    if coach is None:
        return []
    return list(NoteTemplate.objects.filter(coach=coach).order_by("name", "pk"))


def own_template(user: Any, template_id: Any) -> NoteTemplate | None:
    parsed = parse_id(template_id)
    if parsed is None:
        return None
    return NoteTemplate.objects.filter(coach__user_id=user.pk, public_id=parsed).first()


def template_choices(engagement: Engagement) -> list[tuple[str, str]]:
    """(key, name) of the templates the engagement's coach may apply."""
    from ..services.templates import BUILTINS, template_key

    own = NoteTemplate.objects.filter(coach=engagement.coach).order_by("name", "pk")
    return [(b.key, b.name) for b in BUILTINS.values()] + [(template_key(t), t.name) for t in own]


# --- the client file's section and timeline ----------------------------------------------


def notes_url(engagement: Engagement, booking: Any) -> str:
    return reverse(
        "workspace_session_notes",
        kwargs={"engagement_id": engagement.public_id, "booking_id": booking.public_id},
    )


def _note_summary(note: SessionNote, role: str) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": note.public_id,
        "visibility": note.visibility,
        "excerpt": excerpt(note.body),
        "saved_at": note.saved_at,  # type: ignore[attr-defined]
    }
    if role == "coach":
        summary.update(version=note.version, has_draft=bool(note.draft))
    return summary


def _session_entry(engagement: Engagement, booking: Any) -> dict[str, Any]:
    return {
        "booking_id": booking.public_id,
        "start": booking.start,
        "session_type": booking.session_type.name,
        "url": notes_url(engagement, booking),
        "private": None,
        "shared": None,
    }


def file_section(engagement: Engagement, viewer: Any, *, now: datetime) -> dict[str, Any]:
    """The notes section of the client file. The coach: the pair's latest SECTION_SESSIONS
    sessions (cancelled ones left out), each with its notes or a way to write them. The
    client: the latest sessions with a saved shared note. Three queries at most, whatever
    the number of sessions and notes."""
    role = role_in(engagement, viewer)
    notes = visible_notes(engagement, viewer)
    sessions: dict[int, dict[str, Any]] = {}
    if role == "coach":
        recent = pair_sessions(
            coach_id=engagement.coach_id,
            client_id=engagement.client_id,
            limit=SECTION_SESSIONS * 2,
        )
        shown = [b for b in recent if b.status not in Booking.CANCELLED_STATUSES]
        for booking in shown[:SECTION_SESSIONS]:
            sessions[booking.pk] = _session_entry(engagement, booking)
        rows = list(notes.filter(booking_id__in=list(sessions)))
    else:
        # Two notes at most per session: 2N rows always cover the N newest sessions.
        rows = list(notes.order_by("-booking__start", "-pk")[: 2 * SECTION_SESSIONS])
    for note in rows:
        entry = sessions.get(note.booking_id)
        if entry is None:
            if role == "coach" or len(sessions) == SECTION_SESSIONS:
                continue
            entry = sessions[note.booking_id] = _session_entry(engagement, note.booking)
        entry[note.visibility] = _note_summary(note, role)
    with_notes = sum(1 for e in sessions.values() if e["private"] or e["shared"])
    total = notes.aggregate(n=Count("booking", distinct=True))["n"]
    return {
        "engagement_id": engagement.public_id,
        "role": role,
        "sessions": list(sessions.values()),
        "total_sessions": total,
        "more": max(0, total - with_notes),
        "part_url": reverse("workspace_notes_part", kwargs={"engagement_id": engagement.public_id}),
        "now": now,
    }


def timeline_items(engagement: Engagement, viewer: Any, *, limit: int = 50) -> list[TimelineItem]:
    """One item per saved note the viewer may see, newest save first (one query)."""
    notes = (
        visible_notes(engagement, viewer)
        .filter(version__gt=0)
        .order_by("-saved_at", "-pk")[: max(0, limit)]  # type: ignore[misc]
    )
    items = []
    for note in notes:
        label = "Private session note" if note.visibility == PRIVATE else "Shared session note"
        items.append(
            TimelineItem(
                at=note.saved_at,  # type: ignore[attr-defined]
                area="note",
                title=label,
                url=notes_url(engagement, note.booking),
                detail=excerpt(note.body),
            )
        )
    return items
