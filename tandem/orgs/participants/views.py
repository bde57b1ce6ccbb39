"""The roster page (/org/programmes/<id>/participants/: invite, resend, revoke, pause,
resume, remove, move a seat) and the invitation link (/programmes/invitations/<token>/).
Thin: the access gate finds the object (404 for anyone but the organisation's admins), one
service changes it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error

from .. import access
from ..models import Participant, Programme
from . import selectors, services
from .forms import InviteForm, MoveForm

ACTIONS = {
    "resend": (services.participant_resend, "A new invitation link was sent to {email}."),
    "revoke": (services.participant_revoke, "The invitation to {email} was withdrawn."),
    "pause": (services.participant_pause, "{email} is paused: the seat is kept, no booking."),
    "resume": (services.participant_resume, "{email} can book again."),
    "remove": (services.participant_remove, "{email} was removed; the seat is free again."),
}


def _programme(request: HttpRequest, programme_id: Any) -> Programme:
    found = access.programme_for_admin(request.user, programme_id)
    if found is None:
        raise Http404("No such programme.")
    return found


def _participant(request: HttpRequest, participant_id: Any) -> Participant:
    found = access.participant_for_admin(request.user, participant_id)
    if found is None:
        raise Http404("No such participant.")
    return found


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


def _roster_page(
    request: HttpRequest, programme: Programme, form: InviteForm, status: int = 200
) -> HttpResponse:
    shown = request.GET.get("status", "current")
    q = request.GET.get("q", "")
    roster = selectors.roster(
        programme,
        now=timezone.now(),
        status=shown,
        q=q,
        page=_page_number(request.GET.get("page")),
    )
    context = {
        "programme": programme,
        "organisation": programme.organisation,
        "roster": roster,
        "shown": shown if shown in selectors.FILTERS else "current",
        "q": q.replace("\x00", "")[: selectors.MAX_QUERY],
        "form": form,
        "ended": programme.status != Programme.Status.ACTIVE,
        "seated": roster.counts["active"] + roster.counts["paused"],
        "import_url": f"/org/programmes/{programme.public_id}/participants/import/",
    }
    return render(request, "orgs/participants/roster.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, programme_id: Any) -> HttpResponse:
    programme = _programme(request, programme_id)
    if request.method == "GET":
        return _roster_page(request, programme, InviteForm())
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _roster_page(request, programme, form, status=400)
    try:
        participant = services.participant_invite(
            programme=programme,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            actor=request.user,
            now=timezone.now(),
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _roster_page(request, programme, form, status=exc.status)
    messages.success(
        request,
        f"Invitation sent to {participant.email}. The link works for "
        f"{services.INVITATION_DAYS} days.",
    )
    return redirect("orgs_participants", programme_id=programme.public_id)


@login_required
@require_POST
def participant_action(request: HttpRequest, participant_id: Any, action: str) -> HttpResponse:
    participant = _participant(request, participant_id)
    if action not in ACTIONS:
        raise Http404("No such action.")
    service, done = ACTIONS[action]
    try:
        service(participant=participant, actor=request.user, now=timezone.now())
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(email=participant.email))
    return redirect("orgs_participants", programme_id=participant.programme.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def participant_move(request: HttpRequest, participant_id: Any) -> HttpResponse:
    participant = _participant(request, participant_id)
    programme = participant.programme
    status = 200
    form = MoveForm()
    if request.method == "POST":
        form = MoveForm(request.POST)
        if form.is_valid():
            try:
                invited = services.participant_move(
                    participant=participant,
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    actor=request.user,
                    now=timezone.now(),
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    f"{participant.email} was removed and {invited.email} invited to take "
                    "the seat.",
                )
                return redirect("orgs_participants", programme_id=programme.public_id)
        else:
            status = 400
    return render(
        request,
        "orgs/participants/move.html",
        {
            "participant": participant,
            "programme": programme,
            "organisation": programme.organisation,
            "form": form,
        },
        status=status,
    )


# --- the invitation link -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Signed out: who invites you, then sign up or sign in and come back here (`next`).
    Signed in: accept with a button (a POST: a link checker opening the link accepts
    nothing). Unknown, withdrawn or expired: a friendly page with status 404."""
    now = timezone.now()
    found = services.participant_by_token(token)
    problem = ""
    if found is None or found.status == Participant.Status.REMOVED:
        problem = (
            "This invitation link is not valid: it may have been replaced by a newer one "
            "or withdrawn."
        )
    elif found.status in Participant.SEATED:
        if request.user.is_authenticated and found.user_id == request.user.pk:
            return redirect("/programmes/")
        problem = "This invitation has already been accepted."
    elif found.invite_expires_at is not None and found.invite_expires_at <= now:
        problem = "This invitation has expired. Ask the organisation to send you a new one."
    if problem:
        return render(
            request, "orgs/participants/invitation.html", {"problem": problem}, status=404
        )
    assert found is not None
    here = reverse("orgs_invitation", args=[token])
    context: dict[str, Any] = {"participant": found, "programme": found.programme}
    if not request.user.is_authenticated:
        context["signup_url"] = (
            reverse("account_signup") + "?" + urlencode({"email": found.email, "next": here})
        )
        context["login_url"] = reverse("account_login") + "?" + urlencode({"next": here})
        return render(request, "orgs/participants/invitation.html", context)
    status = 200
    if request.method == "POST":
        try:
            services.invitation_accept(raw_token=token, user=request.user, now=now)
        except ServiceError as exc:
            context["error"] = exc.message
            status = exc.status
        else:
            messages.success(
                request,
                f"Welcome to {found.programme.name}: {found.programme.organisation.name} "
                "covers your coaching sessions. Choose your coach next.",
            )
            return redirect("/programmes/")
    context["wrong_address"] = not services.has_verified_email(request.user, found.email)
    return render(request, "orgs/participants/invitation.html", context, status=status)
