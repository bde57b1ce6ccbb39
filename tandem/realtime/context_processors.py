"""What a signed-in page needs to follow its user's event stream (static/realtime/events.js).

base.html loads the client and renders the starting point as `<body data-events-after="N">`.
The position costs one query, so it is lazy: only a page that renders it pays, once.

Only requests served over ASGI get the client. The stream's WebSocket and SSE need the ASGI
server (uvicorn, what `manage.py serve` runs); a WSGI server (a WSGI deployment, Django's
runserver without daphne, pytest-django's live_server) cannot upgrade a WebSocket, and an
endless SSE response there would hold one of its worker threads for good. Such pages work as
before, without live updates.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .services import position

_CACHED = "_tandem_events_after"


def follows_events(request: HttpRequest) -> bool:
    """Whether this request's page loads the client: signed in, and served over ASGI."""
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and isinstance(request, ASGIRequest)


def events_after(request: HttpRequest) -> int:
    """The signed-in user's stream position, read once per request."""
    cached: int | None = getattr(request, _CACHED, None)
    if cached is None:
        cached = position(request.user.pk)
        setattr(request, _CACHED, cached)
    return cached


def pin_events_position(request: HttpRequest) -> None:
    """Read the starting point now, before the view reads what it shows.

    For pages whose content events change (My sessions, the dashboard): an event committed
    while the page is being built is then after the starting point, so the client receives
    it and refreshes, instead of it falling between the page's data and its starting point
    and never being seen. (Read while rendering, the position would come after the data.)
    """
    if follows_events(request):
        events_after(request)


def realtime(request: HttpRequest) -> dict[str, Any]:
    if not follows_events(request):
        return {"events_client": False}
    return {
        "events_client": True,
        "events_after": SimpleLazyObject(lambda: events_after(request)),
        # Settings, not queries: the client times its watchdog and long-poll by them.
        "events_heartbeat": settings.TANDEM_EVENTS_HEARTBEAT_SECONDS,
        "events_longpoll": settings.TANDEM_EVENTS_LONGPOLL_SECONDS,
    }
