"""Every write of messaging: one function per change, one transaction each, events on commit."""

from .conversations import (
    conversation_start,
    mark_read,
    set_flags,
    share_a_booking,
    support_start,
    typing,
)
from .messages import (
    SendOutcome,
    attachment_contents,
    message_delete,
    message_edit,
    message_send,
)
from .reactions import reaction_set
from .rotation import RotationReport, rotate_keys

__all__ = [
    "RotationReport",
    "SendOutcome",
    "attachment_contents",
    "conversation_start",
    "mark_read",
    "message_delete",
    "message_edit",
    "message_send",
    "reaction_set",
    "rotate_keys",
    "set_flags",
    "share_a_booking",
    "support_start",
    "typing",
]
