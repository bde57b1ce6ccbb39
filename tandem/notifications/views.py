"""The notification centre (/notifications/), opening an entry (marks it read, then goes to
its thing), "Mark all read", and the Web Push service worker (/sw.js).

Thin: parse, call one selector or service, render or redirect. Another user's notification
does not exist: opening it is a 404 and changes nothing.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST, require_safe

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.realtime.context_processors import pin_events_position

from . import selectors, services
from .models import Notification

PAGE_SIZE = 20
MAX_SHOWN = 100  # a live refresh re-renders at most this many ("Load more" made it longer)
SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "notifications" / "sw.js"


@login_required
@require_safe
def centre(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.htmx and request.htmx.target == "notification-list":  # "Load more"
        context, status = _centre_context(request, request.user, limit=PAGE_SIZE)
        return render(request, "notifications/partials/rows_more.html", context, status=status)
    # The stream position before the list: an entry committed meanwhile arrives as an event
    # and refreshes the list, rather than falling between the two reads.
    pin_events_position(request)
    context, status = _centre_context(request, request.user, limit=PAGE_SIZE)
    return render(request, "notifications/centre.html", context, status=status)


@require_safe
def centre_live(request: HttpRequest) -> HttpResponse:
    """The list again, for the page to swap in when a notification arrives or is read
    (`shown` keeps a list lengthened by "Load more" as long)."""
    user = request.user
    if not user.is_authenticated:
        # Signed out since the page loaded: a 401 is not swapped in (a login page would be).
        return HttpResponse("Sign in again to see your notifications.", status=401)
    context, status = _centre_context(request, user, limit=_shown(request.GET.get("shown")))
    return render(request, "notifications/partials/centre_live.html", context, status=status)


def _shown(value: str | None) -> int:
    try:
        shown = int(value or 0)
    except ValueError:
        shown = 0
    return min(max(shown, PAGE_SIZE), MAX_SHOWN)


def _centre_context(request: HttpRequest, user: User, *, limit: int) -> tuple[dict[str, Any], int]:
    cursor = request.GET.get("cursor") or None
    status, error = 200, None
    try:
        page = selectors.notifications_page(user, cursor=cursor, limit=limit)
    except ServiceError as exc:  # a doctored or outdated "Load more" link
        page = selectors.NotificationPage([], None, 0)
        status, error = exc.status, "That page of notifications is no longer available."
    live_url = reverse("notifications_live")
    return {
        "items": page.items,
        "unread": page.unread,
        "next_cursor": page.next_cursor,
        "continued": bool(cursor),
        "error": error,
        "live_url": f"{live_url}?{urlencode({'cursor': cursor})}" if cursor else live_url,
    }, status


def _target(request: HttpRequest, note: Notification) -> str:
    """The entry's own page, if it is one of ours; else back to the centre. The url is
    written by services, but a redirect must never leave the site."""
    url = note.url
    if (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    ):
        return url
    return reverse("notifications")


@login_required
@require_POST
def open_notification(
    request: AuthenticatedHttpRequest, notification_id: uuid.UUID
) -> HttpResponse:
    """Mark read, then go to the thing it is about (a form's POST: works without JS)."""
    note = selectors.notification_for(request.user, notification_id)
    if note is None:
        raise Http404("No such notification.")
    services.mark_read(user=request.user, notification_id=note.public_id)
    return redirect(_target(request, note))


@login_required
@require_POST
def read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    messages.success(request, "All notifications are marked read.")
    return redirect("notifications")


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The Web Push worker, from the site's root so it may control every page (a worker's
    scope cannot reach above its own path; /static/… would limit it to /static/)."""
    response = HttpResponse(
        SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    # Browsers re-check a worker at most daily anyway; a fresh copy makes fixes land sooner.
    response["Cache-Control"] = "no-cache"
    return response
