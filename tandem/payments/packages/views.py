"""Package pages: a coach's offers (/coach/packages/), my packages (/packages/), buying one
(/packages/<offer>/buy/) and one purchase with its payment (/packages/purchase/<id>/).

Thin: parse with a form, call one service or selector, render or redirect. Another coach's
offer or another client's purchase is a 404 and changes nothing.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile
from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error
from tandem.core.idempotency import MAX_KEY

from ..checkout.services import PayWith
from ..ledger import money
from ..models import PackageOffer
from . import offers, selectors, services

# --- Forms -------------------------------------------------------------------------------------


class OfferForm(forms.Form):
    session_type_id = forms.ChoiceField(label="Session type")
    name = forms.CharField(
        label="Name", max_length=offers.MAX_NAME, help_text="For example “Five sessions”."
    )
    sessions = forms.IntegerField(
        label="Sessions",
        min_value=offers.MIN_SESSIONS,
        max_value=offers.MAX_SESSIONS,
        help_text=f"{offers.MIN_SESSIONS} to {offers.MAX_SESSIONS}.",
    )
    price = forms.DecimalField(
        label="Price of the package",
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        help_text="For all the sessions together, in the session type’s currency.",
    )
    valid_days = forms.IntegerField(
        label="Valid for (days)",
        min_value=offers.MIN_VALID_DAYS,
        max_value=offers.MAX_VALID_DAYS,
        help_text="Counted from payment. Sessions not booked by then are forfeited.",
    )

    def __init__(self, *args: Any, coach: CoachProfile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session_type_id"].choices = [
            (str(st.public_id), f"{st.name} — {st.price} {st.currency}")
            for st in coach_selectors.session_types_of(coach)
            if st.is_active or str(st.public_id) == str(self.initial.get("session_type_id"))
        ]


class BuyForm(forms.Form):
    gift_card_code = forms.CharField(
        label="Gift card code",
        required=False,
        max_length=services.MAX_GIFT_CODE,
        help_text="Its balance pays (part of) the price.",
    )
    use_credit = forms.BooleanField(label="Use my account credit", required=False, initial=True)
    # Made when the page is shown: sending the form twice buys once.
    idempotency_key = forms.CharField(max_length=MAX_KEY, widget=forms.HiddenInput)


# --- Coach: offers -----------------------------------------------------------------------------


def _own_coach(request: HttpRequest) -> CoachProfile:
    coach = coach_selectors.coach_profile_for_user(request.user)
    if coach is None:
        raise Http404("You do not have a coach profile.")
    return coach


def _own_offer(coach: CoachProfile, offer_id: uuid.UUID) -> PackageOffer:
    offer = selectors.own_offer(coach, offer_id)
    if offer is None:
        raise Http404("No such package.")
    return offer


@login_required
@require_safe
def coach_packages(request: HttpRequest) -> HttpResponse:
    coach = _own_coach(request)
    context = {
        "coach": coach,
        "offers": selectors.coach_offers(coach),
        "has_session_types": coach_selectors.session_types_of(coach)
        .filter(is_active=True)
        .exists(),
    }
    return render(request, "payments/packages/coach_list.html", context)


def _offer_form_page(
    request: HttpRequest,
    coach: CoachProfile,
    form: OfferForm,
    offer: PackageOffer | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "coach": coach,
        "form": form,
        "offer": offer,
        "view": selectors.offer_view(offer) if offer else None,
    }
    return render(request, "payments/packages/coach_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def coach_package_new(request: HttpRequest) -> HttpResponse:
    coach = _own_coach(request)
    form = OfferForm(request.POST or None, coach=coach, initial={"sessions": 5, "valid_days": 180})
    if request.method == "GET":
        return _offer_form_page(request, coach, form, None)
    if not form.is_valid():
        return _offer_form_page(request, coach, form, None, status=400)
    try:
        offer = offers.package_offer_create(coach_user=request.user, **form.cleaned_data)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _offer_form_page(request, coach, form, None, status=exc.status)
    messages.success(request, f"Package “{offer.name}” is on sale.")
    return redirect("coach_packages")


@login_required
@require_http_methods(["GET", "POST"])
def coach_package_edit(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    coach = _own_coach(request)
    offer = _own_offer(coach, offer_id)
    initial = {
        "session_type_id": str(offer.session_type.public_id),
        "name": offer.name,
        "sessions": offer.sessions,
        "price": money.from_minor(offer.price, offer.currency),
        "valid_days": offer.valid_days,
    }
    form = OfferForm(request.POST or None, coach=coach, initial=initial)
    if request.method == "GET":
        return _offer_form_page(request, coach, form, offer)
    if not form.is_valid():
        return _offer_form_page(request, coach, form, offer, status=400)
    try:
        offer = offers.package_offer_update(
            coach_user=request.user, offer_id=offer.public_id, **form.cleaned_data
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _offer_form_page(request, coach, form, offer, status=exc.status)
    messages.success(request, f"Package “{offer.name}” saved.")
    return redirect("coach_packages")


@login_required
@require_POST
def coach_package_active(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    coach = _own_coach(request)
    offer = _own_offer(coach, offer_id)
    if request.POST.get("is_active") == "true":
        try:
            offers.package_offer_update(
                coach_user=request.user, offer_id=offer.public_id, is_active=True
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{offer.name}” is on sale again.")
    else:
        offers.package_offer_deactivate(coach_user=request.user, offer_id=offer.public_id)
        messages.success(
            request, f"“{offer.name}” is no longer on sale. Packages already bought stay valid."
        )
    return redirect("coach_packages")


# --- Client: my packages, buying ---------------------------------------------------------------


@login_required
@require_safe
def my_packages(request: HttpRequest) -> HttpResponse:
    context = {"summaries": selectors.credits_summary(request.user, now=timezone.now())}
    return render(request, "payments/packages/mine.html", context)


def _buy_page(
    request: HttpRequest, view: selectors.OfferView, form: BuyForm, status: int = 200
) -> HttpResponse:
    context = {"view": view, "offer": view.offer, "coach": view.offer.coach, "form": form}
    return render(request, "payments/packages/buy.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    offer = services.buyable_offer(offer_id)
    if offer is None:
        raise Http404("No such package.")
    view = selectors.offer_view(offer)
    if request.method == "GET":
        form = BuyForm(initial={"use_credit": True, "idempotency_key": uuid.uuid4().hex})
        return _buy_page(request, view, form)
    form = BuyForm(request.POST)
    if not form.is_valid():
        return _buy_page(request, view, form, status=400)

    try:
        outcome = services.package_buy(
            client=request.user,
            offer_id=offer.public_id,
            pay_with=PayWith(
                package=False,
                gift_card_code=form.cleaned_data["gift_card_code"] or None,
                use_credit=form.cleaned_data["use_credit"],
            ),
            idempotency_key=form.cleaned_data["idempotency_key"],
            now=timezone.now(),
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _buy_page(request, view, form, status=exc.status)
    return redirect("package_purchase", purchase_id=outcome.purchase.public_id)


@login_required
@require_safe
def purchase(request: HttpRequest, purchase_id: uuid.UUID) -> HttpResponse:
    summary = selectors.purchase_for(request.user, purchase_id, now=timezone.now())
    if summary is None:
        raise Http404("No such package.")
    return render(request, "payments/packages/purchase.html", {"summary": summary})
