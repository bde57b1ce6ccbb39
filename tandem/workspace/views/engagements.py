"""Pages: the coach's client list (/coach/clients/) and client file (/coach/clients/<id>/),
the client's coaches (/workspace/) and mirror view (/workspace/<id>/), the invitation link
(/workspace/invitations/<token>/).

Thin: parse, call one service or selector, render. The client file composes the other
areas' sections (their `selectors.<area>.file_section` and `workspace/<area>/_section.html`,
the client-file contract) and merges their `timeline_items` with the sessions into one
timeline. An engagement the viewer is not in is a 404, like an unknown id.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.accounts.selectors import user_roles
from tandem.booking.forms import show_service_error
from tandem.core.errors import ServiceError
from tandem.realtime.context_processors import pin_events_position

from ..models import Engagement
from ..selectors import engagements as selectors
from ..selectors.access import counterpart, engagement_for, role_in
from ..selectors.timeline import TimelineItem
from ..services import engagements as services
from ..services import invitations

logger = logging.getLogger(__name__)

PER_PAGE = 25
TIMELINE_LIMIT = 30
SECTION_AREAS = ("goals", "notes", "actions", "journal")


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Client's email",
        max_length=invitations.MAX_EMAIL,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class TagForm(forms.Form):
    name = forms.CharField(label="New tag", max_length=services.MAX_TAG)


class ListForm(forms.Form):
    q = forms.CharField(label="Search by name or email", required=False, max_length=100)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "All states"), *Engagement.State.choices],
    )
    tag = forms.ChoiceField(label="Tag", required=False, choices=[("", "All tags")])
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("next", "Next session"), ("last", "Last session"), ("name", "Name")],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())


# --- The coach's client list ---------------------------------------------------------------


def _client_list(request: HttpRequest, invite_form: InviteForm, status: int = 200) -> HttpResponse:
    viewer: Any = request.user  # signed in (login_required)
    if "coach" not in user_roles(viewer):
        raise Http404("Only coaches have clients.")
    tags = selectors.tag_names(request.user)
    form = ListForm(request.GET or None)
    tag_field = cast(forms.ChoiceField, form.fields["tag"])
    tag_field.choices = [("", "All tags"), *((t, t) for t in tags)]
    data: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
    elif form.is_bound:
        status = 400
    filters = selectors.ListFilters(
        q=data.get("q") or "",
        state=data.get("state") or "",
        tag=data.get("tag") or "",
        sort=data.get("sort") or "next",
    )
    number = data.get("page") or 1
    page = selectors.client_list(
        request.user,
        filters=filters,
        now=timezone.now(),
        offset=(number - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    query = {
        k: v
        for k, v in (
            ("q", filters.q),
            ("state", filters.state),
            ("tag", filters.tag),
            ("sort", filters.sort),
        )
        if v
    }

    def page_url(n: int) -> str:
        return "?" + urlencode({**query, "page": n})

    context = {
        "form": form,
        "invite_form": invite_form,
        "page": page,
        "rows": page.items,
        "filtered": any((filters.q, filters.state, filters.tag)),
        "previous_url": page_url(number - 1) if number > 1 else "",
        "next_url": page_url(number + 1) if page.next_cursor else "",
        "page_number": number,
        "page_count": max(1, -(-page.total // PER_PAGE)),
    }
    return render(request, "workspace/engagements/client_list.html", context, status=status)


@login_required
@require_safe
def client_list(request: HttpRequest) -> HttpResponse:
    return _client_list(request, InviteForm())


@login_required
@require_POST
def client_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _client_list(request, form, status=400)
    try:
        invitation = invitations.invitation_create(
            coach_user=request.user, email=form.cleaned_data["email"]
        )
    except ServiceError as exc:
        show_service_error(form, exc)
        return _client_list(request, form, status=exc.status)
    messages.success(
        request,
        f"Invitation sent to {invitation.email}. The link works for "
        f"{invitations.INVITATION_DAYS} days.",
    )
    return redirect("workspace_client_list")


# --- One engagement: the client file (coach) and its mirror (client) -----------------------


def _engagement(request: HttpRequest, engagement_id: Any) -> Engagement:
    found = selectors.one(request.user, engagement_id, now=timezone.now())
    if found is None:
        raise Http404("No such engagement.")
    return found


def _file_url(engagement: Engagement, role: str) -> str:
    name = "workspace_client_file" if role == "coach" else "workspace_mirror"
    return reverse(name, args=[engagement.public_id])


def _area_selectors(area: str) -> Any:
    try:
        return importlib.import_module(f"tandem.workspace.selectors.{area}")
    except ImportError:  # an area that is not there yet
        return None


def _sections(request: HttpRequest, engagement: Engagement, now: Any) -> list[str]:
    """Each area's section, rendered (areas that have not landed yet are left out)."""
    rendered: list[str] = []
    for area in SECTION_AREAS:
        module = _area_selectors(area)
        file_section = getattr(module, "file_section", None)
        if file_section is None:
            continue
        template = f"workspace/{area}/_section.html"
        try:
            get_template(template)
        except TemplateDoesNotExist:
            continue
        section = file_section(engagement, request.user, now=now)
        context = {"section": section, "engagement": engagement}
        rendered.append(render_to_string(template, context, request=request))
    return rendered


