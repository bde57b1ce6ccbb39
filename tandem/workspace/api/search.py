"""/api/v1/workspace/search: search over one's own notes and journal. Thin: the selector
searches the caller's own blind index and loads hits through the access rules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from ..selectors import search as selectors
from .journal_schemas import HitListOut, WorkspaceSearchQuery

router = Router(tags=["workspace: search"])


@router.get(
    "/workspace/search",
    response=HitListOut,
    summary="Search your own notes and journal",
    description="Every word must match (words of 3+ letters match word starts). A coach "
    "searches their session notes (`kind=note`, only of engagements they still coach) and "
    "everyone their own journal (`kind=journal`); without `kind`, both. Newest first, at most "
    "50 of each kind, with a snippet around the first match. Never anyone else's text.",
)
def search(request: HttpRequest, query: Query[WorkspaceSearchQuery]) -> dict[str, Any]:
    hits = selectors.search(request.user, query.q, kind=query.kind)
    return {
        "items": [
            {
                "kind": h.kind,
                "id": h.id,
                "at": h.at,
                "title": h.title,
                "snippet": h.snippet,
                "url": h.url,
            }
            for h in hits
        ]
    }
