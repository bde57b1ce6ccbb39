"""The one gate every messaging service goes through."""

from __future__ import annotations

from tandem.accounts.models import User

from .. import selectors
from ..errors import ConversationNotFound
from ..models import Conversation, Participant


def conversation_for(user: User, conversation_id: object) -> Conversation:
    """The conversation, if `user` may see it; otherwise 404 exactly as for an unknown id."""
    found = selectors.conversation_for(user, conversation_id)
    if found is None:
        raise ConversationNotFound()
    return found


def participant_row(conversation: Conversation, user: User) -> Participant:
    """The user's place in the conversation. Staff acting on a support conversation get one
    on their first action (only they can see a conversation without being in it)."""
    for participant in conversation.participants.all():
        if participant.user_id == user.pk:
            return participant
    participant, _ = Participant.objects.get_or_create(conversation=conversation, user=user)
    return participant
