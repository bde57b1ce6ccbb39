"""My sessions (/sessions/), one session (/sessions/<id>/) and its changes: accept, decline,
complete, no-show, reschedule, cancel, and the calendar file. The session's money (its
payment panel, what cancelling gives back) comes through the payments port
(services/payments_hook.py); "Mark invoice paid" is payments' page.

Thin: parse, call one selector or service, render or redirect. A session exists only for its
two participants: for anyone else every page and every POST is a 404 and changes nothing
(booking_for answers None; the services raise NotFound).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.accounts.models import User
from tandem.accounts.selectors import user_roles
from tandem.coaches import page_queries as coach_pages
from tandem.core import money as core_money
from tandem.core.errors import NotFound, ServiceError
from tandem.realtime.context_processors import pin_events_position

from . import ical, page_queries, present, selectors, services
from .alternatives import alternatives_for
from .forms import CancelForm, DeclineForm, RescheduleForm, show_service_error
from .models import Booking
from .services import payments_hook
from .services.policy import is_coach_of

PAGE_SIZE = 20
TABS = {"upcoming": "Upcoming", "past": "Past", "cancelled": "Cancelled"}
ROLES = {"any": "All", "client": "As client", "coach": "As coach"}


def _participant_booking(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> Booking:
    booking = selectors.booking_for(request.user, booking_id)
    if booking is None:
        raise Http404("No such session.")
    return booking


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- My sessions -----------------------------------------------------------------------------


@login_required
@require_safe
def sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.htmx and request.htmx.target == "session-list":  # "Load more"
        context, status = _sessions_context(request, request.user, limit=PAGE_SIZE)
        return render(request, "booking/partials/session_rows.html", context, status=status)
    # The stream position before the sessions: a change committed while this page is built
    # then reaches the page as an event (and refreshes the list), never falls in between.
    pin_events_position(request)
    context, status = _sessions_context(request, request.user, limit=PAGE_SIZE)
    return render(request, "booking/sessions.html", context, status=status)


@require_safe
def sessions_live(request: HttpRequest) -> HttpResponse:
    """The live part of My sessions (requests, tabs, the list) for the page to fetch again
    when a booking changes; `shown` keeps a list lengthened by "Load more" as long."""
    user = request.user
    if not user.is_authenticated:
        # Signed out since the page loaded: a 401 is not swapped in (a login page would be).
        return HttpResponse("Sign in again to see your sessions.", status=401)
    context, status = _sessions_context(request, user, limit=_shown(request.GET.get("shown")))
    return render(request, "booking/partials/sessions_live.html", context, status=status)


def _shown(value: str | None) -> int:
    try:
        shown = int(value or 0)
    except ValueError:
        shown = 0
    return min(max(shown, PAGE_SIZE), selectors.MAX_LIMIT)


def _sessions_context(
    request: HttpRequest, user: User, *, limit: int
) -> tuple[dict[str, Any], int]:
    is_coach = "coach" in user_roles(user)
    tab = request.GET.get("tab", "upcoming")
    tab = tab if tab in TABS else "upcoming"
    role = request.GET.get("role", "any")
    # Only someone who coaches has sessions on both sides to tell apart.
    role = role if is_coach and role in ROLES else "any"
    cursor = request.GET.get("cursor") or None
    now = timezone.now()
    status, error = 200, None
    try:
        page = selectors.bookings_page(
            user, scope=tab, now=now, role=role, cursor=cursor, limit=limit
        )
    except ServiceError as exc:  # a doctored or outdated "Load more" link
        page = selectors.BookingPage([], None)
        status, error = exc.status, "That page of sessions is no longer available."

    def query(**changes: str) -> str:
        values = {"tab": tab, "role": role, **changes}
        return urlencode({k: v for k, v in values.items() if v and v != "any"})

    context = {
        "tab": tab,
        "role": role,
        "tabs": [(key, label, query(tab=key, cursor="")) for key, label in TABS.items()],
        "roles": [(key, label, query(role=key, cursor="")) for key, label in ROLES.items()]
        if is_coach
        else [],
        "items": page.items,
        "more_query": query(cursor=page.next_cursor) if page.next_cursor else "",
        "continued": bool(cursor),
        "first_page_query": query(cursor=""),
        "error": error,
        "requests": selectors.pending_requests_for_coach(user, now)
        if is_coach and role != "client" and not cursor
        else [],
        "directory_url": reverse("coach_directory"),
        # What the live part fetches again: this view of the list (tab, role, page).
        "live_url": f"{reverse('sessions_live')}?{query(cursor=cursor or '')}",
    }
    return context, status


# --- One session -----------------------------------------------------------------------------


@login_required
@require_safe
def session_detail(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    booking = _participant_booking(request, booking_id)
    now = timezone.now()
    other_name, other_zone = page_queries.other_party(booking, request.user)
    context = {
        "booking": booking,
        "data": present.booking_data(booking, request.user, now),
        "is_coach": is_coach_of(booking, request.user),
        "coach_name": coach_pages.display_name(booking.coach),
        "other_name": other_name,
        "other_zone": other_zone,
        "timeline": page_queries.timeline(
            booking, selectors.booking_history(booking), request.user
        ),
        "actions": page_queries.actions_for(booking, request.user, now),
        "price": core_money.format_money(booking.price, booking.currency)
        if booking.price
        else "Free",
        # Payments' panel, rendered by payments (the payments port).
        "payment_panel": payments_hook.port().payment_panel(request, booking, now),
    }
    return render(request, "booking/session_detail.html", context)


@login_required
@require_safe
def session_calendar(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    """The session as an .ics file for the viewer's calendar (one event, a stable UID)."""
    booking = _participant_booking(request, booking_id)
    method: ical.Method = "CANCEL" if booking.status in Booking.CANCELLED_STATUSES else "REQUEST"
    body = ical.invitation(booking, method, request.user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="tandem-session-{booking.start:%Y-%m-%d}.ics"'
    )
    return response


