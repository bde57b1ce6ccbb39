"""Workspace reads: search over one's own encrypted text.

A coach searches their session notes (kind "note", indexed with the coach as owner), a client
their journal (kind "journal"). services/search.find answers from the searcher's own blind
index only; each hit is then loaded again through the access rules (a note must still belong
to an engagement the searcher coaches, a journal entry must be theirs), so a stale digest can
never show anything else. Snippets are cut from the decrypted text of the rows shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.core import blind_index

from ..models import JournalEntry, SessionNote
from ..services import search as search_service
from ..services.errors import InvalidInput
from .access import engagements_of

KINDS = ("note", "journal")
LIMIT = 50
SNIPPET_SIDE = 80


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    id: str
    at: datetime
    title: str
    snippet: str
    url: str


def snippet(text: str, query: str, *, side: int = SNIPPET_SIDE) -> str:
    """About 2 x `side` characters of `text` around the first place a query word starts
    (words of 3+ characters match as prefixes, like the index); the start if none does."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    first: int | None = None
    for word in blind_index.words(query)[: blind_index.MAX_QUERY_TERMS]:
        tail = r"" if len(word) >= blind_index.MIN_PREFIX else r"(?!\w)"
        match = re.search(r"(?<!\w)" + re.escape(word) + tail, text, re.IGNORECASE)
        if match and (first is None or match.start() < first):
            first = match.start()
    if first is None:
        first = 0
    start = max(0, first - side)
    end = min(len(text), first + side)
    # Whole words at the edges.
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    if end < len(text):
        space = text.rfind(" ", first, end)
        end = space if space > first else end
    return ("… " if start > 0 else "") + text[start:end] + (" …" if end < len(text) else "")


def kinds_for(user: Any) -> tuple[str, ...]:
    """What this user can search: notes if they coach anyone, and their own journal."""
    coaches = engagements_of(user).filter(coach__user_id=user.pk).exists()
    return ("note", "journal") if coaches else ("journal",)


def search(user: Any, query: str, *, kind: str | None = None) -> list[Hit]:
    """The searcher's own notes and journal entries matching every word of `query`, newest
    first, at most LIMIT of each kind."""
    if not isinstance(query, str):
        raise InvalidInput("Search for some text.", fields={"q": ["Expected text."]})
    if kind not in (None, "", *KINDS):
        raise InvalidInput("Unknown kind.", fields={"kind": ["Use note or journal."]})
    kinds = tuple(k for k in kinds_for(user) if not kind or k == kind)
    if not kinds or not query.strip():
        search_service.find(owner=user, query=query, kinds=())  # still validates the query
        return []
    found = search_service.find(owner=user, query=query, kinds=kinds)
    hits: list[Hit] = []
    if found.get("note"):
        notes = (
            SessionNote.objects.filter(pk__in=found["note"], engagement__coach__user_id=user.pk)
            .select_related("engagement__client", "booking")
            .order_by("-updated_at")[:LIMIT]
        )
        for note in notes:
            engagement = note.engagement
            hits.append(
                Hit(
                    kind="note",
                    id=str(note.public_id),
                    at=note.updated_at,
                    title=f"{note.get_visibility_display()} note · {engagement.client}",
                    snippet=snippet(note.body, query),
                    url=f"/workspace/{engagement.public_id}/sessions/"
                    f"{note.booking.public_id}/notes/",
                )
            )
    if found.get("journal"):
        entries = JournalEntry.objects.filter(pk__in=found["journal"], author_id=user.pk).order_by(
            "-written_at"
        )[:LIMIT]
        for entry in entries:
            hits.append(
                Hit(
                    kind="journal",
                    id=str(entry.public_id),
                    at=entry.written_at,
                    title="Journal entry",
                    snippet=snippet(entry.body, query),
                    url=f"/journal/{entry.public_id}/",
                )
            )
    hits.sort(key=lambda h: h.at, reverse=True)
    return hits
