"""Pages for the signed-in user's settings: profile, API tokens, coach application.

The dashboard is composed above every app, in tandem.home."""

from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error
from tandem.core.timezones import current_zones

from . import selectors, services
from .forms import ApiTokenForm, CoachApplicationForm, ProfileForm
from .http import AuthenticatedHttpRequest
from .models import Role


class SignupView(AllauthSignupView):
    """allauth's sign-up, answering 400 (not 200) when the input is refused."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


signup = SignupView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def settings_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "timezone": user.timezone,
            "locale": user.locale,
            "time_format": user.time_format,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_update_profile(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    timezone_name=form.cleaned_data["timezone"],
                    locale=form.cleaned_data["locale"],
                    time_format=form.cleaned_data["time_format"] or None,
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Profile saved.")
                return redirect("settings_profile")
        status = 400
    return render(
        request,
        "accounts/settings_profile.html",
        {"form": form, "zones": current_zones()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token: str | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, new_token = services.api_token_create(
                    user=request.user, name=form.cleaned_data["name"]
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                form = ApiTokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "tokens": selectors.api_tokens_for(request.user),
        "new_token": new_token,
    }
    return render(request, "accounts/settings_tokens.html", context, status=status)


@login_required
@require_POST
def settings_token_revoke(request: AuthenticatedHttpRequest, token_id: str) -> HttpResponse:
    # Another user's token (or a made-up id) raises NotFound, which answers 404.
    token = services.api_token_revoke(user=request.user, token_id=token_id)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("settings_tokens")


@login_required
@require_http_methods(["GET", "POST"])
def settings_coach(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CoachApplicationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.coach_apply(
                    user=request.user,
                    headline=form.cleaned_data["headline"],
                    motivation=form.cleaned_data["motivation"],
                    credentials=form.cleaned_data["credentials"],
                    certificate=form.cleaned_data["certificate"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Thanks! Staff will review your application.")
                return redirect("settings_coach")
        else:
            status = 400
    context = {
        "form": form,
        "application": selectors.coach_application_latest(request.user),
        "is_coach": Role.COACH in selectors.user_roles(request.user),
    }
    return render(request, "accounts/settings_coach.html", context, status=status)
