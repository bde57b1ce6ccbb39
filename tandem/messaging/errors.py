"""Messaging's service errors (each maps to an HTTP status and a stable code)."""

from tandem.core.errors import Conflict, NotFound


class ConversationNotFound(NotFound):
    """No such conversation."""

    code = "not_found"


class MessageNotFound(NotFound):
    """No such message."""

    code = "not_found"


class EditWindowClosed(Conflict):
    """Messages can be edited only for a few minutes after sending."""

    code = "edit_window_closed"


class MessageDeleted(Conflict):
    """That message was deleted."""

    code = "message_deleted"


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used with a different message."""

    code = "idempotency_key_reused"
