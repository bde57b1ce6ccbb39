"""The calendar feed (/calendar/<token>.ics) and its settings page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_safe

from tandem.accounts.http import AuthenticatedHttpRequest

from . import feeds, ical
from .links import site_url


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = feeds.feed_user(token)
    if user is None:
        raise Http404("No such calendar.")
    body = ical.feed(user, feeds.feed_bookings(user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tandem.ics"'
    # Calendar apps poll; five minutes of reuse is plenty fresh. Private: the URL is a secret
    # and the body personal, so no shared cache may keep it.
    patch_cache_control(response, private=True, max_age=300)
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_safe
def settings_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    feed = feeds.feed_token_for(request.user)
    # TANDEM_SITE_URL, not the request's host: behind a proxy the latter may be internal, and
    # a calendar app subscribes from the outside.
    url = site_url(reverse("calendar_feed", kwargs={"token": feed.token}))
    context = {
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "feed": feed,
    }
    return render(request, "settings/calendar.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def settings_calendar_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    # GET asks "are you sure?" (a page, so it works without JavaScript); POST does it.
    if request.method == "POST":
        feeds.feed_regenerate(request.user)
        messages.success(
            request,
            "New calendar link created. Subscribe to it again; the old link no longer works.",
        )
        return redirect("settings_calendar")
    return render(request, "settings/calendar_regenerate.html")
