"""Pages for coaches (their profile and session types) and for staff (the review queue).

Thin: parse with a form, call one service, render. Rules live in coaches.services and
accounts.services; their errors come back as form errors (core.forms.add_service_error).
Someone without a coach profile gets 404 on the coach pages, a non-staff user on the staff
pages: to them these pages do not exist. The booking policy page also sets payments' late
fee, so it is payments' (tandem/payments/payouts/policy_views.py, same URL and name).
"""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.static import serve

from tandem.accounts import selectors as account_selectors
from tandem.accounts import services as account_services
from tandem.accounts.certificates import certificate_download
from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.accounts.models import CoachApplication
from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error
from tandem.core.links import site_url
from tandem.core.timezones import current_zones

from . import selectors, services
from .forms_coach import CoachProfileForm, DecisionForm, PhotoForm, SessionTypeForm
from .models import CoachProfile, SessionType


def own_coach(request: HttpRequest) -> CoachProfile:
    """The signed-in user's coach profile; 404 for anyone who has none (a signed-out visitor
    included: the views that ask are behind login_required, so that one never gets here)."""
    user = request.user
    coach = selectors.coach_profile_for_user(user) if user.is_authenticated else None
    if coach is None:
        raise Http404("You do not have a coach profile.")
    return coach


def public_page_url(request: HttpRequest, coach: CoachProfile) -> str:
    # The public booking page's address is part of the design's contract: /c/<slug>/.
    return site_url(f"/c/{coach.slug}/")


# --- Profile ----------------------------------------------------------------------------------


def _profile_initial(coach: CoachProfile) -> dict[str, Any]:
    return {
        "headline": coach.headline,
        "bio": coach.bio,
        "specialties": [s.slug for s in coach.specialties.all()],
        "languages": [lang.code for lang in coach.languages.all()],
        "credentials": coach.credentials,
        "years_experience": coach.years_experience,
        "timezone": coach.timezone,
        "currency": coach.currency,
        "slug": coach.slug,
    }


def _profile_form(
    request: AuthenticatedHttpRequest, coach: CoachProfile, data: Any = None
) -> CoachProfileForm:
    form = CoachProfileForm(
        data,
        initial=_profile_initial(coach),
        specialties=list(selectors.specialties()),
        languages=list(selectors.languages()),
    )
    # The page's full address, kept up to date by coach.js as the coach types a new one.
    form.fields["slug"].help_text = format_html(
        'Your page: <code class="secret" data-slug-url data-base="{}">{}</code><br>'
        "Lower-case letters, digits and single hyphens.",
        site_url("/c/"),
        public_page_url(request, coach),
    )
    return form


