"""What a new message means for notifications: the other participants hear of it on the
channels they chose for "New messages" (by default push only — the Messages badge already
counts unread), unless they muted the conversation.

Message text is encrypted at rest; notifications are not, so they never carry it: they say
who wrote and link to the conversation.
"""

from __future__ import annotations

from django.urls import reverse

from tandem.messaging.selectors import listeners_of, posted_message

from .fanout import notify


def message_posted(message_id: int) -> None:
    message = posted_message(message_id)
    if message is None or message.deleted_at is not None:
        return
    conversation = message.conversation
    listeners = listeners_of(message)
    notify(
        user_ids=listeners,
        kind="message",
        key=f"message:{message.pk}",
        title=f"New message from {message.sender.name}",
        url=reverse("messages_conversation", kwargs={"conversation_id": conversation.public_id}),
    )
