"""Pages: action items. /actions/ (the viewer's items across their engagements) and the
client file's section (/workspace/<engagement>/part/actions/, refreshed live on
`workspace.actions`), with its create, done and reopen forms.

Thin: parse, authorise through selectors, call one service, render or redirect. The forms
work without JavaScript (POST, then back to `next`); with htmx the section's forms swap the
section in place. Someone else's engagement or item is a 404, like an unknown id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.core.errors import ServiceError
from tandem.realtime.context_processors import pin_events_position

from ..models import Engagement
from ..selectors import actions as selectors
from ..selectors.access import engagement_for
from ..services import actions as services

SECTION_BODY = "workspace/actions/_section_body.html"


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _engagement(request: HttpRequest, engagement_id: uuid.UUID) -> Engagement:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement


def _section(request: HttpRequest, engagement: Engagement) -> dict[str, Any]:
    return selectors.file_section(engagement, request.user, now=timezone.now())


@login_required
@require_safe
def engagement_actions(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Every open item of one engagement (the client file shows the most urgent few)."""
    engagement = _engagement(request, engagement_id)
    pin_events_position(request)
    section = selectors.file_section(
        engagement,
        request.user,
        now=timezone.now(),
        open_limit=None,
        done_limit=selectors.DONE_SHOWN,
    )
    return render(request, "workspace/actions/section_page.html", {"section": section, "all": True})


@login_required
@require_safe
def actions_page(request: HttpRequest) -> HttpResponse:
    pin_events_position(request)
    context = selectors.page(
        request.user,
        engagement_id=request.GET.get("engagement"),
        now=timezone.now(),
        show_all=request.GET.get("all") == "1",
    )
    status = 400 if context["unknown_filter"] else 200
    return render(request, "workspace/actions/list.html", context, status=status)


@login_required
@require_safe
def section_part(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """The client file's section body, fetched again by realtime/live.js."""
    engagement = _engagement(request, engagement_id)
    if request.GET.get("all") == "1":  # the refresh of the page with every open item
        section = selectors.file_section(
            engagement,
            request.user,
            now=timezone.now(),
            open_limit=None,
            done_limit=selectors.DONE_SHOWN,
        )
    else:
        section = _section(request, engagement)
    return render(request, SECTION_BODY, {"section": section})


FORM_FIELDS = ("title", "assignee", "due_date", "goal")


@login_required
@require_POST
def create(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """The section's create form. Its rules are the service's (the API's): errors come back
    on the fields they name, with what was typed kept."""
    engagement = _engagement(request, engagement_id)
    htmx = request.headers.get("HX-Request") == "true"
    values = {name: request.POST.get(name, "") for name in FORM_FIELDS}
    try:
        services.action_item_create(
            actor=request.user,
            engagement=engagement,
            title=values["title"],
            assignee=values["assignee"] or None,
            due_date=values["due_date"] or None,
            goal=values["goal"] or None,
        )
    except ServiceError as exc:
        section = _section(request, engagement)
        section["values"] = values
        section["errors"] = {name: exc.message for name in exc.fields if name in FORM_FIELDS} or {
            "form": exc.message
        }
        if htmx:  # htmx swaps only 2xx answers: the section with the form's errors
            return render(request, SECTION_BODY, {"section": section})
        return render(
            request, "workspace/actions/section_page.html", {"section": section}, status=400
        )
    if htmx:
        return render(request, SECTION_BODY, {"section": _section(request, engagement)})
    messages.success(request, "Action item added.")
    return redirect(_next(request, selectors.file_url(engagement, request.user)))


def _item(request: HttpRequest, item_id: uuid.UUID) -> Any:
    item = selectors.item_for(request.user, item_id)
    if item is None:
        raise Http404("No such action item.")
    return item


def _in_section(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.POST.get("from") == "section"


def _changed(request: HttpRequest, item: Any, change: Any, done: str) -> HttpResponse:
    """Run `change()`; answer with the section (htmx from the client file) or go back."""
    error = ""
    try:
        change()
    except ServiceError as exc:
        error = exc.message
    if _in_section(request):
        section = _section(request, _engagement(request, item.engagement.public_id))
        section["errors"] = {"form": error} if error else {}
        return render(request, SECTION_BODY, {"section": section})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_next(request, "/actions/"))


@login_required
@require_POST
def complete(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    item = _item(request, item_id)
    reflection = request.POST.get("reflection", "")
    return _changed(
        request,
        item,
        lambda: services.action_item_complete(actor=request.user, item=item, reflection=reflection),
        "Marked done.",
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    """GET: the edit form (htmx: the fragment the section's Edit opens; else a page of its
    own). POST: title, due date and goal (empty date/goal clear them)."""
    item = _item(request, item_id)
    if request.method != "POST":
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/actions/"
        htmx = request.headers.get("HX-Request") == "true"
        context = {
            "item": item,
            "goals": selectors.active_goals(item.engagement),
            "next": target,
            "in_section": htmx,
        }
        template = "_edit_form.html" if htmx else "edit.html"
        return render(request, f"workspace/actions/{template}", context)
    title, due, goal = (request.POST.get(name, "") for name in ("title", "due_date", "goal"))
    return _changed(
        request,
        item,
        lambda: services.action_item_update(
            actor=request.user, item=item, title=title, due_date=due or None, goal=goal or None
        ),
        "Action item saved.",
    )


@login_required
@require_POST
def reopen(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    item = _item(request, item_id)
    return _changed(
        request,
        item,
        lambda: services.action_item_reopen(actor=request.user, item=item),
        "Opened again.",
    )


@login_required
@require_POST
def delete(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    item = _item(request, item_id)
    return _changed(
        request,
        item,
        lambda: services.action_item_delete(actor=request.user, item=item),
        "Action item deleted.",
    )


urlpatterns = [
    path("actions/", actions_page, name="workspace_actions"),
    path("actions/<uuid:item_id>/complete/", complete, name="workspace_action_complete"),
    path("actions/<uuid:item_id>/reopen/", reopen, name="workspace_action_reopen"),
    path("actions/<uuid:item_id>/edit/", edit, name="workspace_action_edit"),
    path("actions/<uuid:item_id>/delete/", delete, name="workspace_action_delete"),
    path(
        "workspace/<uuid:engagement_id>/part/actions/",
        section_part,
        name="workspace_part_actions",
    ),
    path("workspace/<uuid:engagement_id>/actions/new/", create, name="workspace_action_create"),
    path(
        "workspace/<uuid:engagement_id>/actions/",
        engagement_actions,
        name="workspace_engagement_actions",
    ),
]
