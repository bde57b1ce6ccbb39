"""Keeping the blind search index in step with message text."""

from __future__ import annotations

from tandem.core.blind_index import message_digests
from tandem.core.crypto import KeyRing

from ..models import Message, SearchToken


def index_message(message: Message, text: str, ring: KeyRing, *, fresh: bool = False) -> None:
    """(Re)write a message's search tokens under the current key."""
    if not fresh:
        SearchToken.objects.filter(message=message).delete()
    if text:
        SearchToken.objects.bulk_create(
            SearchToken(message=message, conversation_id=message.conversation_id, digest=d)
            for d in message_digests(ring, text)
        )


def unindex_message(message: Message) -> None:
    SearchToken.objects.filter(message=message).delete()
