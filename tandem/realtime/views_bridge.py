"""POST /internal/wake: wake-ups from `serve`'s own workers in the embedded mode (bridge.py).

Routed only without Redis (`urlpatterns` below); with Redis the layer reaches every process.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .bridge import HEADER, accepted
from .services import awake


@csrf_exempt  # not a browser's: signed with the server's own secret instead
@require_POST
async def wake(request: HttpRequest) -> HttpResponse:
    if settings.REDIS_URL:  # not routed then (below); refused too if reached another way
        raise Http404()
    events = await accepted(request.body, request.headers.get(HEADER, ""))
    if events is None:
        return HttpResponse(status=403)
    await awake(events)
    return HttpResponse(status=204)


def urlpatterns() -> list[URLPattern]:
    """/internal/wake, only in the embedded mode (no Redis)."""
    if settings.REDIS_URL:
        return []
    return [path("internal/wake", wake, name="realtime_wake")]