def _session_items(engagement: Engagement, sessions: dict[str, list[Any]]) -> list[TimelineItem]:
    items = []
    for booking in [*sessions["upcoming"], *sessions["past"]]:
        items.append(
            TimelineItem(
                at=booking.start,
                area="session",
                title=f"{booking.session_type.name} ({booking.get_status_display().lower()})",
                url=reverse("session_detail", args=[booking.public_id]),
            )
        )
    return items


def _timeline(
    engagement: Engagement, viewer: Any, sessions: dict[str, list[Any]]
) -> list[TimelineItem]:
    """Sessions and every area's items, newest first, at most TIMELINE_LIMIT."""
    items = _session_items(engagement, sessions)
    items.append(
        TimelineItem(at=engagement.started_at, area="engagement", title="Engagement started")
    )
    for area in SECTION_AREAS:
        timeline_items = getattr(_area_selectors(area), "timeline_items", None)
        if timeline_items is not None:
            items.extend(timeline_items(engagement, viewer, limit=TIMELINE_LIMIT))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:TIMELINE_LIMIT]


def _header_context(request: HttpRequest, engagement: Engagement, now: Any) -> dict[str, Any]:
    role = role_in(engagement, request.user)
    sessions = selectors.sessions_of(engagement, now=now)
    return {
        "engagement": engagement,
        "role": role,
        "other": counterpart(engagement, request.user),
        "sessions": sessions,
        "booked_together": bool(sessions["upcoming"] or sessions["past"]),
        "tag_form": TagForm(),
        "part_url": reverse("workspace_part_engagement", args=[engagement.public_id]),
        "file_url": _file_url(engagement, role),
    }


def _file(request: HttpRequest, engagement_id: Any, side: str) -> HttpResponse:
    pin_events_position(request)
    now = timezone.now()
    engagement = _engagement(request, engagement_id)
    role = role_in(engagement, request.user)
    if role != side:
        return redirect(_file_url(engagement, role))
    context = _header_context(request, engagement, now)
    context["sections"] = _sections(request, engagement, now)
    # The timeline reads every area again: it arrives right after the page (and again on
    # every change, live) instead of holding the page back.
    context["timeline_url"] = reverse("workspace_part_timeline", args=[engagement.public_id])
    return render(request, "workspace/engagements/file.html", context)


