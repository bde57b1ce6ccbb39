"""Booking's domain signal for the apps above it.

Booking sits below the workspace, so it never calls it; it announces each booking change and
the workspace receives (`tandem/workspace/receivers.py`, connected in `WorkspaceConfig.ready`):
a client's first booking with a coach starts their engagement, and every change keeps the
engagement's next and last session current.

- `booking_changed(sender=Booking, booking_id, coach_id, client_id, change)`: sent once per
  recorded change (`services/history.record`, which every booking write calls: create,
  accept, decline, reschedule, cancel, complete, no-show, expiry), *after the change's
  transaction commits* and never for one that rolled back. `booking_id` is the Booking's
  internal id, `coach_id` the CoachProfile's, `client_id` the User's, `change` a
  `BookingEvent.Kind` value. Sent with `send_robust`: a receiver's exception is logged and
  never fails or undoes the booking change (the change has committed by then). Receivers
  run in the request or job that made the change, so they should be quick and idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

booking_changed = Signal()


def send_booking_changed_on_commit(
    *, sender: Any, booking_id: int, coach_id: int, client_id: int, change: str
) -> None:
    """Queue `booking_changed` for after the current transaction commits."""

    def send() -> None:
        for receiver, result in booking_changed.send_robust(
            sender=sender,
            booking_id=booking_id,
            coach_id=coach_id,
            client_id=client_id,
            change=change,
        ):
            if isinstance(result, Exception):
                logger.error(
                    "booking_changed receiver %r failed for booking %s",
                    receiver,
                    booking_id,
                    exc_info=result,
                )

    transaction.on_commit(send)
