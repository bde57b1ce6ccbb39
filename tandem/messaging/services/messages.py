"""Sending, editing and deleting messages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction

from tandem.accounts.models import User
from tandem.core.crypto import KeyRing, keyring
from tandem.core.errors import InvalidInput, PermissionDenied
from tandem.core.idempotency import checked_key
from tandem.core.ids import parse_id
from tandem.core.text import clean_text

from .. import clock, selectors
from ..attachments import CheckedFile, checked_attachment
from ..errors import EditWindowClosed, IdempotencyKeyReused, MessageDeleted, MessageNotFound
from ..models import Attachment, Conversation, Message, Participant, Reaction, SendIdempotency
from ..sql import take_next_seq
from . import notifications_hook, storage
from .access import conversation_for, participant_row
from .events import emit
from .indexing import index_message, unindex_message


# Takes the conversation's next message number; the row stays locked until the transaction
# ends, so numbers are given out in commit order and last_message is the latest one.
@dataclass(frozen=True, slots=True)
class SendOutcome:
    message: Message
    replayed: bool  # an earlier request with the same Idempotency-Key sent this message


def _body(text: str) -> str:
    limit = settings.TANDEM_MESSAGE_MAX_CHARS
    if len(text.strip()) > limit:
        # Said in words the sender can act on (the page shows this message as it is).
        message = f"Messages can be at most {limit:,} characters."
        raise InvalidInput(message, fields={"body": [message]})
    return clean_text(text, field="body", max_length=limit)


def _fingerprints(
    ring: KeyRing, conversation: Conversation, text: str, file: CheckedFile | None
) -> list[str]:
    """What "the same request" means, keyed (HMAC) so the stored value reveals nothing about
    the text; one per configured key so a rotation does not turn retries into 409s."""
    body = json.dumps(
        [
            str(conversation.public_id),
            text,
            hashlib.sha256(file.data).hexdigest() if file else None,
            file.name if file else None,
        ]
    ).encode()
    return [ring.mac(body, key_index=i) for i in range(len(ring.index_keys))]


def _replay(user: User, key: str, fingerprints: list[str]) -> Message | None:
    record = SendIdempotency.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_hash not in fingerprints:
        raise IdempotencyKeyReused()
    return Message.objects.select_related("sender", "attachment", "conversation").get(
        pk=record.message_id
    )


def message_send(
    *,
    user: User,
    conversation_id: object,
    body: str = "",
    upload: IO[bytes] | None = None,
    upload_name: str | None = None,
    idempotency_key: str | None = None,
) -> SendOutcome:
    """Post text and/or one attachment. With an Idempotency-Key a retry returns the first
    message (replayed=True) and never posts twice; the same key with a different message
    raises IdempotencyKeyReused (409)."""
    conversation = conversation_for(user, conversation_id)
    key = checked_key(idempotency_key)
    text = _body(body)
    file = checked_attachment(upload, upload_name) if upload is not None else None
    if not text and file is None:
        raise InvalidInput(
            "Write a message or attach a file.", fields={"body": ["This field is required."]}
        )
    ring = keyring()
    fingerprints = _fingerprints(ring, conversation, text, file)
    if key and (earlier := _replay(user, key, fingerprints)):
        return SendOutcome(earlier, replayed=True)
    stored = storage.store(file.data, ring) if file else None
    try:
        with transaction.atomic():
            # Checked again under the write lock (SQLite) or after a racing commit.
            if key and (earlier := _replay(user, key, fingerprints)):
                outcome = SendOutcome(earlier, replayed=True)
            else:
                outcome = _post(user, conversation, text, file, stored, key, fingerprints[0], ring)
    except IntegrityError:
        # Same key racing in another transaction (PostgreSQL): the unique key decided.
        storage.discard(stored)
        if key and (earlier := _replay(user, key, fingerprints)):
            return SendOutcome(earlier, replayed=True)
        raise
    except BaseException:
        storage.discard(stored)
        raise
    if outcome.replayed:
        storage.discard(stored)
    return outcome


def _post(
    user: User,
    conversation: Conversation,
    text: str,
    file: CheckedFile | None,
    stored: str | None,
    key: str | None,
    fingerprint: str,
    ring: KeyRing,
) -> SendOutcome:
    now = clock.now()
    seq = take_next_seq(conversation.pk)
    message = Message.objects.create(
        conversation=conversation,
        sender=user,
        seq=seq,
        body=ring.encrypt_text(text),
        created_at=now,
    )
    if file is not None and stored is not None:
        message.attachment = Attachment.objects.create(
            message=message,
            file=stored,
            name=ring.encrypt_text(file.name),
            content_type=file.content_type,
            size=len(file.data),
            created_at=now,
        )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_activity_at=now
    )
    # Sending means having read everything before it.
    me = participant_row(conversation, user)
    Participant.objects.filter(pk=me.pk, read_seq__lt=seq).update(read_seq=seq)
    # A new message brings an archived conversation back for the others, unless muted.
    Participant.objects.filter(conversation=conversation, archived=True, muted=False).exclude(
        user=user
    ).update(archived=False)
    index_message(message, text, ring, fresh=True)
    if key:
        SendIdempotency.objects.create(
            user=user, key=key, request_hash=fingerprint, message=message, created_at=now
        )
    emit(
        conversation,
        "message.created",
        {"message": message.public_id, "seq": seq, "sender": user.public_id},
    )
    message_id = message.pk
    notifications_hook.posted(message_id)  # its notifications job, in this transaction
    message.conversation = conversation
    return SendOutcome(message, replayed=False)


def _own_message_for_update(user: User, conversation: Conversation, message_id: object) -> Message:
    public_id = parse_id(message_id)
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("sender", "attachment")
        .filter(conversation=conversation, public_id=public_id)
        .first()
        if public_id
        else None
    )
    if message is None:
        raise MessageNotFound()
    if message.sender_id != user.pk:
        raise PermissionDenied("You can change only your own messages.")
    message.conversation = conversation
    return message


def _has_attachment(message: Message) -> bool:
    try:
        return message.attachment is not None
    except Attachment.DoesNotExist:
        return False


def message_edit(*, user: User, conversation_id: object, message_id: object, body: str) -> Message:
    """Change the text of one's own message within TANDEM_MESSAGE_EDIT_MINUTES of sending
    (then EditWindowClosed, 409). The message is marked edited."""
    conversation = conversation_for(user, conversation_id)
    text = _body(body)
    ring = keyring()
    with transaction.atomic():
        message = _own_message_for_update(user, conversation, message_id)
        if message.is_deleted:
            raise MessageDeleted()
        now = clock.now()
        if now - message.created_at > timedelta(minutes=settings.TANDEM_MESSAGE_EDIT_MINUTES):
            raise EditWindowClosed(
                f"Messages can be edited for {settings.TANDEM_MESSAGE_EDIT_MINUTES} minutes "
                "after sending."
            )
        if not text and not _has_attachment(message):
            raise InvalidInput(
                "A message needs text or an attachment.",
                fields={"body": ["This field is required."]},
            )
        message.body = ring.encrypt_text(text)
        message.edited_at = now
        message.save(update_fields=["body", "edited_at"])
        index_message(message, text, ring)
        emit(conversation, "message.edited", {"message": message.public_id, "edited_at": now})
    return message


def message_delete(*, user: User, conversation_id: object, message_id: object) -> Message:
    """Delete one's own message, leaving a tombstone: text, attachment (and its file),
    reactions and search tokens are removed; the row says when it was deleted. Deleting
    again changes nothing."""
    conversation = conversation_for(user, conversation_id)
    with transaction.atomic():
        message = _own_message_for_update(user, conversation, message_id)
        if message.is_deleted:
            return message
        now = clock.now()
        if _has_attachment(message):
            attachment = message.attachment
            storage.discard_on_commit(attachment.file.name)
            attachment.delete()
        Reaction.objects.filter(message=message).delete()
        unindex_message(message)
        message.body = ""
        message.deleted_at = now
        message.save(update_fields=["body", "deleted_at"])
        emit(conversation, "message.deleted", {"message": message.public_id})
    return message


def attachment_contents(
    *, user: User, conversation_id: object, message_id: object
) -> tuple[Attachment, str, bytes]:
    """(attachment, its file name, decrypted contents) for a participant; 404 otherwise."""
    conversation = conversation_for(user, conversation_id)
    message = selectors.message_in(conversation, message_id)
    if message is None or message.is_deleted or not _has_attachment(message):
        raise MessageNotFound("No such attachment.")
    ring = keyring()
    attachment = message.attachment
    return attachment, ring.decrypt_text(attachment.name), storage.read(attachment.file.name, ring)
