"""Book now pages: the client's form and live progress page, the coach's offers page.

Thin: parse, call one service, render or redirect. Live updates come from the event stream
(realtime/live.js refreshes the status region on `dispatch.changed`; static/dispatch/
request.js counts down and refreshes it when a coach's time is up, so a timeout shows even
without the worker). Coaches get the offer alert on every page (static/dispatch/offers.js,
through the API); the offers page here is the same without JavaScript. Someone else's
request or offer is a 404, like an unknown id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.booking.forms import show_service_error
from tandem.core.errors import ServiceError
from tandem.realtime.context_processors import pin_events_position

from . import selectors, services
from .api import request_body
from .forms import BookNowForm
from .present import offer_data

PREFILLED = ("duration_minutes", "within_minutes")


def _request_context(http: AuthenticatedHttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    found = selectors.request_for(http.user, request_id)
    if found is None:
        raise Http404("No such request.")
    if services.dispatch_request_catch_up(request=found):
        found = selectors.request_for(http.user, request_id)
        assert found is not None
    # A fresh Idempotency-Key prefix for the "ask again, more widely" buttons.
    return {"dispatch": request_body(found, now=timezone.now()), "widen_key": uuid.uuid4().hex}


@login_required
@require_http_methods(["GET", "POST"])
def book_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = BookNowForm(request.POST)
        if form.is_valid():
            try:
                outcome = services.dispatch_request_create(
                    client=request.user,
                    specialty=form.cleaned_data["specialty"],
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    within_minutes=form.cleaned_data["within_minutes"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status
            else:
                return redirect("book_now_request", request_id=outcome.request.public_id)
        else:
            status = 400
    else:
        # "Try another topic or length" from an unfilled request keeps what it can.
        asked = {k: request.GET[k] for k in PREFILLED if request.GET.get(k, "").isdigit()}
        form = BookNowForm(initial={**asked, "idempotency_key": uuid.uuid4().hex})
    running = selectors.latest_request(request.user)
    context = {"form": form, "running": running if running and running.is_active else None}
    return render(request, "dispatch/book_now.html", context, status=status)


@login_required
@require_safe
def request_page(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    # The stream position before the data: a change committed while the page is built then
    # arrives as an event instead of falling in between.
    pin_events_position(request)
    return render(request, "dispatch/request.html", _request_context(request, request_id))


@login_required
@require_safe
def request_status(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """The live region of the progress page (fetched again by realtime/live.js)."""
    return render(
        request, "dispatch/partials/request_status.html", _request_context(request, request_id)
    )


@login_required
@require_POST
def request_withdraw(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    try:
        services.dispatch_request_withdraw(client=request.user, request_id=request_id)
    except services.RequestNotFound as exc:
        raise Http404("No such request.") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your request was withdrawn; no other coach will be asked.")
    return redirect("book_now_request", request_id=request_id)


def _offers_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    services.dispatch_offers_catch_up(coach_user=request.user)
    now = timezone.now()
    offers = selectors.open_offers_for(request.user, now=now)
    return {"offers": [offer_data(o, request.user, now=now) for o in offers]}


@login_required
@require_safe
def offers_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    pin_events_position(request)
    return render(request, "dispatch/offers.html", _offers_context(request))


@login_required
@require_safe
def offers_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "dispatch/partials/offer_list.html", _offers_context(request))


@login_required
@require_POST
def offer_accept(request: AuthenticatedHttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    try:
        outcome = services.dispatch_offer_accept(coach_user=request.user, offer_id=offer_id)
    except services.OfferNotFound as exc:
        raise Http404("No such offer.") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("book_now_offers")
    messages.success(request, "Accepted: the session is booked.")
    return redirect(reverse("session_detail", kwargs={"booking_id": outcome.booking.public_id}))


@login_required
@require_POST
def offer_decline(request: AuthenticatedHttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    try:
        services.dispatch_offer_decline(coach_user=request.user, offer_id=offer_id)
    except services.OfferNotFound as exc:
        raise Http404("No such offer.") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "Declined: the client's request goes to the next coach.")
    return redirect("book_now_offers")
