"""The booking wizard at /book/<slug>/: session type → time → hold → notes, payment and
review → booking (and, for a card, payments' pay page /payments/<id>/pay/).

Thin: parse, call one service (hold_create; booking and paying through the payments port,
services/payments_hook.py), render or redirect. The time step is a plain POST form whose
slot buttons carry their instant, so it works without JavaScript; the review page's
countdown is booking.js's. Any refusal of the chosen time (slot_unavailable, hold_expired, a
hold that is gone) sends the client back to the time step with the service's message.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.coaches import page_queries as coach_pages
from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile
from tandem.core.errors import NotFound, ServiceError

from . import page_queries, services
from .forms import ConfirmForm, HoldForm, show_service_error
from .models import Booking
from .services import payments_hook

# Errors that mean "this time is gone": pick another one.
TIME_GONE = (services.SlotUnavailable, services.HoldExpired)


def _listed_coach(slug: str) -> CoachProfile:
    coach = coach_selectors.coach_get_listed(slug)
    if coach is None:
        raise Http404("No such coach.")
    return coach


def _time_step(coach: CoachProfile, params: Any, **extra: Any) -> str:
    """Back to the time step, keeping the session type, zone and week that were shown."""

    def given(name: str) -> str | None:
        value = str(params.get(name, "") or "").strip()
        return value if value and len(value) <= 64 and "\x00" not in value else None

    values = {
        "session_type": given("session_type"),
        "tz": given("tz"),
        "week": given("week"),
    }
    values.update(extra)
    return page_queries.wizard_url(coach, **values)


@login_required
@require_safe
def book(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Steps 1 and 2: choose a session type (when there is a choice), then a time."""
    coach = _listed_coach(slug)
    types = list(getattr(coach, "active_session_types", []))
    name = coach_pages.display_name(coach)
    zone = page_queries.viewer_zone(request.user, request.GET.get("tz"))
    tz = zone.name if zone.source == "param" else None
    if len(types) != 1 and not request.GET.get("session_type"):
        # A sponsor's programme that would pay for a type says so (today's answer, asked once
        # for all of them; the review step asks again for the slot's own date).
        client: Any = request.user  # signed in (login_required)
        covers = payments_hook.port().sponsor_covers(
            client=client, coach=coach, session_types=types, now=timezone.now()
        )
        context = {
            "coach": coach,
            "name": name,
            "zone": zone,
            "type_links": [
                (
                    t,
                    page_queries.wizard_url(coach, session_type=t, tz=tz),
                    coach_pages.price_label(t),
                    covered_by,
                )
                for t, covered_by in zip(types, covers, strict=True)
            ],
            "coach_url": reverse("coach_public", kwargs={"slug": coach.slug}),
        }
        return render(request, "booking/wizard_type.html", context)

    now = timezone.now()
    picker_request = coach_pages.picker_request(coach, request.GET, request.user, strict=False)
    problems = list(picker_request.problems)
    chosen = page_queries.parse_start(request.GET.get("start"))
    if request.GET.get("start") and chosen is None:
        problems.append("That time could not be read; choose one of the times shown.")
    if chosen is not None and not request.GET.get("week"):
        # Open the week of the time chosen elsewhere (the coach page, an alternative).
        picker_request = replace(
            picker_request, week=page_queries.local_day(chosen, picker_request.zone)
        )
    # The client's own hold does not hide its time: they may come back to pick again.
    picker = coach_pages.week_picker(coach, picker_request, now=now, client_id=request.user.pk)
    if chosen is not None and _gone_from(picker, chosen):
        # A link to a time that was taken, closed or passed since: say so, rather than offer
        # to hold it (holding would be refused).
        problems.append("That time is no longer available; choose another one below.")
        chosen = None
    context = {
        "coach": coach,
        "name": name,
        "picker": picker,
        "problems": problems,
        "chosen": chosen,
        "several_types": len(types) > 1,
        "price": coach_pages.price_label(picker.session_type) if picker.session_type else "",
        "suggestions": page_queries.suggested_times(
            coach=coach,
            session_type=picker.session_type,
            client=request.user,
            zone=picker.zone.name,
            now=now,
        ),
        "types_url": page_queries.wizard_url(
            coach, tz=picker.zone.name if picker.zone.source == "param" else None
        ),
    }
    return render(request, "booking/wizard_slot.html", context)