@login_required
@require_safe
def client_file(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    return _file(request, engagement_id, "coach")


@login_required
@require_safe
def mirror(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    return _file(request, engagement_id, "client")


@login_required
@require_safe
def part_engagement(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    """The header and sessions again, for the live region."""
    engagement = _engagement(request, engagement_id)
    context = _header_context(request, engagement, timezone.now())
    return render(request, "workspace/engagements/_header.html", context)


@login_required
@require_safe
def part_timeline(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    """The client file's timeline: its live region's content, or a page of its own when
    opened directly (without JavaScript the file links here)."""
    engagement = _engagement(request, engagement_id)
    now = timezone.now()
    context = _header_context(request, engagement, now)
    context["timeline"] = _timeline(engagement, request.user, context["sessions"])
    if request.headers.get("HX-Request") == "true":
        return render(request, "workspace/engagements/_timeline.html", context)
    return render(request, "workspace/engagements/timeline.html", context)


@login_required
@require_POST
def set_state(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    state = request.POST.get("state", "")
    try:
        engagement = services.engagement_set_state(
            user=request.user, engagement_id=engagement_id, state=state
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404("No such engagement.") from exc
        messages.error(request, exc.message)
        found = engagement_for(request.user, engagement_id)
        if found is None:
            raise Http404("No such engagement.") from exc
        return redirect(_file_url(found, role_in(found, request.user)))
    words = {"active": "resumed", "paused": "paused", "ended": "ended"}
    messages.success(request, f"The engagement is {words[engagement.state]}.")
    return redirect(_file_url(engagement, role_in(engagement, request.user)))


@login_required
@require_POST
def tags(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    """Add (`name`) or remove (`remove`) a tag."""
    found = engagement_for(request.user, engagement_id)
    if found is None:
        raise Http404("No such engagement.")
    removing = "remove" in request.POST
    try:
        if removing:
            services.tag_remove(
                user=request.user, engagement_id=engagement_id, name=request.POST["remove"]
            )
        else:
            services.tag_add(
                user=request.user, engagement_id=engagement_id, name=request.POST.get("name", "")
            )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404("No such engagement.") from exc
        messages.error(request, exc.message)
    return redirect(_file_url(found, role_in(found, request.user)))


# --- The client's coaches ------------------------------------------------------------------


@login_required
@require_safe
def my_coaching(request: HttpRequest) -> HttpResponse:
    pin_events_position(request)
    rows = selectors.coaches_of_client(request.user, now=timezone.now())
    return render(request, "workspace/engagements/my_coaching.html", {"rows": rows})


# --- Invitation link -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Signed out: who invites you, and sign-up (address filled in) or sign-in; the
    invitation is kept in the session and linked once they are signed in (receivers.py).
    Signed in: accept with a button (a POST, so link checkers that open it accept nothing)."""
    found = invitations.invitation_by_token(token)
    now = timezone.now()
    problem = ""
    if found is None or found.revoked_at is not None:
        problem = "This invitation link is not valid (a newer one may have replaced it)."
    elif found.accepted_at is not None:
        problem = "This invitation has already been accepted."
    elif found.expires_at <= now:
        problem = "This invitation has expired. Ask your coach to send a new one."
    if problem:
        if found is not None and found.accepted_at is not None and request.user.is_authenticated:
            engagement = found.engagement
            if engagement is not None and engagement.client_id == request.user.pk:
                return redirect("workspace_mirror", engagement_id=engagement.public_id)
        return render(
            request, "workspace/engagements/invitation.html", {"problem": problem}, status=404
        )
    assert found is not None
    here = reverse("workspace_invitation", args=[token])
    if not request.user.is_authenticated:
        request.session[invitations.SESSION_KEY] = str(found.public_id)
        context = {
            "invitation": found,
            "signup_url": reverse("account_signup") + "?" + urlencode({"email": found.email}),
            "login_url": reverse("account_login") + "?" + urlencode({"next": here}),
        }
        return render(request, "workspace/engagements/invitation.html", context)
    error = ""
    if request.method == "POST":
        try:
            engagement = invitations.invitation_accept(user=request.user, token=token, now=now)
        except ServiceError as exc:
            error = exc.message
        else:
            request.session.pop(invitations.SESSION_KEY, None)
            messages.success(request, f"You are now coached by {found.coach.user.name}.")
            return redirect("workspace_mirror", engagement_id=engagement.public_id)
    context = {
        "invitation": found,
        "error": error,
        "wrong_address": (request.user.email or "").lower() != found.email,
    }
    return render(
        request, "workspace/engagements/invitation.html", context, status=400 if error else 200
    )


urlpatterns = [
    path("coach/clients/", client_list, name="workspace_client_list"),
    path("coach/clients/invite/", client_invite, name="workspace_client_invite"),
    path("coach/clients/<uuid:engagement_id>/", client_file, name="workspace_client_file"),
    path("workspace/", my_coaching, name="workspace_my_coaching"),
    path("workspace/invitations/<str:token>/", invitation, name="workspace_invitation"),
    path("workspace/<uuid:engagement_id>/", mirror, name="workspace_mirror"),
    path(
        "workspace/<uuid:engagement_id>/part/engagement/",
        part_engagement,
        name="workspace_part_engagement",
    ),
    path(
        "workspace/<uuid:engagement_id>/part/timeline/",
        part_timeline,
        name="workspace_part_timeline",
    ),
    path("workspace/<uuid:engagement_id>/state/", set_state, name="workspace_engagement_state"),
    path("workspace/<uuid:engagement_id>/tags/", tags, name="workspace_engagement_tags"),
]
