"""Reads of conversations and messages. A conversation someone may not see does not exist
for them: every read goes through `visible_conversations`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum

from tandem.accounts.models import User
from tandem.accounts.selectors import active_users
from tandem.booking.selectors import booked_with
from tandem.core import blind_index as search_index
from tandem.core.crypto import keyring
from tandem.core.cursors import cursor_counter, decode_cursor, decode_position, encode_cursor
from tandem.core.errors import InvalidInput, PermissionDenied
from tandem.core.ids import parse_id
from tandem.core.text import clean_text

from .models import Conversation, Message, Participant, SearchToken

Inbox = Literal["mine", "support"]
Archived = Literal["exclude", "only", "include"]
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
MAX_QUERY = 200


def is_support_staff(user: User) -> bool:
    """Any active staff member may read and answer every support conversation."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def may_start_with(user: User) -> QuerySet[User]:
    """Everyone `user` may start a conversation with (the rule `conversation_start` applies):
    active people they share a booking with, in any status, as coach or client."""
    if not user.is_authenticated:
        return active_users(Q(pk__in=[]))
    return active_users(booked_with(user)).exclude(pk=user.pk)


def people_to_message(user: User, *, limit: int) -> list[User]:
    """The first `limit` of `may_start_with`, by name (one query)."""
    return list(may_start_with(user).order_by("display_name", "email", "pk")[:limit])


def visible_conversations(user: User) -> QuerySet[Conversation]:
    """Conversations `user` takes part in; for staff, every support conversation too."""
    if not user.is_authenticated:
        return Conversation.objects.none()
    mine = Exists(Participant.objects.filter(conversation=OuterRef("pk"), user=user))
    if is_support_staff(user):
        return Conversation.objects.filter(mine | Q(kind=Conversation.Kind.SUPPORT))
    return Conversation.objects.filter(mine)


def _with_participants(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return conversations.prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("user").order_by("pk"),
        )
    )


def conversation_for(user: User, conversation_id: object) -> Conversation | None:
    """One conversation `user` may see (participants loaded), or None."""
    public_id = parse_id(conversation_id)
    if public_id is None:
        return None
    found = _with_participants(visible_conversations(user).filter(public_id=public_id))
    return found.select_related("last_message__sender", "last_message__attachment").first()


def message_in(conversation: Conversation, message_id: object) -> Message | None:
    public_id = parse_id(message_id)
    if public_id is None:
        return None
    return (
        Message.objects.select_related("sender", "attachment")
        .filter(conversation=conversation, public_id=public_id)
        .first()
    )


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}.", fields={"limit": ["out_of_range"]})


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def conversations_page(
    user: User,
    *,
    inbox: Inbox = "mine",
    archived: Archived = "exclude",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Most recently active first. Two queries whatever the page size."""
    _check_limit(limit)
    if inbox == "support":
        if not is_support_staff(user):
            raise PermissionDenied("Only staff see the support inbox.")
        conversations = Conversation.objects.filter(kind=Conversation.Kind.SUPPORT)
    elif archived == "include":
        conversations = Conversation.objects.filter(participants__user=user)
    else:
        # One filter() call: both conditions apply to the same participant row (one join).
        conversations = Conversation.objects.filter(
            participants__user=user, participants__archived=archived == "only"
        )
    if cursor:
        at, pk = decode_position(cursor, moment="t", key="i", key_type=int)
        conversations = conversations.filter(
            Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=pk)
        )
    rows = list(
        _with_participants(conversations)
        .select_related("last_message__sender", "last_message__attachment")
        .order_by("-last_activity_at", "-pk")[: limit + 1]
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor({"t": last.last_activity_at.isoformat(), "i": last.pk})
    return Page(rows, next_cursor)


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("sender", "attachment").prefetch_related("reactions")


def messages_page(
    conversation: Conversation, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page:
    """The latest `limit` messages before the cursor (newest page first, for scrolling back);
    items oldest first within the page. Two queries (messages, their reactions)."""
    _check_limit(limit)
    messages = _messages().filter(conversation=conversation)
    if cursor:
        before = cursor_counter(decode_cursor(cursor).get("s"))
        messages = messages.filter(seq__lt=before)
    rows = list(messages.order_by("-seq")[: limit + 1])
    for row in rows:
        row.conversation = conversation  # presenting needs it; saves a query per row
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor({"s": rows[-1].seq})
    rows.reverse()
    return Page(rows, next_cursor)


def search_page(
    user: User, query: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page:
    """Messages in the user's conversations containing every query word (3+ characters
    match as a prefix), newest first. Runs on the blind index: see tandem/core/blind_index.py."""
    _check_limit(limit)
    terms = search_index.query_terms(clean_text(query, field="q", max_length=MAX_QUERY))
    if not terms:
        raise InvalidInput("Type a word to search for.", fields={"q": ["No words to search for."]})
    ring = keyring()
    digests = [d for term in terms for d in search_index.query_digests(ring, term)]
    mine = Participant.objects.filter(user=user).values("conversation_id")
    # A message is indexed under one key, so each matching term contributes one distinct
    # digest: a message matches all terms when it has len(terms) distinct ones.
    matching = (
        SearchToken.objects.filter(digest__in=digests, conversation_id__in=mine)
        .values("message_id")
        .annotate(terms=Count("digest", distinct=True))
        .filter(terms__gte=len(terms))
        .values("message_id")
    )
    messages = (
        _messages().select_related("conversation").filter(pk__in=matching, deleted_at__isnull=True)
    )
    if cursor:
        before = cursor_counter(decode_cursor(cursor).get("m"))
        messages = messages.filter(pk__lt=before)
    rows = list(messages.order_by("-pk")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor({"m": rows[-1].pk})
    return Page(rows, next_cursor)


@dataclass(frozen=True)
class Unread:
    total: int  # unread messages across the user's conversations (muted included)
    conversations: int  # conversations with at least one unread message
    unmuted: int  # unread messages in conversations that are not muted


def unread_for(user: User) -> Unread:
    """One query. Messages after a person's read position are never their own (sending
    moves the sender's position), so unread = last_seq - read_seq."""
    behind = F("conversation__last_seq") - F("read_seq")
    found = Participant.objects.filter(user=user).aggregate(
        total=Sum(behind),
        conversations=Count("pk", filter=Q(conversation__last_seq__gt=F("read_seq"))),
        unmuted=Sum(behind, filter=Q(muted=False)),
    )
    return Unread(found["total"] or 0, found["conversations"] or 0, found["unmuted"] or 0)


# --- For notifications (a new message's job) ---------------------------------------------------


def posted_message(message_id: int) -> Message | None:
    """A message by primary key with its sender and conversation (one query), or None."""
    return Message.objects.select_related("sender", "conversation").filter(pk=message_id).first()


def listeners_of(message: Message) -> list[int]:
    """Who hears of a new message: the conversation's other participants who did not mute it."""
    return list(
        Participant.objects.filter(conversation_id=message.conversation_id, muted=False)
        .exclude(user_id=message.sender_id)
        .values_list("user_id", flat=True)
    )
