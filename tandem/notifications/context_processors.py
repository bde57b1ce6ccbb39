"""The frame of every signed-in page: the bell's unread count and the alert-sound setting.

Lazy and read once per request (one query, selectors.nav_state): only a page that renders
the frame pays, a fragment or an API answer does not. base.html reads it after the event
stream's starting point (`data-events-after` comes first on <body>), so a notification
committed in between reaches the page as an event that carries the new count.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import nav_state


def notification_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_nav": SimpleLazyObject(lambda: nav_state(user.pk))}
