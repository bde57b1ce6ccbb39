"""Starting conversations, reading them, archiving and muting them, and typing in them."""

from __future__ import annotations

from django.core.cache import cache
from django.db import IntegrityError, transaction

from tandem.accounts.models import User
from tandem.accounts.selectors import active_user_by_public_id
from tandem.booking.selectors import booked_together
from tandem.core.errors import NotFound
from tandem.core.ids import parse_id
from tandem.realtime.degraded import UNAVAILABLE, unavailable
from tandem.realtime.signals import send_signal

from .. import clock, selectors
from ..errors import MessageNotFound
from ..models import Conversation, Participant
from .access import conversation_for, participant_row
from .events import emit, emit_to

TYPING_INTERVAL_SECONDS = 2


def share_a_booking(a: User, b: User) -> bool:
    """Client and coach may talk once they have any booking together, in any status (who
    `a` may start a conversation with: `selectors.may_start_with`)."""
    return booked_together(a, b)


def _create(kind: str, low: User, high: User | None) -> tuple[Conversation, bool]:
    """One conversation per pair (or per support requester), even when two requests race:
    the unique constraints decide, the loser reads the winner's row."""
    lookup = Conversation.objects.filter(kind=kind, user_low=low, user_high=high)
    if existing := lookup.first():
        return existing, False
    people = [low] if high is None else [low, high]
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=kind, user_low=low, user_high=high, created_at=now, last_activity_at=now
            )
            Participant.objects.bulk_create(
                Participant(conversation=conversation, user=person, joined_at=now)
                for person in people
            )
            emit_to([p.pk for p in people], conversation, "conversation.created", {})
    except IntegrityError:
        existing = lookup.first()
        if existing is None:
            raise
        return existing, False
    return conversation, True


def conversation_start(*, user: User, other_id: object) -> tuple[Conversation, bool]:
    """The conversation between `user` and the person with public id `other_id` (created on
    first use). 404 unless they share a booking, so ids cannot be probed."""
    public_id = parse_id(other_id)
    other = active_user_by_public_id(public_id) if public_id else None
    if other is None or not selectors.may_start_with(user).filter(pk=other.pk).exists():
        raise NotFound("No one you can message has that id.", code="not_found")
    low, high = sorted([user, other], key=lambda person: person.pk)
    return _create(Conversation.Kind.DIRECT, low, high)


def support_start(*, user: User) -> tuple[Conversation, bool]:
    """The user's support conversation with staff (one per user, created on first use)."""
    return _create(Conversation.Kind.SUPPORT, user, None)


def mark_read(*, user: User, conversation_id: object, message_id: object = None) -> int:
    """Move the user's read position forward to a message (default: the latest). Never
    backwards. Returns the position; tells the others (read receipts) when it moved."""
    conversation = conversation_for(user, conversation_id)
    if message_id is not None:
        message = selectors.message_in(conversation, message_id)
        if message is None:
            raise MessageNotFound()
        seq = message.seq
    else:
        seq = conversation.last_seq
    with transaction.atomic():
        me = participant_row(conversation, user)
        moved = Participant.objects.filter(pk=me.pk, read_seq__lt=seq).update(read_seq=seq)
        if moved:
            emit(conversation, "conversation.read", {"user": user.public_id, "read_seq": seq})
        return Participant.objects.filter(pk=me.pk).values_list("read_seq", flat=True).get()


def set_flags(
    *, user: User, conversation_id: object, archived: bool | None = None, muted: bool | None = None
) -> Participant:
    """Archive/unarchive and mute/unmute, for this user only."""
    conversation = conversation_for(user, conversation_id)
    with transaction.atomic():
        me = participant_row(conversation, user)
        changes = {
            name: value
            for name, value in (("archived", archived), ("muted", muted))
            if value is not None and getattr(me, name) != value
        }
        if changes:
            Participant.objects.filter(pk=me.pk).update(**changes)
            for name, value in changes.items():
                setattr(me, name, value)
            # The user's other devices update their lists.
            emit_to(
                [user.pk],
                conversation,
                "conversation.updated",
                {"archived": me.archived, "muted": me.muted},
            )
    return me


def typing(*, user: User, conversation_id: object) -> bool:
    """Tell the others the user is typing (an ephemeral signal, never stored). Soft rate
    limit: at most one signal per user and conversation every 2 seconds; extra calls are
    accepted and dropped. Returns whether a signal went out (not when Redis, which holds
    the rate limit and carries the signal, is unreachable: the request still succeeds)."""
    conversation = conversation_for(user, conversation_id)
    try:
        first = cache.add(
            f"messaging:typing:{conversation.pk}:{user.pk}", 1, TYPING_INTERVAL_SECONDS
        )
    except UNAVAILABLE as exc:
        unavailable("typing rate limit", exc)
        return False
    if not first:
        return False
    others = [p.user_id for p in conversation.participants.all() if p.user_id != user.pk]
    if not others:
        return True
    try:
        send_signal(
            others, "typing", {"conversation": conversation.public_id, "user": user.public_id}
        )
    except UNAVAILABLE as exc:  # a typing hint is not worth a failed request
        unavailable("typing signal", exc)
        return False
    return True