@login_required
@require_POST
def book_hold(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Step 2's slot buttons: hold the chosen time, then review it."""
    coach = _listed_coach(slug)
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect(_time_step(coach, request.POST))
    session_type = page_queries.session_type_of(coach, form.cleaned_data["session_type"])
    if session_type is None:
        messages.error(request, "That session is not offered any more; choose another one.")
        return redirect(_time_step(coach, request.POST, session_type=None))
    try:
        hold = services.hold_create(
            client=request.user,
            coach=coach,
            session_type=session_type,
            start=form.cleaned_data["start"],
        )
    except TIME_GONE as exc:
        messages.error(request, f"{exc.message} Please choose another time.")
        return redirect(_time_step(coach, request.POST))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_time_step(coach, request.POST))
    url = reverse("book_review", kwargs={"slug": coach.slug, "hold_id": hold.public_id})
    tz = coach_pages.zone_or_none(request.POST.get("tz"))
    return redirect(f"{url}?tz={tz}" if tz else url)


@login_required
@require_http_methods(["GET", "POST"])
def book_review(request: AuthenticatedHttpRequest, slug: str, hold_id: uuid.UUID) -> HttpResponse:
    """Step 3: notes, how to pay and review while the hold lasts; POST books and pays it
    through payments' checkout (once per key)."""
    coach = _listed_coach(slug)
    now = timezone.now()
    hold = page_queries.live_hold(request.user, coach, hold_id)
    name = coach_pages.display_name(coach)
    status = 200
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        form.fields["notes"].label = f"Notes for {name}"  # before a bound field is made
        if form.is_valid():
            # Booked even when the hold is gone: a repeated request with the same key answers
            # with the booking (and payment) the first one made.
            try:
                outcome = payments_hook.port().book_and_pay(
                    client=request.user,
                    request=services.BookingRequest(
                        hold_id=hold_id, notes=form.cleaned_data["notes"]
                    ),
                    choices=form.pay_choices(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    card_allowed=True,
                )
            except services.HoldExpired as exc:
                messages.error(request, f"{exc.message} Please choose another time.")
                return _back_to_time_step(coach, hold, request)
            except NotFound as exc:
                if exc.code == "gift_card_not_found":
                    form.add_error("gift_card_code", exc.message)
                    status = 400
                else:
                    messages.error(
                        request, "Your hold on that time has ended. Please choose a time again."
                    )
                    return _back_to_time_step(coach, hold, request)
            except ServiceError as exc:
                show_payment_error(form, exc)
                status = exc.status
            else:
                if outcome.booking is None:  # a card to pay first: its page holds the time
                    return redirect(outcome.pay_url)
                return _booked(request, outcome.booking, invoiced=outcome.invoiced)
        else:
            status = 400
        if hold is None:
            messages.error(request, "Your hold on that time has ended. Please choose a time again.")
            return _back_to_time_step(coach, hold, request)
    else:
        if hold is None or hold.expires_at <= now:
            messages.warning(
                request,
                "Your hold on that time has ended. Please choose a time again."
                if hold is None
                else "Your hold on that time expired. Please choose a time again.",
            )
            return _back_to_time_step(coach, hold, request)
        form = ConfirmForm(
            initial={
                "idempotency_key": uuid.uuid4().hex,
                "use_sponsor": True,
                "use_package": True,
                "use_credit": True,
            }
        )
        form.fields["notes"].label = f"Notes for {name}"

    zone = page_queries.viewer_zone(request.user, request.GET.get("tz"))
    context = {
        "coach": coach,
        "name": name,
        "hold": hold,
        "session_type": hold.session_type,
        "price": coach_pages.price_label(hold.session_type),
        "pay": pay_options(form, request.user, coach, hold.session_type, now, hold.start),
        "zone": zone,
        "coach_zone": page_queries.safe_zone(coach.timezone),
        "seconds_left": max(0, int((hold.expires_at - now).total_seconds())),
        "form": form,
        "time_step_url": page_queries.wizard_url(
            coach,
            session_type=hold.session_type,
            tz=zone.name if zone.source == "param" else None,
            week=page_queries.local_day(hold.start, zone).isoformat(),
        ),
    }
    return render(request, "booking/wizard_review.html", context, status=status)


# --- Paying ----------------------------------------------------------------------------------

# Payment errors name these fields; the review form shows them on its own.
PAYMENT_FIELD_NAMES = {
    "gift_card": "gift_card_code",
    "gift_card_code": "gift_card_code",
    "code": "gift_card_code",
    "use_credit": "use_credit",
    "credit": "use_credit",
    "package": "use_package",
    "sponsored": "use_sponsor",
}


def show_payment_error(form: ConfirmForm, error: ServiceError) -> None:
    """A checkout error on the review form, next to the option it is about (the input kept)."""
    if isinstance(error, services.SlotUnavailable):
        form.add_error(None, f"{error.message} Choose another time.")
        return
    targets = {
        PAYMENT_FIELD_NAMES[name]
        for name in error.fields
        if name in PAYMENT_FIELD_NAMES and PAYMENT_FIELD_NAMES[name] in form.fields
    }
    if not targets:
        show_service_error(form, error)
    for name in sorted(targets):
        form.add_error(name, error.message)


def _gone_from(picker: Any, chosen: datetime) -> bool:
    """Whether `chosen` falls on a day the picker shows but is none of its free times."""
    local_day = page_queries.local_day(chosen, picker.zone)
    for day in picker.days:
        if day.day == local_day:
            return chosen not in day.slots
    return False  # outside the week shown: holding it will tell


def _selected(form: ConfirmForm, name: str) -> bool:
    if form.is_bound:
        return bool(form.data.get(name))
    return bool(form.initial.get(name))


def _gift_card_code(form: ConfirmForm) -> str | None:
    """The gift card code as typed (the quote ignores one that finds no usable card)."""
    if not form.is_bound or "gift_card_code" not in form.fields:
        return None
    return str(form.data.get("gift_card_code") or "").strip() or None


def pay_options(
    form: ConfirmForm,
    client: Any,
    coach: CoachProfile,
    session_type: Any,
    now: Any,
    start: Any = None,
) -> payments_hook.Quote:
    """The payment options that apply to this client for this session (the others are
    dropped from the form) and what would be left to pay, and how, with the options shown
    (payments' quote: the same split checkout pays by). `start`: the held slot's start, so a
    sponsor's "Covered by" is about the session's own date."""
    quote = payments_hook.port().quote(
        client=client,
        coach=coach,
        session_type=session_type,
        choices=payments_hook.PayChoices(
            package=_selected(form, "use_package"),
            sponsored=_selected(form, "use_sponsor"),
            gift_card_code=_gift_card_code(form),
            use_credit=_selected(form, "use_credit"),
        ),
        now=now,
        start=start,
    )
    if quote.free:
        for name in ConfirmForm.PAYMENT_FIELDS:
            form.fields.pop(name, None)
        return quote
    if not quote.sponsor:
        form.fields.pop("use_sponsor", None)
        if form.is_bound and "use_sponsor" in form.errors:
            del form.errors["use_sponsor"]
            # Refused because the programme stopped covering it since the review step: the
            # box is gone, so the error is said above the form instead of next to it.
            form.add_error(
                None,
                "Your programme does not cover this session any more (its dates, limits or "
                "budget). Choose how to pay below.",
            )
    if quote.package is None:
        form.fields.pop("use_package", None)
    if not quote.credit_balance:
        form.fields.pop("use_credit", None)
    return quote


def _back_to_time_step(coach: CoachProfile, hold: Any, request: HttpRequest) -> HttpResponse:
    tz = coach_pages.zone_or_none(request.GET.get("tz"))
    if hold is None:
        return redirect(page_queries.wizard_url(coach, tz=tz))
    return redirect(page_queries.wizard_url(coach, session_type=hold.session_type, tz=tz))


def _booked(request: AuthenticatedHttpRequest, booking: Booking, *, invoiced: bool) -> HttpResponse:
    name = coach_pages.display_name(booking.coach)
    if booking.status == Booking.Status.PENDING:
        messages.success(request, f"Request sent — {name} will confirm.")
    else:
        messages.success(request, f"Booked — your session with {name} is confirmed.")
    if invoiced:
        messages.info(request, f"You’ll receive an invoice; pay {name} as agreed.")
    return redirect("session_detail", booking_id=booking.public_id)
