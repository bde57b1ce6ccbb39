"""The one seam between a posted message and the notifications about it.

Notifications builds on messaging, never the other way round, yet every new message must
reach its other participants (notification centre, push, email per their preferences). So
`message_send` calls `posted(message_id)` and notifications plugs its handler in at start-up
(`NotificationsConfig.ready`): the handler enqueues notifications' job for the message
(`tandem.notifications.tasks.message_posted_task`, the same stored job path as before).

`posted` runs inside the message's transaction through `core.outbox.enqueue_in_transaction`,
so with the database queue the job is written in that transaction (an outbox: it exists if
and only if the message committed, and is never lost with a crash after the commit); with
another queue it is enqueued once the commit happened. The job may run twice; notifications
keys its work so a second run adds nothing. Messaging never imports notifications; without
a handler registered (notifications not installed) a message notifies nobody.
"""

from __future__ import annotations

from collections.abc import Callable

from tandem.core.outbox import enqueue_in_transaction

PostedHandler = Callable[[int], object]

_posted: PostedHandler | None = None


def register(*, posted: PostedHandler) -> None:
    """Notifications' handler (called once, from its AppConfig.ready)."""
    global _posted
    _posted = posted


def posted(message_id: int) -> None:
    """A message was just saved (call inside its transaction): enqueue its notifications."""
    handler = _posted
    if handler is not None:
        enqueue_in_transaction(lambda: handler(message_id))
