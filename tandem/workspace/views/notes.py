"""Pages: session notes, their versions, the coach's note templates, the notes section part.

Thin: parse, authorise through the selectors, call one service, render or redirect.

- /workspace/<e>/sessions/<b>/notes/ — the coach: two editors (private, shared) with a
  template picker, version count and "saved at"; the client: the shared note, read-only and
  live (it refreshes on `workspace.notes`). Forms work without JS; static/workspace/notes.js
  autosaves drafts through the API.
- /workspace/<e>/notes/<n>/versions/ — the coach: every saved version, each viewable.
- /coach/note-templates/ — the coach's own templates (list, create, edit, delete).
- /workspace/<e>/part/notes/ — the client file's notes section (live region).
A private note, another pair's session or another person's engagement is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tandem.coaches.selectors import coach_profile_of
from tandem.core.errors import ServiceError
from tandem.realtime.context_processors import pin_events_position

from ..models import Engagement, SessionNote
from ..selectors import notes as selectors
from ..selectors.access import engagement_for, role_in
from ..services import notes as services
from ..services import templates

VISIBILITIES = (SessionNote.Visibility.PRIVATE, SessionNote.Visibility.SHARED)


def _engagement(request: HttpRequest, engagement_id: Any) -> Engagement:
    engagement = engagement_for(request.user, engagement_id)
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement


def _session(request: HttpRequest, engagement_id: Any, booking_id: Any) -> tuple[Engagement, Any]:
    engagement = _engagement(request, engagement_id)
    booking = selectors.session_of(engagement, request.user, booking_id)
    if booking is None:
        raise Http404("No such session.")
    return engagement, booking


def _editor(
    engagement: Engagement,
    booking: Any,
    note: SessionNote | None,
    visibility: str,
    *,
    text: str | None = None,
    error: ServiceError | None = None,
) -> dict[str, Any]:
    """One editor's context. `text` (what was posted) wins over what is stored."""
    if text is None:
        text = (note.draft or note.body) if note else ""
    return {
        "visibility": visibility,
        "label": SessionNote.Visibility(visibility).label,
        "note": note,
        "text": text,
        "lines": services.note_lines(note.body) if note else [],
        "has_draft": bool(note and note.draft),
        "error": error,
        "save_url": reverse(
            "workspace_note_save",
            kwargs={
                "engagement_id": engagement.public_id,
                "booking_id": booking.public_id,
                "visibility": visibility,
            },
        ),
    }


def _page_context(
    request: HttpRequest, engagement: Engagement, booking: Any, **posted: Any
) -> dict[str, Any]:
    role = role_in(engagement, request.user)
    notes = selectors.notes_of_session(engagement, request.user, booking)
    context: dict[str, Any] = {
        "engagement": engagement,
        "booking": booking,
        "role": role,
        "shared": notes["shared"],
        "part_url": reverse(
            "workspace_session_notes_part",
            kwargs={"engagement_id": engagement.public_id, "booking_id": booking.public_id},
        ),
        "api_url": f"/api/v1/workspace/engagements/{engagement.public_id}/notes",
        "ended": engagement.state == Engagement.State.ENDED,
    }
    if role == "coach":
        context["templates"] = selectors.template_choices(engagement)
        context["editors"] = [
            _editor(engagement, booking, notes[v], v, **posted.get(v, {})) for v in VISIBILITIES
        ]
    return context


@login_required
@require_safe
def session_notes(request: HttpRequest, engagement_id: Any, booking_id: Any) -> HttpResponse:
    pin_events_position(request)
    engagement, booking = _session(request, engagement_id, booking_id)
    return render(
        request, "workspace/notes/session.html", _page_context(request, engagement, booking)
    )


@login_required
@require_safe
def session_notes_part(request: HttpRequest, engagement_id: Any, booking_id: Any) -> HttpResponse:
    """The client's live region: the shared note as saved."""
    engagement, booking = _session(request, engagement_id, booking_id)
    shared = selectors.notes_of_session(engagement, request.user, booking)["shared"]
    return render(request, "workspace/notes/_shared.html", {"shared": shared})