def _render_profile(
    request: AuthenticatedHttpRequest,
    coach: CoachProfile,
    *,
    form: CoachProfileForm | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "coach": coach,
        "form": form or _profile_form(request, coach),
        "photo_form": photo_form or PhotoForm(),
        "zones": current_zones(),
        "public_url": public_page_url(request, coach),
        "public_base": site_url("/c/"),
    }
    return render(request, "coach_settings/profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def coach_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    if request.method == "GET":
        return _render_profile(request, coach)
    form = _profile_form(request, coach, request.POST)
    if not form.is_valid():
        return _render_profile(request, coach, form=form, status=400)
    try:
        services.coach_profile_update(coach=coach, **form.cleaned_data)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _render_profile(request, coach, form=form, status=exc.status)
    messages.success(request, "Profile saved.")
    return redirect("coach_profile")


@login_required
@require_POST
def coach_profile_photo(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    photo_form = PhotoForm(request.POST, request.FILES)
    if not photo_form.is_valid():
        return _render_profile(request, coach, photo_form=photo_form, status=400)
    try:
        services.coach_profile_set_photo(coach=coach, upload=photo_form.cleaned_data["photo"])
    except ServiceError as exc:
        add_service_error(photo_form, exc)
        return _render_profile(request, coach, photo_form=photo_form, status=exc.status)
    messages.success(request, "Photo updated.")
    return redirect("coach_profile")


@login_required
@require_POST
def coach_profile_photo_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    services.coach_profile_remove_photo(coach=coach)
    messages.success(request, "Photo removed.")
    return redirect("coach_profile")


def _flag(request: HttpRequest, name: str) -> bool:
    value = request.POST.get(name)
    if value not in ("true", "false"):
        raise ServiceError(f"Send {name} as true or false.")  # answers 400
    return value == "true"


@login_required
@require_POST
def coach_profile_active(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    coach = services.coach_profile_set_active(
        coach_id=coach.pk, actor=request.user, is_active=_flag(request, "is_active")
    )
    if coach.is_active:
        messages.success(request, "Bookings resumed: clients can book you again.")
    else:
        messages.success(request, "Bookings paused: your page is hidden until you resume.")
    return redirect("coach_profile")


@require_GET
def coach_photo(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    """A coach's photo from local storage (the embedded mode has no other file server).

    Only coaches/photos/ is served: photos are public, re-encoded images with random names.
    Certificates (coaches/certificates/) are never served here — staff download them through
    staff_coach_application_certificate.
    """
    return serve(request, f"coaches/photos/{name}", document_root=str(settings.MEDIA_ROOT))


# --- Session types ----------------------------------------------------------------------------


NEW_SESSION_TYPE = {
    "duration_minutes": 60,
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "min_notice_minutes": 12 * 60,
    "booking_window_days": 60,
    "slot_step_minutes": 30,
    "location_kind": SessionType.Location.VIDEO,
    "is_active": True,
}

SESSION_TYPE_FIELDS = [
    "name",
    "description",
    "duration_minutes",
    "price",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "booking_window_days",
    "slot_step_minutes",
    "daily_cap",
    "weekly_cap",
    "requires_confirmation",
    "location_kind",
    "location_detail",
    "is_active",
]


def _own_session_type(coach: CoachProfile, session_type_id: UUID) -> SessionType:
    session_type = selectors.session_type_of(coach, session_type_id)
    if session_type is None:
        raise Http404("No such session type.")
    return session_type


@login_required
def session_types(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    context = {"coach": coach, "session_types": list(selectors.session_types_of(coach))}
    return render(request, "coach_settings/session_types.html", context)


def _render_session_type_form(
    request: AuthenticatedHttpRequest,
    coach: CoachProfile,
    form: SessionTypeForm,
    session_type: SessionType | None,
    status: int = 200,
) -> HttpResponse:
    context = {"coach": coach, "form": form, "session_type": session_type}
    return render(request, "coach_settings/session_type_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_type_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    coach = own_coach(request)
    form = SessionTypeForm(request.POST or None, initial=NEW_SESSION_TYPE)
    if request.method == "GET":
        return _render_session_type_form(request, coach, form, None)
    if not form.is_valid():
        return _render_session_type_form(request, coach, form, None, status=400)
    try:
        created = services.session_type_create(coach=coach, **form.service_values())
    except ServiceError as exc:
        add_service_error(form, exc)
        return _render_session_type_form(request, coach, form, None, status=exc.status)
    messages.success(request, f"Session type “{created.name}” created.")
    return redirect("coach_session_types")


@login_required
@require_http_methods(["GET", "POST"])
def session_type_edit(request: AuthenticatedHttpRequest, session_type_id: UUID) -> HttpResponse:
    coach = own_coach(request)
    session_type = _own_session_type(coach, session_type_id)
    initial = {name: getattr(session_type, name) for name in SESSION_TYPE_FIELDS}
    form = SessionTypeForm(request.POST or None, initial=initial)
    if request.method == "GET":
        return _render_session_type_form(request, coach, form, session_type)
    if not form.is_valid():
        return _render_session_type_form(request, coach, form, session_type, status=400)
    try:
        updated = services.session_type_update(
            coach=coach, session_type_id=session_type.public_id, **form.service_values()
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _render_session_type_form(request, coach, form, session_type, status=exc.status)
    messages.success(request, f"Session type “{updated.name}” saved.")
    return redirect("coach_session_types")


@login_required
@require_POST
def session_type_active(request: AuthenticatedHttpRequest, session_type_id: UUID) -> HttpResponse:
    coach = own_coach(request)
    session_type = _own_session_type(coach, session_type_id)
    if _flag(request, "is_active"):
        changed = services.session_type_update(
            coach=coach, session_type_id=session_type.public_id, is_active=True
        )
        messages.success(request, f"“{changed.name}” can be booked again.")
    else:
        changed = services.session_type_deactivate(
            coach=coach, session_type_id=session_type.public_id
        )
        messages.success(request, f"“{changed.name}” deactivated: clients can no longer book it.")
    return redirect("coach_session_types")


@login_required
@require_http_methods(["GET", "POST"])
def session_type_delete(request: AuthenticatedHttpRequest, session_type_id: UUID) -> HttpResponse:
    coach = own_coach(request)
    session_type = _own_session_type(coach, session_type_id)
    error = None
    status = 200
    if request.method == "POST":
        try:
            services.session_type_delete(coach=coach, session_type_id=session_type.public_id)
        except ServiceError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, f"Session type “{session_type.name}” deleted.")
            return redirect("coach_session_types")
    context = {"coach": coach, "session_type": session_type, "error": error}
    return render(request, "coach_settings/session_type_delete.html", context, status=status)


# --- Staff: coach applications ------------------------------------------------------------------


def _staff_only(request: AuthenticatedHttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404()


def _queue_url(status: str, cursor: str | None = None) -> str:
    query = {"status": status, **({"cursor": cursor} if cursor else {})}
    return f"{reverse('staff_coach_applications')}?{urlencode(query)}"


def _render_queue(
    request: AuthenticatedHttpRequest,
    *,
    status: str,
    cursor: str | None,
    failed: tuple[UUID, DecisionForm] | None = None,
    http_status: int = 200,
) -> HttpResponse:
    page = account_selectors.coach_applications_for_review(status=status, cursor=cursor)
    failed_id = failed[0] if failed else None
    context = {
        "status": status,
        "statuses": CoachApplication.Status.choices,
        "applications": page.items,
        "cursor": cursor,
        "next_url": _queue_url(status, page.next_cursor) if page.next_cursor else None,
        "first_url": _queue_url(status) if cursor else None,
        "failed_id": failed_id,
        "failed_form": failed[1] if failed else None,
        # A refused decision on an application not on this page still shows its error.
        "failed_elsewhere": failed_id is not None
        and all(a.public_id != failed_id for a in page.items),
    }
    return render(request, "staff/coach_applications.html", context, status=http_status)


@login_required
def staff_coach_applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    # A made-up status or cursor is the selector's InvalidInput: a 4xx page, never a 500.
    return _render_queue(
        request,
        status=request.GET.get("status", CoachApplication.Status.PENDING),
        cursor=request.GET.get("cursor") or None,
    )


@login_required
@require_POST
def staff_coach_application_decide(
    request: AuthenticatedHttpRequest, application_id: UUID
) -> HttpResponse:
    _staff_only(request)
    form = DecisionForm(request.POST)
    back = CoachApplication.Status.PENDING
    status = 400
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            application = account_services.coach_application_decide(
                application_id=application_id,
                staff_user=request.user,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            if exc.status == 404:
                raise
            add_service_error(form, exc)
            status = exc.status
        else:
            who = application.user.name
            if approve:
                messages.success(request, f"Approved: {who} is now a coach.")
            else:
                messages.success(request, f"Rejected {who}'s application; they'll see your reason.")
            return redirect(_queue_url(back))
    return _render_queue(
        request, status=back, cursor=None, failed=(application_id, form), http_status=status
    )


@login_required
def staff_coach_application_certificate(
    request: AuthenticatedHttpRequest, application_id: UUID
) -> FileResponse:
    _staff_only(request)
    application = account_selectors.coach_application_for_review(application_id)
    if application is None or not application.certificate:
        raise Http404("No certificate.")
    return certificate_download(application)
