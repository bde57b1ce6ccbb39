"""Booking's busy time for availability's loader (the seam in availability/busy_time.py).

Registered by `BookingConfig.ready`. Two kinds of rows take a coach's time: active bookings
(sessions: they count toward caps) and other clients' live holds (they only block). Both are
parts of availability's one hand-written statement, so they are written by hand too, with the
columns that statement's contract names.
"""

from __future__ import annotations

from collections.abc import Sequence

from tandem.availability.busy_time import BusyBranch, BusyRequest
from tandem.core import sql

from .models import Booking

# Written out, not bound: they are the partial indexes' condition, which a plan made once
# for any parameter values (a prepared statement's generic plan) can only use if it sees them.
_ACTIVE = "(" + ", ".join(f"'{status}'" for status in Booking.ACTIVE_STATUSES) + ")"


def busy_branches(request: BusyRequest) -> Sequence[BusyBranch]:
    """Active bookings, and (when the view has a `now`) other clients' live holds."""
    ids, view = request.ids, request.view
    bookings = (
        f"booking_booking WHERE coach_id IN ({ids})"
        f" AND status IN {_ACTIVE} AND ((blocked_end > %s AND blocked_start < %s)"
    )
    params: list[object] = [*request.coach_ids, sql.instant(request.lo), sql.instant(request.hi)]
    if request.caps_window is not None:
        bookings += " OR (start >= %s AND start < %s)"
        params += [sql.instant(request.caps_window[0]), sql.instant(request.caps_window[1])]
    bookings += ")"
    if view.now is not None:
        # A request the coach left unanswered past its expiry no longer holds the slot.
        bookings += (
            f" AND (status <> '{Booking.Status.PENDING}' OR pending_expires_at IS NULL"
            " OR pending_expires_at > %s)"
        )
        params.append(sql.instant(view.now))
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
            sql.instant(view.now),
            sql.instant(request.lo),
            sql.instant(request.hi),
        ]
        if view.client_id is not None:
            holds += " AND client_id <> %s"
            hold_params.append(view.client_id)
        branches.append(BusyBranch(holds, hold_params, counted=False))
    return branches
