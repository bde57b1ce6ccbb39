"""Conversations and messages as the API answers them, decrypted for their participants."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from tandem.accounts.models import User
from tandem.core.crypto import InvalidToken, KeyRing, keyring
from tandem.realtime.presence import presence_of

from . import formatting
from .models import Attachment, Conversation, Message, Reaction

log = logging.getLogger(__name__)

DELETED_HTML = '<em class="message-deleted">Message deleted</em>'
UNREADABLE_HTML = '<em class="message-unreadable">This message cannot be decrypted.</em>'


def _decrypt(ring: KeyRing, token: str, what: str, pk: int) -> str | None:
    try:
        return ring.decrypt_text(token)
    except InvalidToken:
        # A key was dropped before `rotate_message_keys` re-encrypted this row.
        log.error("messaging: %s %s cannot be decrypted with TANDEM_MESSAGE_KEYS", what, pk)
        return None


def _attachment_of(message: Message) -> Attachment | None:
    try:
        return message.attachment
    except ObjectDoesNotExist:
        return None


def attachment_data(message: Message, attachment: Attachment, ring: KeyRing) -> dict[str, Any]:
    name = _decrypt(ring, attachment.name, "attachment name", attachment.pk) or "attachment"
    return {
        "id": attachment.public_id,
        "name": name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "is_image": attachment.content_type.startswith("image/"),
        "url": reverse(
            "api:message_attachment",
            kwargs={
                "conversation_id": message.conversation.public_id,
                "message_id": message.public_id,
            },
        ),
    }


def reactions_data(reactions: list[Reaction], viewer: User) -> list[dict[str, Any]]:
    counts = Counter(r.emoji for r in reactions)
    mine = {r.emoji for r in reactions if r.user_id == viewer.pk}
    return [
        {"emoji": emoji, "count": counts[emoji], "mine": emoji in mine}
        for emoji in Reaction.Emoji.values
        if counts[emoji]
    ]


def person_data(user: User) -> dict[str, Any]:
    return {"id": user.public_id, "name": user.name, "is_staff": user.is_staff}


def message_data(message: Message, viewer: User, *, ring: KeyRing | None = None) -> dict[str, Any]:
    """Needs message.sender and message.conversation (loaded or cached)."""
    ring = ring or keyring()
    deleted = message.is_deleted
    text: str | None = ""
    if not deleted and message.body:
        text = _decrypt(ring, message.body, "message", message.pk)
    attachment = None if deleted else _attachment_of(message)
    if deleted:
        html = DELETED_HTML
    elif text is None:
        html = UNREADABLE_HTML
    else:
        html = str(formatting.render(text))
    return {
        "id": message.public_id,
        "conversation": message.conversation.public_id,
        "seq": message.seq,
        "sender": person_data(message.sender),
        "mine": message.sender_id == viewer.pk,
        "body": text or "",
        "html": html,
        "attachment": attachment_data(message, attachment, ring) if attachment else None,
        "reactions": [] if deleted else reactions_data(list(message.reactions.all()), viewer),
        "created_at": message.created_at,
        "edited": message.edited_at is not None,
        "edited_at": message.edited_at,
        "deleted": deleted,
    }


def _last_message(conversation: Conversation, ring: KeyRing) -> dict[str, Any] | None:
    message = conversation.last_message
    if message is None:
        return None
    attachment = None if message.is_deleted else _attachment_of(message)
    if message.is_deleted:
        text = "Message deleted"
    else:
        text = (_decrypt(ring, message.body, "message", message.pk) if message.body else "") or ""
        if not text and attachment is not None:
            text = f"Attachment: {_decrypt(ring, attachment.name, 'name', attachment.pk) or ''}"
    return {
        "id": message.public_id,
        "seq": message.seq,
        "sender": person_data(message.sender),
        "preview": formatting.preview(text),
        "has_attachment": attachment is not None,
        "deleted": message.is_deleted,
        "created_at": message.created_at,
    }


def conversations_data(conversations: list[Conversation], viewer: User) -> list[dict[str, Any]]:
    """Needs participants (with users) prefetched and last_message (with sender, attachment)
    selected; presence for the whole page comes from one cache read."""
    ring = keyring()
    others = {
        p.user_id for c in conversations for p in c.participants.all() if p.user_id != viewer.pk
    }
    presence = presence_of(sorted(others))
    result = []
    for conversation in conversations:
        participants = list(conversation.participants.all())
        me = next((p for p in participants if p.user_id == viewer.pk), None)
        read_seq = me.read_seq if me else 0
        people = [p for p in participants if p.user_id != viewer.pk]
        if conversation.kind == Conversation.Kind.SUPPORT:
            owner = next(
                (p.user for p in participants if p.user_id == conversation.user_low_id), None
            )
            asking = owner.name if owner else ""
            title = "Support" if conversation.user_low_id == viewer.pk else f"Support: {asking}"
        else:
            title = people[0].user.name if people else ""
        result.append(
            {
                "id": conversation.public_id,
                "kind": conversation.kind,
                "title": title,
                "participants": [
                    {
                        **person_data(p.user),
                        "presence": {
                            "state": presence[p.user_id].state,
                            "last_seen": presence[p.user_id].last_seen,
                        },
                        "read_seq": p.read_seq,
                    }
                    for p in people
                ],
                "last_message": _last_message(conversation, ring),
                "last_seq": conversation.last_seq,
                "read_seq": read_seq,
                "unread": max(conversation.last_seq - read_seq, 0),
                "archived": bool(me and me.archived),
                "muted": bool(me and me.muted),
                "last_activity_at": conversation.last_activity_at,
                "created_at": conversation.created_at,
            }
        )
    return result
