"""Pages of organisation management. Thin: parse with a form, call one service, render.

Staff pages (/staff/organisations/...) answer 404 to anyone else, like every staff page.
The reminder schedule (/org/<org_id>/reminders/) is found through the access gate: an
organisation the viewer does not administer answers 404 like an unknown id.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error
from tandem.notifications.forms import describe, show_reminders_error

from .. import access
from . import selectors, services
from .forms import AdminForm, OrganisationForm, OrgRemindersForm

LIST_LIMIT = 200


def _org_page(org: Any) -> str | None:
    """The organisation's own page (the programmes area's), when it exists."""
    try:
        return reverse("orgs_organisation", kwargs={"org_id": org.public_id})
    except NoReverseMatch:
        return None


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404("No such page.")


@login_required
@require_http_methods(["GET", "POST"])
def staff_organisations(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                org = services.organisation_create(**form.cleaned_data)
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"{org.name} created with its first admin.")
                return redirect("staff_organisation", org_id=org.public_id)
        else:
            status = 400
    query = request.GET.get("q", "")[:200].replace("\x00", "").strip()
    rows = selectors.organisations_for_staff(query)
    total = rows.count() if query == "" else None
    context = {
        "form": form,
        "rows": list(rows[:LIST_LIMIT]),
        "limit": LIST_LIMIT,
        "total": total,
        "query": query,
    }
    return render(request, "orgs/management_pages/staff_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_organisation(request: HttpRequest, org_id: str) -> HttpResponse:
    _staff_only(request)
    org = selectors.organisation_for_staff(org_id)
    if org is None:
        raise Http404("No such organisation.")
    form = AdminForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.admin_add(organisation_id=org.public_id, email=form.cleaned_data["email"])
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Admin added.")
                return redirect("staff_organisation", org_id=org.public_id)
        else:
            status = 400
    return _staff_detail(request, org, form, status)


def _staff_detail(request: HttpRequest, org: Any, form: AdminForm, status: int) -> HttpResponse:
    context = {"org": org, "admins": selectors.admins_of(org), "form": form}
    return render(request, "orgs/management_pages/staff_detail.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def staff_organisation_admin_remove(
    request: HttpRequest, org_id: str, user_id: str
) -> HttpResponse:
    _staff_only(request)
    org = selectors.organisation_for_staff(org_id)
    if org is None:
        raise Http404("No such organisation.")
    try:
        services.admin_remove(organisation_id=org.public_id, user_id=user_id)
    except services.NotAnAdmin:
        raise Http404("No such admin.") from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Admin removed.")
    return redirect("staff_organisation", org_id=org.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def org_reminders(request: HttpRequest, org_id: str) -> HttpResponse:
    org = access.organisation_for_admin(request.user, org_id)
    if org is None:
        raise Http404("No such organisation.")
    current = selectors.reminders_of(org)
    form = OrgRemindersForm(
        request.POST if request.method == "POST" else None,
        defaults={"client": current.default},
        initial=OrgRemindersForm.initial_from(None, current.offsets),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reminders_set(organisation=org, client_offsets=form.offsets("client"))
            except ServiceError as exc:
                show_reminders_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    "Reminder times saved. They apply to sessions booked or moved from now on.",
                )
                return redirect("orgs_reminders", org_id=org.public_id)
        else:
            status = 400
    context = {
        "org": org,
        "org_url": _org_page(org),
        "form": form,
        "current": describe(current.effective),
    }
    return render(request, "orgs/management_pages/reminders.html", context, status=status)
