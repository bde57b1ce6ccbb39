"""Booking's hand-written SQL: every statement booking writes by hand, and only those.

They all run inside every booking's transaction, where the ORM's query compilation was most
of the CPU (bench/README.md, "What made the booking path 4x cheaper"): the statement that
opens a booking (lock the coach, read the Idempotency-Key's record, whether lapsed requests
wait, whether the client holds a time), the idempotency replay look-up, the hold delete and
the inserts of the booking, its history event and its idempotency record; and booking's part
of availability's one hand-written statement (its busy time: `busy_branches`, registered in
BookingConfig.ready through availability's seam, availability/busy_time.py). Everything else
in booking uses the ORM. Values and instances go through `tandem.core.sql`, which converts
them exactly as the ORM would.

`tandem.core.sql` sends no model signals, so `INSERTED_MODELS` lists the models written here
by `insert`; none of them may have a signal receiver (a test checks it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db import connection

from tandem.accounts.models import User
from tandem.availability.busy_time import BusyBranch, BusyRequest
from tandem.coaches.models import CoachProfile
from tandem.core import sql as core_sql

from .models import Booking, BookingEvent, IdempotencyRecord
from .rules import lapsed_requests_sql

INSERTED_MODELS: tuple[type[Booking | BookingEvent | IdempotencyRecord], ...] = (
    Booking,
    BookingEvent,
    IdempotencyRecord,
)

_COACH = core_sql.ModelReader(CoachProfile, "c")
_USER = core_sql.ModelReader(User, "u")


def _for_update() -> str:
    return " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""


def _coach_and_user() -> str:
    return f"{core_sql.columns(CoachProfile, 'c')}, {core_sql.columns(User, 'u')}"


def _from_coach() -> str:
    return (
        f" FROM {core_sql.qn(CoachProfile._meta.db_table)} c"
        f" JOIN {core_sql.qn(User._meta.db_table)} u ON u.id = c.user_id WHERE c.id = %s"
    )


def _build_coach(row: tuple[object, ...]) -> CoachProfile:
    coach = cast(CoachProfile, _COACH.build(row[: _COACH.width]))
    coach.user = cast(User, _USER.build(row[_COACH.width : _COACH.width + _USER.width]))
    return coach


# --- Locking the coach -----------------------------------------------------------------------


@functools.cache
def _lock_statement(vendor: str) -> str:
    return f"SELECT {_coach_and_user()}{_from_coach()}{_for_update()}"


def select_coach_for_update(coach_id: int) -> CoachProfile | None:
    """The coach's current row with its user, locked until the transaction ends."""
    rows = core_sql.fetch(_lock_statement(connection.vendor), [coach_id])
    return _build_coach(rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class BookingLock:
    """The locked coach, and what a new booking needs to know, read in the same statement."""

    coach: CoachProfile
    replay: tuple[str, int] | None  # (request hash, booking id) of an earlier same-key request
    lapsed_requests: bool  # the coach has pending requests past their expiry, not yet marked
    client_holds: bool  # the client holds a time with this coach (the booking replaces it)


@functools.cache
def _booking_lock_statement(vendor: str) -> str:
    replay = (
        "SELECT {} FROM booking_idempotencyrecord i"
        " WHERE i.user_id = %s AND i.scope = %s AND i.key = %s"
    )
    return (
        f"SELECT {_coach_and_user()},"
        f" ({replay.format('i.request_hash')}), ({replay.format('i.booking_id')}),"
        " EXISTS (SELECT 1 FROM booking_booking b WHERE b.coach_id = c.id"
        f" AND {lapsed_requests_sql('b')}),"
        " EXISTS (SELECT 1 FROM booking_hold h WHERE h.coach_id = c.id AND h.client_id = %s)"
        f"{_from_coach()}{_for_update()}"
    )


def select_coach_for_booking(
    coach_id: int, *, client_id: int, scope: str, key: str | None, now: datetime
) -> BookingLock | None:
    """`select_coach_for_update` plus, in the same round trip, the idempotency record of
    `key`, whether the coach has lapsed requests (rules.request_has_lapsed) and whether the
    client holds a time with this coach. None: no such coach."""
    params: list[object] = [client_id, scope, key or "", client_id, scope, key or ""]
    params += [core_sql.instant(now), client_id, coach_id]
    rows = core_sql.fetch(_booking_lock_statement(connection.vendor), params)
    if not rows:
        return None
    row = rows[0]
    replay_hash, replay_booking, lapsed, holds = row[_COACH.width + _USER.width :]
    return BookingLock(
        coach=_build_coach(row),
        replay=(replay_hash, replay_booking) if key and replay_hash is not None else None,
        lapsed_requests=bool(lapsed),
        client_holds=bool(holds),
    )


# --- The rest of a booking's transaction ------------------------------------------------------

_REPLAY = (
    "SELECT request_hash, booking_id FROM booking_idempotencyrecord"
    " WHERE user_id = %s AND scope = %s AND key = %s"
)
_DELETE_HOLDS = "DELETE FROM booking_hold WHERE client_id = %s AND coach_id = %s"


def select_idempotency_record(user_id: int, scope: str, key: str) -> tuple[str, int] | None:
    """(request hash, booking id) stored for this user's key in `scope`, or None."""
    found = core_sql.fetch(_REPLAY, [user_id, scope, key])
    return (found[0][0], found[0][1]) if found else None


def delete_client_holds(client_id: int, coach_id: int) -> None:
    """Delete the client's hold with this coach (it became their booking)."""
    core_sql.execute(_DELETE_HOLDS, [client_id, coach_id])


def insert(obj: Booking | BookingEvent | IdempotencyRecord) -> None:
    """INSERT a new booking, history event or idempotency record (no signals are sent)."""
    if not isinstance(obj, INSERTED_MODELS):
        raise TypeError(f"{type(obj).__name__} is not written by hand; use the ORM.")
    core_sql.insert(obj)


# --- Busy time, for availability's loader -------------------------------------------------------

# Written out, not bound: they are the partial indexes' condition, which a plan made once
# for any parameter values (a prepared statement's generic plan) can only use if it sees them.
_ACTIVE = "(" + ", ".join(f"'{status}'" for status in Booking.ACTIVE_STATUSES) + ")"


def busy_branches(request: BusyRequest) -> Sequence[BusyBranch]:
    """Active bookings, and (when the view has a `now`) other clients' live holds: the
    `FROM ... WHERE` branches of availability's statement (the contract in
    availability/busy_time.py)."""
    ids, view = request.ids, request.view
    bookings = (
        f"booking_booking WHERE coach_id IN ({ids})"
        f" AND status IN {_ACTIVE} AND ((blocked_end > %s AND blocked_start < %s)"
    )
    params: list[object] = [
        *request.coach_ids,
        core_sql.instant(request.lo),
        core_sql.instant(request.hi),
    ]
    if request.caps_window is not None:
        bookings += " OR (start >= %s AND start < %s)"
        params += [
            core_sql.instant(request.caps_window[0]),
            core_sql.instant(request.caps_window[1]),
        ]
    bookings += ")"
    if view.now is not None:
        # A request the coach left unanswered past its deadline no longer holds the slot.
        bookings += f" AND NOT ({lapsed_requests_sql()})"
        params.append(core_sql.instant(view.now))
    if view.exclude_booking_id is not None:
        bookings += " AND id <> %s"
        params.append(view.exclude_booking_id)
    branches = [BusyBranch(bookings, params, counted=True)]
    if view.now is not None:
        holds = (
            f"booking_hold WHERE coach_id IN ({ids})"
            " AND expires_at > %s AND blocked_end > %s AND blocked_start < %s"
        )
        hold_params: list[object] = [
            *request.coach_ids,
            core_sql.instant(view.now),
            core_sql.instant(request.lo),
            core_sql.instant(request.hi),
        ]
        if view.client_id is not None:
            holds += " AND client_id <> %s"
            hold_params.append(view.client_id)
        branches.append(BusyBranch(holds, hold_params, counted=False))
    return branches
