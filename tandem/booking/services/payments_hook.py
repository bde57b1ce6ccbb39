"""The one seam between a booking and its money.

Payments builds on booking, never the other way round, yet every booking must be paid for
and a cancelled one must settle its money in the same transaction. So booking calls these
two functions and payments plugs its handlers in at start-up (`PaymentsConfig.ready`):

- `booked` runs inside `booking_create`'s transaction right after the booking is inserted,
  on every path that creates a booking (the wizard, the API, checkout, Book now, a card
  payment that books its held time): checkout happens there, exactly once per booking.
  `how` is opaque here: payments' own description of how the client pays (None: the
  default way). A replayed request (same Idempotency-Key) books nothing, so it pays nothing.
  Rescheduling moves the same booking, so its payment follows it.
- `settle` runs inside a cancellation, decline, lapse or no-show (refunds by policy).
- `moved` runs inside a reschedule, after the booking's new time is saved: the payment
  stays, but documents already issued for it (invoice, receipt) get a new version with the
  new time (payments decides how; an issued document is never rewritten).

Booking never imports payments; without payments installed there is no handler and
booking refuses to run rather than give sessions away.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tandem.accounts.models import User

from ..models import Booking

BookedHandler = Callable[[Booking, Any, datetime], Any]
SettleHandler = Callable[[Booking, str, "User | None", datetime], None]
MovedHandler = Callable[[Booking, datetime, datetime], None]

_booked: BookedHandler | None = None
_settle: SettleHandler | None = None
_moved: MovedHandler | None = None


def register(
    *, booked: BookedHandler, settle: SettleHandler, moved: MovedHandler | None = None
) -> None:
    """Payments' handlers (called once, from its AppConfig.ready)."""
    global _booked, _settle, _moved
    _booked, _settle, _moved = booked, settle, moved


def booked(booking: Booking, how: Any, now: datetime) -> Any:
    """Pay for a booking just created (in its transaction); returns payments' answer."""
    if _booked is None:
        raise RuntimeError("No payments handler is registered: install tandem.payments.")
    return _booked(booking, how, now)


def settle(booking: Booking, change: str, actor: User | None, now: datetime) -> None:
    """Money follows the booking: settle its payments after a cancellation, decline, lapse
    or no-show, in the same transaction as the change."""
    if _settle is None:
        raise RuntimeError("No payments handler is registered: install tandem.payments.")
    _settle(booking, change, actor, now)


def moved(booking: Booking, previous_start: datetime, now: datetime) -> None:
    """The booking moved from `previous_start` to its (saved) new time, in the reschedule's
    transaction: its money stays, its issued documents are brought up to date."""
    if _moved is not None:
        _moved(booking, previous_start, now)
