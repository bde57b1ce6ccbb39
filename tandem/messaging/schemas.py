"""Schemas of the messaging API. Every field is described: the OpenAPI document is the manual.

Message text is encrypted at rest on the server (not end-to-end): the API returns it
decrypted to the conversation's participants only.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from tandem.core.schemas import InputSchema

from .models import Reaction
from .selectors import DEFAULT_LIMIT, MAX_LIMIT

EMOJI = " ".join(Reaction.Emoji.values)


# --- input ---------------------------------------------------------------------------------


class ConversationStartIn(InputSchema):
    user: UUID = Field(
        description="Public id of the coach or client to talk to; you must share a booking "
        "(any status). Anyone else answers 404."
    )


class MessageEditIn(InputSchema):
    body: str = Field(
        max_length=20_000,
        description="The new text (light formatting: *bold*, _italic_, `code`, links). "
        "Allowed for 5 minutes after sending (TANDEM_MESSAGE_EDIT_MINUTES).",
    )


class ReactionIn(InputSchema):
    emoji: str = Field(max_length=16, description=f"One of: {EMOJI}")


class ReadIn(InputSchema):
    message: UUID | None = Field(
        default=None,
        description="Mark read up to and including this message; omit for the latest.",
    )


class ConversationListQuery(Schema):
    archived: Literal["exclude", "only", "include"] = Field(
        default="exclude",
        description="exclude (default: the inbox), only (the archive) or include (both).",
    )
    inbox: Literal["mine", "support"] = Field(
        default="mine",
        description="mine: conversations you take part in. support (staff only): every "
        "support conversation.",
    )
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` from the previous page."
    )
    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size (1 to 100)."
    )


class PageQuery(Schema):
    cursor: str | None = Field(
        default=None,
        max_length=512,
        description="`next_cursor` from the previous page: the page of older items.",
    )
    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size (1 to 100)."
    )


class SearchQuery(PageQuery):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="Words to find (all must occur). Words of 3+ characters also match as "
        "the start of a longer word (`proj` finds “project”); shorter ones match whole words.",
    )


# --- output --------------------------------------------------------------------------------


class PersonOut(Schema):
    id: UUID = Field(description="Public id of the person.")
    name: str = Field(description="Display name.")
    is_staff: bool = Field(description="A Tandem staff member (support).")


class PresenceOut(Schema):
    state: str = Field(description="online, away (page hidden or idle) or offline.")
    last_seen: datetime | None = Field(description="When a connection of theirs was last alive.")


class ParticipantOut(PersonOut):
    presence: PresenceOut = Field(description="Their presence now.")
    read_seq: int = Field(
        description="Read receipt: they have read every message with `seq` up to this."
    )


class LastMessageOut(Schema):
    id: UUID = Field(description="Public id of the message.")
    seq: int = Field(description="Its number in the conversation.")
    sender: PersonOut = Field(description="Who sent it.")
    preview: str = Field(
        description="Plain-text start of the message (up to 140 characters), “Message "
        "deleted”, or “Attachment: <name>”. Escape it like any text."
    )
    has_attachment: bool = Field(description="It carries a file.")
    deleted: bool = Field(description="It was deleted.")
    created_at: datetime = Field(description="When it was sent.")


class ConversationOut(Schema):
    id: UUID = Field(description="Public id of the conversation.")
    kind: str = Field(description="direct (client and coach) or support (a user and staff).")
    title: str = Field(description="What to call it: the other person's name, or “Support”.")
    participants: list[ParticipantOut] = Field(
        description="Everyone in it except you, with presence and read receipts."
    )
    last_message: LastMessageOut | None = Field(description="The latest message, if any.")
    last_seq: int = Field(description="Number of the latest message (0: none yet).")
    read_seq: int = Field(description="You have read messages up to this number.")
    unread: int = Field(description="Messages after your read position.")
    archived: bool = Field(description="You archived it (a new message un-archives it).")
    muted: bool = Field(description="You muted it: unread still counts, notifications skip it.")
    last_activity_at: datetime = Field(description="Latest message (or creation) time.")
    created_at: datetime = Field(description="When it was started.")


class ConversationListOut(Schema):
    items: list[ConversationOut] = Field(description="Most recently active first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: end.")


class AttachmentOut(Schema):
    id: UUID = Field(description="Public id of the attachment.")
    name: str = Field(description="File name as sent (its extension matches its real type).")
    content_type: str = Field(
        description="Detected from the contents: image/png, image/jpeg, application/pdf "
        "or text/plain."
    )
    size: int = Field(description="Size in bytes.")
    is_image: bool = Field(description="An image that may be shown inline.")
    url: str = Field(description="Download URL (participants only).")


class ReactionOut(Schema):
    emoji: str = Field(description="The emoji.")
    count: int = Field(description="How many people reacted with it.")
    mine: bool = Field(description="You are one of them.")


class MessageOut(Schema):
    id: UUID = Field(description="Public id of the message.")
    conversation: UUID = Field(description="Public id of its conversation.")
    seq: int = Field(description="Its number in the conversation (1, 2, 3…).")
    sender: PersonOut = Field(description="Who sent it.")
    mine: bool = Field(description="You sent it.")
    body: str = Field(description="The text as written (empty once deleted).")
    html: str = Field(
        description="The text rendered as safe HTML (everything escaped; *bold*, _italic_, "
        "`code`, line breaks and http(s) links only). A deleted message renders as "
        "“Message deleted”."
    )
    attachment: AttachmentOut | None = Field(description="Its file, if any.")
    reactions: list[ReactionOut] = Field(description="Reactions, in the fixed emoji order.")
    created_at: datetime = Field(description="When it was sent.")
    edited: bool = Field(description="It was edited.")
    edited_at: datetime | None = Field(description="When it was last edited.")
    deleted: bool = Field(description="It was deleted (a tombstone).")


class MessageListOut(Schema):
    items: list[MessageOut] = Field(description="Oldest first within the page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the page of older messages; null: the beginning."
    )


class SearchOut(Schema):
    items: list[MessageOut] = Field(description="Matching messages, newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for more; null: end.")


class ReactionStateOut(Schema):
    message: MessageOut = Field(description="The message with its reactions now.")
    on: bool = Field(description="Your reaction is now there.")


class ReadOut(Schema):
    read_seq: int = Field(description="Your read position now.")
    unread: int = Field(description="Messages still unread in this conversation.")


class TypingOut(Schema):
    sent: bool = Field(
        description="A typing signal went out (false: dropped by the soft rate limit — at most "
        "one every 2 seconds)."
    )


class ConversationUnreadOut(Schema):
    total: int = Field(description="Unread messages across your conversations (muted too).")
    conversations: int = Field(description="Conversations with unread messages.")
    unmuted: int = Field(description="Unread messages in conversations you have not muted.")
