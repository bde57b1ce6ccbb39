"""Serialise writes that touch one coach's calendar.

On PostgreSQL the coach's row is locked (SELECT ... FOR UPDATE) for the transaction, so the
check-then-insert of holds, bookings and reschedules for one coach cannot interleave (caps
and holds need this; the exclusion constraint alone covers only overlaps). On SQLite the
IMMEDIATE transaction already holds the database's write lock; FOR UPDATE is a no-op there.
Callers must be inside transaction.atomic().

The statement is written by hand (tandem/core/sql.py): it opens every booking transaction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile
from tandem.core import sql

from ..models import Booking

_COACH = sql.ModelReader(CoachProfile, "c")
_USER = sql.ModelReader(User, "u")


@functools.cache
def _statement(vendor: str) -> str:
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {sql.columns(CoachProfile, 'c')}, {sql.columns(User, 'u')}"
        f" FROM {sql.qn(CoachProfile._meta.db_table)} c"
        f" JOIN {sql.qn(User._meta.db_table)} u ON u.id = c.user_id WHERE c.id = %s{lock}"
    )


def lock_coach(coach_id: int) -> CoachProfile:
    """The coach's current row (with its user), locked until the transaction ends."""
    rows = sql.fetch(_statement(connection.vendor), [coach_id])
    if not rows:
        raise CoachProfile.DoesNotExist(f"No coach {coach_id}.")
    coach = _COACH.build(rows[0][: _COACH.width])
    coach.user = _USER.build(rows[0][_COACH.width :])
    return coach


@dataclass(frozen=True, slots=True)
class BookingLock:
    """The locked coach, and what a new booking needs to know, read in the same statement."""

    coach: CoachProfile
    replay: tuple[str, int] | None  # (request hash, booking id) of an earlier same-key request
    lapsed_requests: bool  # the coach has pending requests past their expiry, not yet marked
    client_holds: bool  # the client holds a time with this coach (the booking replaces it)


@functools.cache
def _booking_statement(vendor: str) -> str:
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    replay = (
        "SELECT {} FROM booking_idempotencyrecord i"
        " WHERE i.user_id = %s AND i.scope = %s AND i.key = %s"
    )
    return (
        f"SELECT {sql.columns(CoachProfile, 'c')}, {sql.columns(User, 'u')},"
        f" ({replay.format('i.request_hash')}), ({replay.format('i.booking_id')}),"
        " EXISTS (SELECT 1 FROM booking_booking b WHERE b.coach_id = c.id"
        f" AND b.status = '{Booking.Status.PENDING}' AND b.pending_expires_at <= %s),"
        " EXISTS (SELECT 1 FROM booking_hold h WHERE h.coach_id = c.id AND h.client_id = %s)"
        f" FROM {sql.qn(CoachProfile._meta.db_table)} c"
        f" JOIN {sql.qn(User._meta.db_table)} u ON u.id = c.user_id WHERE c.id = %s{lock}"
    )


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
    params = [client_id, scope, key or "", client_id, scope, key or ""]
    params += [sql.instant(now), client_id, coach_id]
    rows = sql.fetch(_booking_statement(connection.vendor), params)
    if not rows:
        raise CoachProfile.DoesNotExist(f"No coach {coach_id}.")
    row = rows[0]
    coach = _COACH.build(row[: _COACH.width])
    coach.user = _USER.build(row[_COACH.width : _COACH.width + _USER.width])
    replay_hash, replay_booking, lapsed, holds = row[_COACH.width + _USER.width :]
    return BookingLock(
        coach=coach,
        replay=(replay_hash, replay_booking) if key and replay_hash is not None else None,
        lapsed_requests=bool(lapsed),
        client_holds=bool(holds),
    )
