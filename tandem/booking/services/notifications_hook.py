"""The one seam between a booking change and the notifications about it.

Notifications builds on booking, never the other way round, yet every booking change must
reach the notification centre, move the session's reminders and honour each person's email
preferences. So booking calls these two functions and notifications plugs its handlers in
at start-up (`NotificationsConfig.ready`):

- `changed(booking_id, change)` runs in the change's follow-up job (`booking_changed_task`,
  enqueued inside the change's own transaction by `notify.announce`: an outbox, so it runs
  once the change committed and is never lost with a crash after commit). Notifications
  brings the booking's reminders in line and adds notification-centre entries (and pushes).
  The job may run twice; the handler is keyed so a second run adds nothing.
- `wants_email(user_id, change)` answers, for booking's own emails (booking/emails.py, which
  carry the calendar invitations), whether this person's preferences allow an email about
  this kind of change.

`change` is one of booking's change names: requested, confirmed, rescheduled, cancelled,
declined, expired (and accepted). Booking never imports notifications; without a handler
registered the job fails (and is retried) rather than drop notifications silently.
"""

from __future__ import annotations

from collections.abc import Callable

ChangedHandler = Callable[[int, str], None]
WantsEmailHandler = Callable[[int, str], bool]

_changed: ChangedHandler | None = None
_wants_email: WantsEmailHandler | None = None


def register(*, changed: ChangedHandler, wants_email: WantsEmailHandler) -> None:
    """Notifications' handlers (called once, from its AppConfig.ready)."""
    global _changed, _wants_email
    _changed, _wants_email = changed, wants_email


def changed(booking_id: int, change: str) -> None:
    """A change to this booking committed: notify its people (from the change's job)."""
    if _changed is None:
        raise RuntimeError("No notifications handler is registered: install tandem.notifications.")
    _changed(booking_id, change)


def wants_email(user_id: int, change: str) -> bool:
    """This user's preferences allow an email about a booking change of this kind."""
    if _wants_email is None:
        raise RuntimeError("No notifications handler is registered: install tandem.notifications.")
    return _wants_email(user_id, change)
