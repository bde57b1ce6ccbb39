"""Reactions: a fixed set of emoji, at most one of each per person per message."""

from __future__ import annotations

from django.db import transaction

from tandem.accounts.models import User
from tandem.core.errors import InvalidInput

from .. import selectors
from ..errors import MessageDeleted, MessageNotFound
from ..models import Message, Reaction
from .access import conversation_for, participant_row
from .events import emit


def checked_emoji(emoji: str) -> str:
    if emoji not in Reaction.Emoji.values:
        allowed = " ".join(Reaction.Emoji.values)
        raise InvalidInput(
            f"React with one of: {allowed}", fields={"emoji": [f"One of: {allowed}"]}
        )
    return emoji


def reaction_set(
    *, user: User, conversation_id: object, message_id: object, emoji: str, on: bool | None
) -> tuple[Message, bool]:
    """Add (on=True), remove (on=False) or toggle (on=None) the user's `emoji` on a message.
    Returns the message and whether the reaction is now there. Tells everyone when it
    changed."""
    emoji = checked_emoji(emoji)
    conversation = conversation_for(user, conversation_id)
    message = selectors.message_in(conversation, message_id)
    if message is None:
        raise MessageNotFound()
    if message.is_deleted:
        raise MessageDeleted()
    message.conversation = conversation
    with transaction.atomic():
        participant_row(conversation, user)
        mine = Reaction.objects.filter(message=message, user=user, emoji=emoji)
        want = on if on is not None else not mine.exists()
        if want:
            _, changed = Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
        else:
            changed = mine.delete()[0] > 0
        if changed:
            emit(
                conversation,
                "message.reaction",
                {"message": message.public_id, "emoji": emoji, "user": user.public_id, "on": want},
            )
    return message, want
