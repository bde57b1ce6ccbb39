"""Serialise writes that touch one coach's calendar.

On PostgreSQL the coach's row is locked (SELECT ... FOR UPDATE) for the transaction, so the
check-then-insert of holds, bookings and reschedules for one coach cannot interleave (caps
and holds need this; the exclusion constraint alone covers only overlaps). On SQLite the
IMMEDIATE transaction already holds the database's write lock; FOR UPDATE is a no-op there.
Callers must be inside transaction.atomic().

The statements are written by hand (tandem/booking/sql.py): they open every booking
transaction.
"""

from __future__ import annotations

from datetime import datetime

from tandem.coaches.models import CoachProfile

from .. import sql
from ..sql import BookingLock

__all__ = ["BookingLock", "lock_coach", "lock_for_booking"]


def lock_coach(coach_id: int) -> CoachProfile:
    """The coach's current row (with its user), locked until the transaction ends."""
    coach = sql.select_coach_for_update(coach_id)
    if coach is None:
        raise CoachProfile.DoesNotExist(f"No coach {coach_id}.")
    return coach


def lock_for_booking(
    coach_id: int, *, client_id: int, scope: str, key: str | None, now: datetime
) -> BookingLock:
    """lock_coach, plus the idempotency record of `key`, whether lapsed requests wait to be
    marked and whether the client holds a time with this coach: one round trip, as it opens
    every booking.

    On PostgreSQL the subqueries see the snapshot taken when the statement began, before any
    wait for the lock: a same-key request that committed during the wait is caught later (the
    slot is gone, or the key's unique constraint refuses the second record), and everything
    the booking decides on (busy time, caps) is read by the next statement, after the lock.
    """
    lock = sql.select_coach_for_booking(
        coach_id, client_id=client_id, scope=scope, key=key, now=now
    )
    if lock is None:
        raise CoachProfile.DoesNotExist(f"No coach {coach_id}.")
    return lock