def _change(
    request: AuthenticatedHttpRequest,
    booking_id: uuid.UUID,
    change: Callable[..., Any],
    success: str,
    **values: Any,
) -> HttpResponse:
    """POST one change; a stranger's attempt is a 404, a refused one a message."""
    fallback = reverse("session_detail", kwargs={"booking_id": booking_id})
    try:
        change(booking_id=booking_id, user=request.user, **values)
    except NotFound as exc:
        raise Http404("No such session.") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(_next_or(request, fallback))


@login_required
@require_POST
def session_accept(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    return _change(
        request, booking_id, services.booking_accept, "Request accepted: the session is confirmed."
    )


@login_required
@require_POST
def session_decline(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    form = DeclineForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else None
    if message is None:
        messages.error(request, "Keep the message under 2000 characters.")
        return redirect(
            _next_or(request, reverse("session_detail", kwargs={"booking_id": booking_id}))
        )
    return _change(
        request,
        booking_id,
        services.booking_decline,
        "Request declined. The client has been told.",
        message=message,
    )


@login_required
@require_POST
def session_complete(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    return _change(request, booking_id, services.booking_complete, "Marked as completed.")


@login_required
@require_POST
def session_no_show(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    return _change(request, booking_id, services.booking_no_show, "Marked as a no-show.")


# --- Reschedule ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_reschedule(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    booking = _participant_booking(request, booking_id)
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                moved = services.booking_reschedule(
                    booking_id=booking.public_id,
                    user=request.user,
                    start=form.cleaned_data["start"],
                    reason=form.cleaned_data["reason"],
                )
            except NotFound as exc:
                raise Http404("No such session.") from exc
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Session moved. The other participant has been told.")
                return redirect("session_detail", booking_id=moved.public_id)
        else:
            status = 400
        chosen = page_queries.parse_start(request.POST.get("start"))
    else:
        chosen = page_queries.parse_start(request.GET.get("start"))
        form = RescheduleForm(initial={"start": chosen.isoformat() if chosen else ""})

    zone = page_queries.viewer_zone(request.user, request.GET.get("tz") or request.POST.get("tz"))
    rights = services.session_rights(booking, request.user, now)
    open_ = rights.can_reschedule
    picker = suggestions = None
    if open_:
        week = request.GET.get("week")
        picker_request = coach_pages.PickerRequest(
            session_type=booking.session_type,
            week=page_queries.parse_week(week)
            or (page_queries.local_day(chosen, zone) if chosen else None),
            zone=zone,
        )
        # The booking's own time does not block its new one.
        picker = coach_pages.week_picker(
            booking.coach,
            picker_request,
            now=now,
            client_id=booking.client_id,
            exclude_booking_id=booking.pk,
        )
        suggestions = page_queries.suggested_times(
            coach=booking.coach,
            session_type=booking.session_type,
            client=booking.client,
            zone=zone.name,
            now=now,
            exclude_booking_id=booking.pk,
        )
    context = {
        "booking": booking,
        "coach_name": coach_pages.display_name(booking.coach),
        "is_coach": is_coach_of(booking, request.user),
        "zone": zone,
        "form": form,
        "chosen": chosen,
        "open": open_,
        "upcoming": rights.can_cancel,  # active and not started: only the deadline may bar it
        "deadline": rights.reschedule_until,  # None: never open (booked past the cutoff)
        "picker": picker,
        "suggestions": suggestions or [],
        "page_url": reverse("session_reschedule", kwargs={"booking_id": booking.public_id}),
    }
    return render(request, "booking/reschedule.html", context, status=status)


# --- Cancel ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    booking = _participant_booking(request, booking_id)
    now = timezone.now()
    status = 200
    form = CancelForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.booking_cancel(
                    booking_id=booking.public_id,
                    user=request.user,
                    reason_code=form.cleaned_data["reason_code"],
                    message=form.cleaned_data["message"],
                )
            except NotFound as exc:
                raise Http404("No such session.") from exc
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status
            else:
                other, _ = page_queries.other_party(booking, request.user)
                messages.success(request, f"Session cancelled. {other} has been told.")
                return redirect("session_cancelled", booking_id=booking.public_id)
        else:
            status = 400
    terms = services.cancellation_terms(booking, request.user, now)
    other_name, _ = page_queries.other_party(booking, request.user)
    tone, icon, impact_label, impact_words = page_queries.IMPACTS[terms.impact]
    money_back = payments_hook.port().refund_preview(booking, request.user, terms.late)
    context = {
        "booking": booking,
        "form": form,
        "terms": terms,
        "grace_minutes": int(services.SHORT_NOTICE_GRACE.total_seconds() // 60),
        "is_coach": is_coach_of(booking, request.user),
        "coach_name": coach_pages.display_name(booking.coach),
        "other_name": other_name,
        "cancellable": page_queries.actions_for(booking, request.user, now).cancel,
        "impact": {"tone": tone, "icon": icon, "label": impact_label, "words": impact_words},
        "money": _refund_words(money_back),
    }
    return render(request, "booking/cancel.html", context, status=status)


def _refund_words(back: payments_hook.MoneyBack | None) -> dict[str, Any] | None:
    """What cancelling now means for money (the refund policy's preview), written out."""
    if back is None:
        return None
    return {
        "refund": back.refund_text,
        # An unpaid invoice is voided, not refunded: nothing was paid, nothing goes back.
        "void": back.void_text,
        "kept": back.kept_text,
        "full": back.full,
        "nothing_back": back.nothing_back,
        # A sponsored session: the money goes back to the sponsor's budget, not to you.
        "sponsor": back.sponsor,
    }


@login_required
@require_safe
def session_cancelled(request: AuthenticatedHttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    """After a cancellation: what happened, and (for the client) other times to book."""
    booking = _participant_booking(request, booking_id)
    if booking.status != Booking.Status.CANCELLED:
        return redirect("session_detail", booking_id=booking.public_id)
    now = timezone.now()
    is_coach = is_coach_of(booking, request.user)
    zone = page_queries.viewer_zone(request.user)
    alternatives = [] if is_coach else _alternatives(booking, request.user, now)
    context = {
        "booking": booking,
        "is_coach": is_coach,
        "coach_name": coach_pages.display_name(booking.coach),
        "zone": zone,
        "alternatives": [
            (
                alt,
                page_queries.wizard_url(
                    booking.coach, session_type=booking.session_type, start=alt["start"]
                ),
            )
            for alt in alternatives
        ],
        "coach_url": reverse("coach_public", kwargs={"slug": booking.coach.slug}),
    }
    return render(request, "booking/cancelled.html", context)


def _alternatives(booking: Booking, viewer: User, now: datetime) -> list[dict[str, Any]]:
    try:
        return alternatives_for(booking, viewer, now)
    except ServiceError:  # recommendations are a help, never a reason for the page to fail
        return []