@login_required
@require_POST
def note_save(
    request: HttpRequest, engagement_id: Any, booking_id: Any, visibility: str
) -> HttpResponse:
    """The editor's form: Save (body), Save draft (draft) or Apply template."""
    engagement, booking = _session(request, engagement_id, booking_id)
    if visibility not in VISIBILITIES:
        raise Http404("No such note.")
    text = request.POST.get("body", "")
    action = request.POST.get("action", "save")
    fields: dict[str, Any] = {}
    if action == "template":
        fields["template"] = request.POST.get("template", "")
    elif action == "draft":
        fields["draft"] = text
    else:
        fields["body"] = text
    try:
        services.note_upsert(
            actor=request.user,
            engagement_id=engagement.public_id,
            booking_id=booking.public_id,
            visibility=visibility,
            **fields,
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        posted = {visibility: {"text": None if action == "template" else text, "error": exc}}
        context = _page_context(request, engagement, booking, **posted)
        return render(request, "workspace/notes/session.html", context, status=exc.status)
    label = SessionNote.Visibility(visibility).label.split(" (")[0]
    done = {"template": "Template applied.", "draft": "Draft saved."}.get(action, "Saved.")
    messages.success(request, f"{label} note: {done}")
    url = reverse(
        "workspace_session_notes",
        kwargs={"engagement_id": engagement.public_id, "booking_id": booking.public_id},
    )
    return redirect(f"{url}#note-{visibility}")


@login_required
@require_POST
def note_action_item(request: HttpRequest, engagement_id: Any, note_id: Any) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    note = selectors.note_for(request.user, note_id)
    if note is None or note.engagement_id != engagement.pk:
        raise Http404("No such note.")
    try:
        item = services.note_raise_action_item(
            actor=request.user,
            note_id=note.public_id,
            line=request.POST.get("line", ""),
            assignee=request.POST.get("assignee", "client"),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Action item added: {item.title}")
    return redirect(f"{selectors.notes_url(engagement, note.booking)}#note-{note.visibility}")


@login_required
@require_safe
def note_versions(request: HttpRequest, engagement_id: Any, note_id: Any) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    note = selectors.note_for(request.user, note_id)
    if note is None or note.engagement_id != engagement.pk:
        raise Http404("No such note.")
    if not selectors.can_write(note, request.user):
        raise Http404("No such note.")  # versions are the coach's
    versions = selectors.versions_of(note)
    shown = None
    number = request.GET.get("number", "")
    if number:
        shown = next((v for v in versions if str(v.number) == number), None)
        if shown is None:
            raise Http404("No such version.")
    context = {
        "engagement": engagement,
        "note": note,
        "versions": versions,
        "shown": shown or (versions[0] if versions else None),
        "back_url": selectors.notes_url(engagement, note.booking),
    }
    return render(request, "workspace/notes/versions.html", context)


@login_required
@require_safe
def notes_part(request: HttpRequest, engagement_id: Any) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    section = selectors.file_section(engagement, request.user, now=timezone.now())
    return render(request, "workspace/notes/_section_body.html", {"section": section})


# --- the coach's note templates ------------------------------------------------------------


def _coach_or_404(request: HttpRequest) -> None:
    if coach_profile_of(request.user) is None:
        raise Http404("Note templates are for coaches.")


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request: HttpRequest) -> HttpResponse:
    _coach_or_404(request)
    form: dict[str, Any] = {"name": "", "body": "", "error": None}
    status = 200
    if request.method == "POST":
        form.update(name=request.POST.get("name", ""), body=request.POST.get("body", ""))
        try:
            made = templates.note_template_create(
                actor=request.user, name=form["name"], body=form["body"]
            )
        except ServiceError as exc:
            form["error"], status = exc, exc.status
        else:
            messages.success(request, f"Template “{made.name}” added.")
            return redirect("workspace_note_templates")
    context = {
        "own": selectors.own_templates(request.user),
        "builtins": list(templates.BUILTINS.values()),
        "form": form,
    }
    return render(request, "workspace/notes/templates.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: Any) -> HttpResponse:
    _coach_or_404(request)
    found = selectors.own_template(request.user, template_id)
    if found is None:
        raise Http404("No such template.")
    form: dict[str, Any] = {"name": found.name, "body": found.body, "error": None}
    status = 200
    if request.method == "POST":
        form.update(name=request.POST.get("name", ""), body=request.POST.get("body", ""))
        try:
            templates.note_template_update(
                actor=request.user,
                template_id=found.public_id,
                name=form["name"],
                body=form["body"],
            )
        except ServiceError as exc:
            form["error"], status = exc, exc.status
        else:
            messages.success(request, "Template saved.")
            return redirect("workspace_note_templates")
    context = {"template_obj": found, "form": form}
    return render(request, "workspace/notes/template_edit.html", context, status=status)


@login_required
@require_POST
def template_delete(request: HttpRequest, template_id: Any) -> HttpResponse:
    _coach_or_404(request)
    try:
        templates.note_template_delete(actor=request.user, template_id=template_id)
    except templates.TemplateNotFound as exc:
        raise Http404("No such template.") from exc
    messages.success(request, "Template deleted.")
    return redirect("workspace_note_templates")


urlpatterns: list[URLPattern] = [
    path(
        "workspace/<uuid:engagement_id>/sessions/<uuid:booking_id>/notes/",
        session_notes,
        name="workspace_session_notes",
    ),
    path(
        "workspace/<uuid:engagement_id>/sessions/<uuid:booking_id>/notes/part/",
        session_notes_part,
        name="workspace_session_notes_part",
    ),
    path(
        "workspace/<uuid:engagement_id>/sessions/<uuid:booking_id>/notes/<str:visibility>/",
        note_save,
        name="workspace_note_save",
    ),
    path(
        "workspace/<uuid:engagement_id>/notes/<uuid:note_id>/versions/",
        note_versions,
        name="workspace_note_versions",
    ),
    path(
        "workspace/<uuid:engagement_id>/notes/<uuid:note_id>/action-item/",
        note_action_item,
        name="workspace_note_action_item",
    ),
    path("workspace/<uuid:engagement_id>/part/notes/", notes_part, name="workspace_notes_part"),
    path("coach/note-templates/", template_list, name="workspace_note_templates"),
    path(
        "coach/note-templates/<uuid:template_id>/",
        template_edit,
        name="workspace_note_template_edit",
    ),
    path(
        "coach/note-templates/<uuid:template_id>/delete/",
        template_delete,
        name="workspace_note_template_delete",
    ),
]
