"""The sponsor admin's pages: organisations (/org/, /org/<org_id>/), a new programme, its
settings (extend, add seats, end) and its budget. Thin: the access gate finds the object
(anyone but the organisation's admins gets 404), one service changes it."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error
from tandem.payments.checkout.booking_views import STRIPE_CSP
from tandem.payments.ledger.money import format_minor, to_minor
from tandem.payments.sponsors import selectors as sponsor_selectors
from tandem.payments.sponsors import services as sponsor_money

from .. import access
from ..models import Organisation, Programme
from . import selectors, services
from .forms import FundForm, ProgrammeForm


def _organisation(request: HttpRequest, org_id: Any) -> Organisation:
    found = access.organisation_for_admin(request.user, org_id)
    if found is None:
        raise Http404("No such organisation.")
    return found


def _programme(request: HttpRequest, programme_id: Any) -> Programme:
    found = access.programme_for_admin(request.user, programme_id)
    if found is None:
        raise Http404("No such programme.")
    return found


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for_admin(request.user)
    if len(organisations) == 1:
        return redirect("orgs_organisation", org_id=organisations[0].public_id)
    return render(request, "orgs/programmes/home.html", {"organisations": organisations})


@login_required
@require_safe
def organisation(request: HttpRequest, org_id: Any) -> HttpResponse:
    org = _organisation(request, org_id)
    rows = selectors.programmes_of(org)
    return render(
        request,
        "orgs/programmes/organisation.html",
        {"organisation": org, "rows": rows, "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest, org_id: Any) -> HttpResponse:
    org = _organisation(request, org_id)
    status = 200
    if request.method == "POST":
        form = ProgrammeForm(request.POST)
        if form.is_valid():
            try:
                programme = services.programme_create(
                    organisation=org, values=form.values(), actor=request.user,
                    now=timezone.now(),
                )  # fmt: skip
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    f"Programme “{programme.name}” created. Add funds to its budget, then "
                    "invite participants.",
                )
                return redirect("orgs_budget", programme_id=programme.public_id)
        else:
            status = 400
    else:
        form = ProgrammeForm()
    return render(
        request,
        "orgs/programmes/programme_form.html",
        {"organisation": org, "form": form, "programme": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_settings(request: HttpRequest, programme_id: Any) -> HttpResponse:
    programme = _programme(request, programme_id)
    status = 200
    ended = programme.status != Programme.Status.ACTIVE
    if request.method == "POST" and not ended:
        form = ProgrammeForm(
            request.POST, programme=programme, initial=ProgrammeForm.initial_from(programme)
        )
        if form.is_valid():
            values = form.values()
            values.pop("currency", None)  # disabled: never changes
            try:
                services.programme_update(
                    programme=programme, values=values, actor=request.user, now=timezone.now()
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Programme settings saved.")
                return redirect("orgs_programme_settings", programme_id=programme.public_id)
        else:
            status = 400
    else:
        form = ProgrammeForm(programme=programme, initial=ProgrammeForm.initial_from(programme))
        if request.method == "POST":
            status = 409
            form.add_error(None, "This programme has ended: its settings no longer change.")
    if ended:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "orgs/programmes/programme_form.html",
        {
            "organisation": programme.organisation,
            "form": form,
            "programme": programme,
            "row": selectors.programme_row(programme),
            "ended": ended,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_end(request: HttpRequest, programme_id: Any) -> HttpResponse:
    programme = _programme(request, programme_id)
    error = ""
    if request.method == "POST":
        try:
            outcome = services.programme_end(
                programme=programme, actor=request.user, now=timezone.now()
            )
        except ServiceError as exc:
            error = exc.message
        else:
            moved = (
                f" {format_minor(outcome.credit_moved, programme.currency)} of unspent budget "
                "moved to the organisation's credit."
                if outcome.credit_moved
                else ""
            )
            messages.success(
                request,
                f"“{programme.name}” has ended. {outcome.bookings_cancelled} upcoming "
                f"sponsored session(s) cancelled under their cancellation policy.{moved}",
            )
            return redirect("orgs_organisation", org_id=programme.organisation.public_id)
    return render(
        request,
        "orgs/programmes/end.html",
        {
            "programme": programme,
            "organisation": programme.organisation,
            "row": selectors.programme_row(programme),
            "error": error,
        },
        status=409 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def budget(request: HttpRequest, programme_id: Any) -> HttpResponse:
    programme = _programme(request, programme_id)
    status = 200
    card = sponsor_money.card_available()
    form = FundForm(card=card)
    if request.method == "POST":
        form = FundForm(request.POST, card=card)
        if form.is_valid():
            try:
                amount = to_minor(form.cleaned_data["amount"], programme.currency)
            except ValueError:
                form.add_error("amount", "Too many decimals for this currency.")
                status = 400
            else:
                try:
                    funding = services.programme_fund(
                        programme=programme,
                        amount=amount,
                        method=form.cleaned_data["method"],
                        actor=request.user,
                        now=timezone.now(),
                    )
                except ServiceError as exc:
                    add_service_error(form, exc)
                    status = exc.status
                else:
                    if funding.method == "card":  # nothing is in the budget until it is paid
                        return redirect(
                            "orgs_budget_card",
                            programme_id=programme.public_id,
                            funding_id=funding.public_id,
                        )
                    messages.success(
                        request, f"{format_minor(amount, programme.currency)} added to the budget."
                    )
                    return redirect("orgs_budget", programme_id=programme.public_id)
        else:
            status = 400
    row = selectors.programme_row(programme)
    context = {
        "programme": programme,
        "organisation": programme.organisation,
        "row": row,
        "figures": row.budget,
        "fundings": [
            {
                "created_at": f.created_at,
                "amount_display": format_minor(f.amount, f.currency),
                "get_method_display": f.get_method_display(),
                "get_status_display": f.get_status_display(),
                "pay_url": (
                    reverse(
                        "orgs_budget_card",
                        kwargs={"programme_id": programme.public_id, "funding_id": f.public_id},
                    )
                    if f.method == "card" and f.status == "pending"
                    else ""
                ),
            }
            for f in selectors.fundings_of(programme)
        ],
        "org_credit_display": format_minor(selectors.org_credit(programme), programme.currency),
        "form": form,
        "ended": programme.status != Programme.Status.ACTIVE,
    }
    return render(request, "orgs/programmes/budget.html", context, status=status)


@login_required
@csp_update(STRIPE_CSP)  # type: ignore[arg-type]  # django-csp types a one-argument view
@require_safe
def budget_card(request: HttpRequest, programme_id: Any, funding_id: Any) -> HttpResponse:
    """Pay a card funding of the budget (Stripe.js on the page, like a session's pay page),
    and its return page: the intent is re-read from the provider and applied (the webhook
    does the same; the budget is credited once). Only the organisation's admins; only the
    admin who chose "Card" pays (the card payment is theirs)."""
    programme = _programme(request, programme_id)
    funding = sponsor_selectors.card_funding(programme.budget_owner, funding_id)
    if funding is None or funding.payment is None:
        raise Http404("No such funding.")
    now = timezone.now()
    problem = ""
    payer = funding.payment.client_id == request.user.pk
    ended = programme.status != Programme.Status.ACTIVE
    try:
        if payer and not ended and not funding.payment.provider_ref:
            funding = sponsor_money.card_start(funding)
        elif funding.status == "pending":
            funding = sponsor_money.card_sync(funding, now=now)
    except ServiceError as exc:  # the provider is down: the page says so, retry later
        problem = exc.message
    payment = funding.payment
    assert payment is not None  # a card funding always has its payment (checked above)
    context = {
        "programme": programme,
        "organisation": programme.organisation,
        "funding": funding,
        "payment": payment,
        "amount": format_minor(funding.amount, funding.currency),
        "open": funding.status == "pending" and payer and not ended and bool(payment.client_secret),
        "ended": ended,
        "payer": payer,
        "problem": problem,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY or "",
    }
    return render(request, "orgs/programmes/budget_card.html", context)
