"""The messages page (/messages/, /messages/<conversation>/): the conversation list and the
first page of the open thread, rendered by the server; static/messaging/messages.js does the
rest (older pages, sending, live updates, read receipts, typing) through the JSON API.

Thin: one selector or service per part, presented exactly as the API presents it. A
conversation the viewer may not see is a 404, like an unknown id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.core.crypto import keyring
from tandem.core.errors import NotFound
from tandem.core.ids import parse_id
from tandem.realtime.context_processors import pin_events_position

from . import present, selectors, services

LIST_SIZE = 50
THREAD_PAGE = 30


@login_required
@require_safe
def messages_page(
    request: AuthenticatedHttpRequest, conversation_id: uuid.UUID | None = None
) -> HttpResponse:
    # The stream position before the data: a message committed while the page is built
    # then reaches the page as an event instead of falling in between.
    pin_events_position(request)
    open_conversation = None
    thread: list[dict] = []
    next_cursor = None
    if conversation_id is not None:
        found = selectors.conversation_for(request.user, conversation_id)
        if found is None:
            raise Http404("No such conversation.")
        open_conversation = present.conversations_data([found], request.user)[0]
        page = selectors.messages_page(found, limit=THREAD_PAGE)
        ring = keyring()
        thread = [present.message_data(m, request.user, ring=ring) for m in page.items]
        next_cursor = page.next_cursor
    listed = selectors.conversations_page(request.user, limit=LIST_SIZE)
    conversations = present.conversations_data(listed.items, request.user)
    other = open_conversation["participants"][0] if open_conversation else None
    if open_conversation:
        open_conversation["other_read_seq"] = max(
            (p["read_seq"] for p in open_conversation["participants"]), default=0
        )
    return render(
        request,
        "messaging/messages.html",
        {
            "conversations": conversations,
            "conversation": open_conversation,
            "other": other,
            "thread": thread,
            "next_cursor": next_cursor or "",
            "thread_page": THREAD_PAGE,
            "message_max_chars": settings.TANDEM_MESSAGE_MAX_CHARS,
        },
    )


@login_required
@require_POST
def message_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Message" buttons (e.g. on a session): open the conversation with that coach or client,
    starting it if need be. Someone you share no booking with is a 404."""
    other_id = parse_id(request.POST.get("user", ""))
    if other_id is None:
        raise Http404("No such person.")
    try:
        conversation, _ = services.conversation_start(user=request.user, other_id=other_id)
    except NotFound as exc:
        raise Http404("No such person.") from exc
    return redirect("messages_conversation", conversation_id=conversation.public_id)
