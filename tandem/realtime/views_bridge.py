"""POST /internal/wake: wake-ups from `serve`'s own workers in the embedded mode (bridge.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .bridge import HEADER, accepted
from .services import awake


@csrf_exempt  # not a browser's: signed with the server's own secret instead
@require_POST
async def wake(request: HttpRequest) -> HttpResponse:
    events = accepted(request.body, request.headers.get(HEADER, ""))
    if events is None:
        return HttpResponse(status=403)
    await awake(events)
    return HttpResponse(status=204)
