"""Messaging API: /api/v1/conversations/... Thin: parse, call one service or selector, present.

Text and attachments are encrypted at rest on the server (not end-to-end encryption);
participants get them decrypted. Another user's conversation answers 404 exactly like an
unknown id.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.core.errors import NotFound

from . import present, selectors, services
from .attachments import IMAGE_TYPES
from .models import Message
from .schemas import (
    EMOJI,
    ConversationListOut,
    ConversationListQuery,
    ConversationOut,
    ConversationStartIn,
    ConversationUnreadOut,
    MessageEditIn,
    MessageListOut,
    MessageOut,
    PageQuery,
    ReactionIn,
    ReactionStateOut,
    ReadIn,
    ReadOut,
    SearchOut,
    SearchQuery,
    TypingOut,
)

router = Router(tags=["messaging"])

AT_REST = (
    "Message text and attachments are encrypted at rest on the server (this is not "
    "end-to-end encryption). "
)
NOT_YOURS = "A conversation you are not in answers 404, exactly like an unknown id. "
EVENTS = (
    "Participants get the change on their event stream (ids only, never text: fetch the message). "
)


def _conversation(request: AuthenticatedHttpRequest, conversation_id: str) -> dict:
    conversation = selectors.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    return present.conversations_data([conversation], request.user)[0]


def _message(request: AuthenticatedHttpRequest, message: Message) -> dict:
    return present.message_data(message, request.user)


# Fixed paths first: /conversations/{id} would otherwise take "search" and "unread" as ids.


@router.get(
    "/conversations",
    response=ConversationListOut,
    summary="Your conversations",
    description="With unread counts, a decrypted preview of the last message, the others' "
    "presence and read positions, and your archived/muted flags. Most recently active first; "
    "follow `next_cursor`. " + AT_REST,
)
def list_conversations(
    request: AuthenticatedHttpRequest, query: Query[ConversationListQuery]
) -> dict:
    page = selectors.conversations_page(
        request.user,
        inbox=query.inbox,
        archived=query.archived,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {
        "items": present.conversations_data(page.items, request.user),
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/conversations",
    response={200: ConversationOut, 201: ConversationOut},
    summary="Start (or get) your conversation with a coach or client",
    description="One conversation per pair: 201 when created, 200 when it existed. You must "
    "share a booking (any status); anyone else answers 404.",
)
def start_conversation(request: AuthenticatedHttpRequest, payload: ConversationStartIn) -> Status:
    conversation, created = services.conversation_start(user=request.user, other_id=payload.user)
    return Status(201 if created else 200, _conversation(request, str(conversation.public_id)))


@router.post(
    "/conversations/support",
    response={200: ConversationOut, 201: ConversationOut},
    summary="Start (or get) your support conversation",
    description="One per user, answered by any staff member. 201 when created, 200 when it "
    "existed.",
)
def start_support(request: AuthenticatedHttpRequest) -> Status:
    conversation, created = services.support_start(user=request.user)
    return Status(201 if created else 200, _conversation(request, str(conversation.public_id)))


@router.get(
    "/conversations/unread",
    response=ConversationUnreadOut,
    summary="Your unread message counts",
    description="Across every conversation you take part in (archived and muted included).",
)
def unread(request: AuthenticatedHttpRequest) -> dict:
    counts = selectors.unread_for(request.user)
    return {"total": counts.total, "conversations": counts.conversations, "unmuted": counts.unmuted}


@router.get(
    "/conversations/search",
    response=SearchOut,
    summary="Search your conversations",
    description="Finds messages containing every word of `q` (case-insensitive; words of 3+ "
    "characters also match as prefixes), in conversations you take part in only. Because "
    "text is encrypted at rest, search runs on a blind index of keyed word hashes: no "
    "phrase, fuzzy or infix matching. " + AT_REST,
)
def search(request: AuthenticatedHttpRequest, query: Query[SearchQuery]) -> dict:
    page = selectors.search_page(request.user, query.q, cursor=query.cursor, limit=query.limit)
    return {
        "items": [_message(request, m) for m in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/conversations/{conversation_id}",
    response=ConversationOut,
    summary="One of your conversations",
    description=NOT_YOURS,
)
def get_conversation(request: AuthenticatedHttpRequest, conversation_id: str = Path(...)) -> dict:
    return _conversation(request, conversation_id)


@router.get(
    "/conversations/{conversation_id}/messages",
    response=MessageListOut,
    summary="Messages, newest page first (scroll back with next_cursor)",
    description="Each page holds the latest messages before the cursor, oldest first within "
    "the page. " + AT_REST + NOT_YOURS,
)
def list_messages(
    request: AuthenticatedHttpRequest, query: Query[PageQuery], conversation_id: str = Path(...)
) -> dict:
    conversation = selectors.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    page = selectors.messages_page(conversation, cursor=query.cursor, limit=query.limit)
    return {
        "items": [_message(request, m) for m in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: MessageOut, 201: MessageOut},
    summary="Send a message",
    description="multipart/form-data (or a urlencoded form): `body` (text, up to 10,000 "
    "characters) and/or `attachment` (one file: PNG, JPEG, PDF or plain text, recognised by "
    "its contents, up to TANDEM_MESSAGE_ATTACHMENT_MAX_BYTES, 10 MB by default; 413 "
    "`attachment_too_large`, 400 `attachment_refused`). Send an `Idempotency-Key` header: "
    "a retry with the same key and message returns the first message (200, "
    "`Idempotent-Replayed: true`) and never posts twice; the same key with a different "
    "message answers 409 `idempotency_key_reused`. " + EVENTS + AT_REST + NOT_YOURS,
)
def send_message(
    request: AuthenticatedHttpRequest,
    response: HttpResponse,
    conversation_id: str = Path(...),
    body: str = Form(
        "",
        max_length=20_000,
        description="The text (light formatting: *bold*, _italic_, `code`, line breaks, "
        "http(s) links). May be empty when a file is attached.",
    ),
    attachment: Annotated[
        UploadedFile | None,
        File(description="One file: PNG, JPEG, PDF or plain text (checked by content)."),
    ] = None,
) -> Status:
    outcome = services.message_send(
        user=request.user,
        conversation_id=conversation_id,
        body=body,
        upload=attachment,
        upload_name=attachment.name if attachment is not None else None,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if outcome.replayed else 201, _message(request, outcome.message))


@router.patch(
    "/conversations/{conversation_id}/messages/{message_id}",
    response=MessageOut,
    summary="Edit your message",
    description="Within 5 minutes of sending (TANDEM_MESSAGE_EDIT_MINUTES); later answers 409 "
    "`edit_window_closed`. Someone else's message answers 403; a deleted one 409 "
    "`message_deleted`. " + EVENTS,
)
def edit_message(
    request: AuthenticatedHttpRequest,
    payload: MessageEditIn,
    conversation_id: str = Path(...),
    message_id: str = Path(...),
) -> dict:
    message = services.message_edit(
        user=request.user,
        conversation_id=conversation_id,
        message_id=message_id,
        body=payload.body,
    )
    return _message(request, message)


@router.delete(
    "/conversations/{conversation_id}/messages/{message_id}",
    response=MessageOut,
    summary="Delete your message",
    description="Leaves a tombstone (“Message deleted”): text, attachment and reactions are "
    "removed. Deleting again answers the same. " + EVENTS,
)
def delete_message(
    request: AuthenticatedHttpRequest, conversation_id: str = Path(...), message_id: str = Path(...)
) -> dict:
    message = services.message_delete(
        user=request.user, conversation_id=conversation_id, message_id=message_id
    )
    return _message(request, message)


def _reaction(
    request: AuthenticatedHttpRequest, conversation_id: str, message_id: str, emoji: str, on
):
    message, now_on = services.reaction_set(
        user=request.user,
        conversation_id=conversation_id,
        message_id=message_id,
        emoji=emoji,
        on=on,
    )
    fresh = selectors.message_in(message.conversation, message.public_id)
    assert fresh is not None
    fresh.conversation = message.conversation
    return {"message": _message(request, fresh), "on": now_on}


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/reactions",
    response=ReactionStateOut,
    summary="Toggle a reaction",
    description="Adds your reaction with `emoji`, or removes it if you had it (one of each "
    "emoji per person per message). " + EVENTS,
)
def toggle_reaction(
    request: AuthenticatedHttpRequest,
    payload: ReactionIn,
    conversation_id: str = Path(...),
    message_id: str = Path(...),
) -> dict:
    return _reaction(request, conversation_id, message_id, payload.emoji, None)


@router.delete(
    "/conversations/{conversation_id}/messages/{message_id}/reactions",
    response=ReactionStateOut,
    summary="Remove a reaction",
    description="Removes your reaction with the `emoji` query parameter (no change if you had "
    "none). " + EVENTS,
)
def remove_reaction(
    request: AuthenticatedHttpRequest,
    conversation_id: str = Path(...),
    message_id: str = Path(...),
    emoji: str = Query(..., max_length=16, description=f"One of: {EMOJI}"),
) -> dict:
    return _reaction(request, conversation_id, message_id, emoji, False)


@router.get(
    "/conversations/{conversation_id}/messages/{message_id}/attachment",
    url_name="message_attachment",
    response={200: None},
    summary="Download an attachment",
    description="Participants only. Served with the type detected at upload, "
    "`X-Content-Type-Options: nosniff`, and `Content-Disposition: attachment` except for "
    "images. " + NOT_YOURS,
)
def download_attachment(
    request: AuthenticatedHttpRequest, conversation_id: str = Path(...), message_id: str = Path(...)
) -> HttpResponse:
    attachment, name, data = services.attachment_contents(
        user=request.user, conversation_id=conversation_id, message_id=message_id
    )
    inline = attachment.content_type in IMAGE_TYPES
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    # Decrypted content: no shared caches; and nothing in it may run if opened directly.
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.post(
    "/conversations/{conversation_id}/read",
    response=ReadOut,
    summary="Mark read (read receipt)",
    description="Moves your read position up to `message` (default: the latest); never "
    "backwards. The others see it as a read receipt (`conversation.read` event).",
)
def mark_read(
    request: AuthenticatedHttpRequest, payload: ReadIn, conversation_id: str = Path(...)
) -> dict:
    read_seq = services.mark_read(
        user=request.user, conversation_id=conversation_id, message_id=payload.message
    )
    data = _conversation(request, conversation_id)
    return {"read_seq": read_seq, "unread": data["unread"]}


@router.post(
    "/conversations/{conversation_id}/typing",
    response={202: TypingOut},
    summary="Say you are typing",
    description="Sends an ephemeral `typing` signal to the others' open connections (never "
    "stored). Call it every few seconds while typing; extra calls are accepted and dropped.",
)
def typing(request: AuthenticatedHttpRequest, conversation_id: str = Path(...)) -> Status:
    sent = services.typing(user=request.user, conversation_id=conversation_id)
    return Status(202, {"sent": sent})


def _flag(request: AuthenticatedHttpRequest, conversation_id: str, **flags: bool) -> dict:
    services.set_flags(user=request.user, conversation_id=conversation_id, **flags)
    return _conversation(request, conversation_id)


@router.post(
    "/conversations/{conversation_id}/archive",
    response=ConversationOut,
    summary="Archive (for you only)",
)
def archive(request: AuthenticatedHttpRequest, conversation_id: str = Path(...)) -> dict:
    return _flag(request, conversation_id, archived=True)


@router.post(
    "/conversations/{conversation_id}/unarchive",
    response=ConversationOut,
    summary="Unarchive",
)
def unarchive(request: AuthenticatedHttpRequest, conversation_id: str = Path(...)) -> dict:
    return _flag(request, conversation_id, archived=False)


@router.post(
    "/conversations/{conversation_id}/mute",
    response=ConversationOut,
    summary="Mute (for you only)",
    description="Unread still counts; notifications will skip it.",
)
def mute(request: AuthenticatedHttpRequest, conversation_id: str = Path(...)) -> dict:
    return _flag(request, conversation_id, muted=True)


@router.post(
    "/conversations/{conversation_id}/unmute",
    response=ConversationOut,
    summary="Unmute",
)
def unmute(request: AuthenticatedHttpRequest, conversation_id: str = Path(...)) -> dict:
    return _flag(request, conversation_id, muted=False)
