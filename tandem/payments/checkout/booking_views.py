"""The payment pages of a booking: pay the card part of a session (/payments/<id>/pay/) and
record that a session's invoice was paid (/sessions/<id>/mark-paid/).

Thin: parse, call one service, render or redirect. Only the people a payment concerns see
these pages; anyone else gets a 404 and nothing changes.
"""

from __future__ import annotations

import uuid

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tandem.booking import page_queries
from tandem.booking import selectors as booking_selectors
from tandem.booking.models import Booking
from tandem.booking.services.policy import is_coach_of
from tandem.coaches import page_queries as coach_pages
from tandem.core.errors import NotFound, ServiceError

from ..ledger.money import format_minor
from ..models import Payment, PaymentSource
from . import cards, invoices, selectors
from .session_panel import payment_panel

# The pay page alone may load Stripe.js (its script, its frames, its API).
STRIPE_JS = "https://js.stripe.com"
STRIPE_CSP = {
    "script-src": [STRIPE_JS],
    "frame-src": [STRIPE_JS, "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


@login_required
@csp_update(STRIPE_CSP)
@require_safe
def payment_pay(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    """Pay the card part of a session's payment while its hold lasts (Stripe.js on the page).

    Only the client who owes it sees it; anyone else gets a 404.
    """
    payment = selectors.payment_for(request.user, payment_id)
    if (
        payment is None
        or payment.client_id != request.user.pk
        or payment.purpose != Payment.Purpose.BOOKING
    ):
        raise Http404("No such payment.")
    if payment.booking_id is not None:
        return redirect("session_detail", booking_id=payment.booking.public_id)
    now = timezone.now()
    problem = ""
    if payment.status == Payment.Status.REQUIRES_PAYMENT and not payment.provider_ref:
        try:
            payment = cards.payment_start_card(payment)
        except ServiceError as exc:  # the provider is down: the page says so, retry later
            problem = exc.message
    coach = payment.coach
    session_type = payment.session_type
    zone = page_queries.viewer_zone(request.user, request.GET.get("tz"))
    card = next((s for s in payment.sources.all() if s.kind == PaymentSource.Kind.CARD), None)
    expires_at = payment.expires_at or now
    context = {
        "payment": payment,
        "coach": coach,
        "name": coach_pages.display_name(coach),
        "session_type": session_type,
        "zone": zone,
        "open": payment.status == Payment.Status.REQUIRES_PAYMENT and expires_at > now,
        "problem": problem,
        "amount": format_minor(payment.amount, payment.currency),
        "card_amount": format_minor(card.amount if card else 0, payment.currency),
        "paid_otherwise": [
            (s.get_kind_display(), format_minor(s.amount, payment.currency))
            for s in payment.sources.all()
            if s.kind != PaymentSource.Kind.CARD
        ],
        "expires_at": expires_at,
        "seconds_left": max(0, int((expires_at - now).total_seconds())),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY or "",
        "time_step_url": page_queries.wizard_url(coach, session_type=session_type),
    }
    return render(request, "payments/pay.html", context)


def _participant_booking(request: HttpRequest, booking_id: uuid.UUID) -> Booking:
    booking = booking_selectors.booking_for(request.user, booking_id)
    if booking is None:
        raise Http404("No such session.")
    return booking


@login_required
@require_http_methods(["GET", "POST"])
def session_mark_paid(request: HttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    """The coach (or staff) records that the session's invoice was paid, after confirming.

    Recording money received cannot be undone from the page, so the panel's button leads
    here first: a GET (or a POST without `confirm`) shows what will be recorded, and only
    the confirmation page's POST acts. Works without JavaScript.
    """
    booking = _participant_booking(request, booking_id)
    payment = selectors.booking_payment(booking)
    if payment is None:
        raise Http404("No such payment.")
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        panel = payment_panel(booking, request.user, timezone.now())
        if panel is None or not (is_coach_of(booking, request.user) or request.user.is_staff):
            raise Http404("No such payment.")
        if not panel["can_mark_paid"]:
            messages.info(request, "There is no open invoice to mark paid.")
            return redirect("session_detail", booking_id=booking.public_id)
        other_name, _ = page_queries.other_party(booking, request.user)
        context = {
            "booking": booking,
            "panel": panel,
            "other_name": other_name,
            "detail_url": reverse("session_detail", kwargs={"booking_id": booking.public_id}),
        }
        return render(request, "payments/session_mark_paid.html", context)
    try:
        invoices.invoice_mark_paid(payment_id=payment.public_id, user=request.user)
    except NotFound as exc:
        raise Http404("No such payment.") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Invoice marked paid.")
    return redirect("session_detail", booking_id=booking.public_id)
