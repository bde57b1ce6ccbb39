"""Every write to a request takes its row lock first, then touches its offers.

One order everywhere (request, then offers, then the coach's row inside booking_create), so
an accept racing a withdrawal or a timeout waits instead of deadlocking on PostgreSQL. On
SQLite the IMMEDIATE transaction already holds the database's write lock.
"""

from __future__ import annotations

from ..models import DispatchRequest


def lock_request(request_id: int) -> DispatchRequest:
    """The request's current row, locked until the transaction ends (call inside atomic)."""
    # Nothing that may have been created meanwhile is joined in: on PostgreSQL a row that
    # waited for the lock is re-read at its latest version, but joined rows come from the
    # snapshot taken before the wait (a booking committed meanwhile would be missing).
    return (
        DispatchRequest.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=request_id)
    )
