"""Pages: search over one's own notes (coaches) and journal (everyone), /workspace/search/."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from tandem.core.errors import ServiceError

from ..selectors import search as selectors


@login_required
@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    kinds = selectors.kinds_for(request.user)
    status, error, hits = 200, None, []
    try:
        hits = selectors.search(request.user, query, kind=kind or None)
    except ServiceError as exc:
        status, error = exc.status, exc
    context = {
        "q": query,
        "kind": kind if kind in kinds else "",
        "kinds": kinds,
        "hits": hits,
        "error": error,
        "searched": bool(query.strip()) and error is None,
    }
    return render(request, "workspace/search/search.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("workspace/search/", search_page, name="workspace_search"),
]
