"""Who hears about a conversation's changes, and telling them (stored events, after commit).

Events carry ids only, never message text: events are stored as plain JSON in the realtime
event table, while message text is encrypted at rest. Clients fetch the message by id.
"""

from __future__ import annotations

from typing import Any

from tandem.accounts.selectors import active_staff_ids
from tandem.realtime.services import send_event_on_commit

from ..models import Conversation, Participant


def audience(conversation: Conversation) -> list[int]:
    """Participants; for a support conversation every active staff member as well (any of
    them may answer it)."""
    ids = set(
        Participant.objects.filter(conversation=conversation).values_list("user_id", flat=True)
    )
    if conversation.kind == Conversation.Kind.SUPPORT:
        ids.update(active_staff_ids())
    return sorted(ids)


def emit(conversation: Conversation, kind: str, data: dict[str, Any]) -> None:
    """Call inside the service's transaction: stored with the change, sent after commit."""
    send_event_on_commit(
        audience(conversation), kind, {"conversation": conversation.public_id, **data}
    )


def emit_to(
    user_ids: list[int], conversation: Conversation, kind: str, data: dict[str, Any]
) -> None:
    send_event_on_commit(user_ids, kind, {"conversation": conversation.public_id, **data})
