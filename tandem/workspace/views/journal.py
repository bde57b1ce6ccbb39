"""Pages: the journal (/journal/...), its insights, and its section of the client file
(/workspace/<engagement>/part/journal/ and the section's forms).

Thin: parse, call one selector or service, render or redirect. An entry the viewer may not
read (someone else's, or not shared with an engagement they coach) is a 404 like an unknown id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.booking.forms import show_service_error
from tandem.core.errors import NotFound, ServiceError
from tandem.realtime.context_processors import pin_events_position

from ..selectors import journal as selectors
from ..selectors import journal_insights
from ..selectors.access import engagement_for, role_in
from ..services import journal as services
from .journal_forms import EntryForm, NewEntryForm, PromptForm


def _filters(request: HttpRequest) -> tuple[selectors.Filters, ServiceError | None]:
    try:
        return (
            selectors.clean_filters(
                request.GET.get("q", ""), request.GET.get("mood"), request.GET.get("tag", "")
            ),
            None,
        )
    except ServiceError as exc:
        return selectors.Filters(), exc


def _list_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    filters, error = _filters(request)
    page, rows = selectors.entry_list(request.user, filters, page=request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "filter_error": error,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "moods": range(1, 6),
        "part_url": "/journal/part/?" + request.GET.urlencode(),
    }
    return context, 400 if error else 200


@login_required
@require_safe
def journal_list(request: HttpRequest) -> HttpResponse:
    pin_events_position(request)
    context, status = _list_context(request)
    return render(request, "workspace/journal/list.html", context, status=status)


@login_required
@require_safe
def journal_list_part(request: HttpRequest) -> HttpResponse:
    """The list region again (realtime/live.js fetches it on workspace.journal)."""
    context, status = _list_context(request)
    return render(request, "workspace/journal/_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def journal_new(request: HttpRequest) -> HttpResponse:
    prompts = selectors.prompt_choices(request.user)
    status = 200
    if request.method == "POST":
        form = NewEntryForm(request.POST, prompts=prompts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.entry_create(
                    author=request.user,
                    body=data["body"],
                    mood=data["mood"],
                    tags=data["tags"],
                    prompt=data["prompt"],
                )
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Saved. Only you can read this entry.")
                return redirect("journal_entry", entry_id=entry.public_id)
        else:
            status = 400
    else:
        chosen = request.GET.get("prompt", "")
        form = NewEntryForm(prompts=prompts, initial={"prompt": chosen})
    return render(
        request, "workspace/journal/new.html", {"form": form, "prompts": prompts}, status=status
    )


def _entry_page(
    request: HttpRequest, entry_id: uuid.UUID, form: EntryForm | None = None, status: int = 200
) -> HttpResponse:
    detail = selectors.entry_detail(request.user, entry_id)
    if detail is None:
        raise Http404("No such entry.")
    if detail["reader"] == "author" and form is None:
        entry = detail["entry"]
        form = EntryForm(
            initial={
                "body": entry.body,
                "mood": str(entry.mood or ""),
                "tags": ", ".join(detail["tags"]),
            }
        )
    return render(request, "workspace/journal/entry.html", {**detail, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def journal_entry(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    if request.method == "GET":
        pin_events_position(request)
        return _entry_page(request, entry_id)
    form = EntryForm(request.POST)
    if not form.is_valid():
        if selectors.own_entry(request.user, entry_id) is None:
            raise Http404("No such entry.")
        return _entry_page(request, entry_id, form, 400)
    try:
        services.entry_update(
            author=request.user,
            entry_id=entry_id,
            body=form.cleaned_data["body"],
            mood=form.cleaned_data["mood"],
            tags=form.cleaned_data["tags"],
        )
    except NotFound as exc:
        raise Http404("No such entry.") from exc
    except ServiceError as exc:
        show_service_error(form, exc)
        return _entry_page(request, entry_id, form, exc.status)
    messages.success(request, "Your changes were saved.")
    return redirect("journal_entry", entry_id=entry_id)


@login_required
@require_POST
def journal_delete(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    try:
        services.entry_delete(author=request.user, entry_id=entry_id)
    except NotFound as exc:
        raise Http404("No such entry.") from exc
    messages.success(request, "The entry was deleted.")
    return redirect("journal_list")


@login_required
@require_POST
def journal_share(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Share with, or withdraw from, one engagement (POST engagement, action)."""
    target = request.POST.get("engagement", "")
    action = request.POST.get("action", "")
    try:
        if action == "share":
            services.entry_share(author=request.user, entry_id=entry_id, engagement_id=target)
            messages.success(request, "Shared. Your coach can now read this entry.")
        elif action == "withdraw":
            services.entry_withdraw(author=request.user, entry_id=entry_id, engagement_id=target)
            messages.success(request, "Withdrawn. Your coach can no longer read this entry.")
        else:
            return HttpResponse("Unknown action.", status=400)
    except NotFound as exc:
        if selectors.own_entry(request.user, entry_id) is None:
            raise Http404("No such entry.") from exc
        messages.error(request, exc.message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("journal_entry", entry_id=entry_id)


@login_required
@require_safe
def journal_insights_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    days = journal_insights.period_of(request.GET.get("days"))
    engagement = None
    if request.GET.get("engagement"):
        engagement = selectors.coached_engagement(request.user, request.GET["engagement"])
        if engagement is None:
            raise Http404("No such client.")
        insights = selectors.insights_for_engagement(engagement, now=now, days=days)
    else:
        insights = selectors.insights_for_author(request.user, now=now, days=days)
    context = {
        "insights": insights,
        "chart": insights.chart(),
        "engagement": engagement,
        "periods": journal_insights.PERIODS,
    }
    return render(request, "workspace/journal/insights.html", context)


# --- the client file's journal section ----------------------------------------------------


def _engagement(request: HttpRequest, engagement_id: uuid.UUID) -> Any:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement


def _file_url(engagement: Any, user: Any) -> str:
    name = "workspace_client_file" if role_in(engagement, user) == "coach" else "workspace_mirror"
    return reverse(name, args=[engagement.public_id])


@login_required
@require_safe
def journal_section(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    section = selectors.file_section(engagement, request.user, now=timezone.now())
    return render(
        request,
        "workspace/journal/_section_body.html",
        {"section": section, "engagement": engagement},
    )


@login_required
@require_POST
def prompt_assign(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    form = PromptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the prompt (at most 500 characters).")
    else:
        try:
            services.prompt_assign(
                coach=request.user, engagement_id=engagement_id, text=form.cleaned_data["text"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Prompt assigned. Your client sees it when they write.")
    return redirect(_file_url(engagement, request.user) + "#journal")


@login_required
@require_POST
def prompt_remove(
    request: HttpRequest, engagement_id: uuid.UUID, prompt_id: uuid.UUID
) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    try:
        services.prompt_delete(coach=request.user, prompt_id=prompt_id)
    except NotFound as exc:
        raise Http404("No such prompt.") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Prompt removed.")
    return redirect(_file_url(engagement, request.user) + "#journal")


@login_required
@require_POST
def mood_in_reports(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    on = request.POST.get("on") == "1"
    try:
        services.set_mood_in_reports(client=request.user, engagement=engagement, on=on)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "Your mood trend will be in progress reports."
            if on
            else "Your mood trend will not be in progress reports.",
        )
    return redirect(_file_url(engagement, request.user) + "#journal")


urlpatterns: list[URLPattern] = [
    path("journal/", journal_list, name="journal_list"),
    path("journal/part/", journal_list_part, name="journal_list_part"),
    path("journal/new/", journal_new, name="journal_new"),
    path("journal/insights/", journal_insights_page, name="journal_insights"),
    path("journal/<uuid:entry_id>/", journal_entry, name="journal_entry"),
    path("journal/<uuid:entry_id>/delete/", journal_delete, name="journal_delete"),
    path("journal/<uuid:entry_id>/shares/", journal_share, name="journal_share"),
    path("workspace/<uuid:engagement_id>/part/journal/", journal_section, name="journal_section"),
    path(
        "workspace/<uuid:engagement_id>/journal/prompts/",
        prompt_assign,
        name="journal_prompt_assign",
    ),
    path(
        "workspace/<uuid:engagement_id>/journal/prompts/<uuid:prompt_id>/delete/",
        prompt_remove,
        name="journal_prompt_remove",
    ),
    path(
        "workspace/<uuid:engagement_id>/journal/mood-in-reports/",
        mood_in_reports,
        name="journal_mood_in_reports",
    ),
]
