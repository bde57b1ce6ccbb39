"""Booking rules that code needs in more than one form, each defined once here.

**A request has lapsed** when it is still pending and its answer-by instant
(`Booking.pending_expires_at`) is at or before now: the coach did not answer in time. From
that instant the request holds no time, cannot be accepted, declined, moved or cancelled,
and waits only to be marked expired (`services/expiry.py`). A pending booking without an
answer-by instant never lapses.

The rule is needed three ways — on an instance in Python, as an ORM filter, and inside the
hand-written statement that opens every booking (`booking/sql.py`) — so all three are
generated here from the same two constants, and `tests/test_rules.py` checks that they agree
at the boundary (exactly at the deadline, a microsecond before and after) on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connections
from django.db.models import Field, Q

from .models import Booking

# The only status that can lapse, and the field holding its deadline.
LAPSING_STATUS = Booking.Status.PENDING
DEADLINE_FIELD = "pending_expires_at"


def request_has_lapsed(booking: Booking, now: datetime) -> bool:
    """The coach left this request unanswered until its deadline (at or before `now`)."""
    deadline = booking.pending_expires_at
    return booking.status == LAPSING_STATUS and deadline is not None and deadline <= now


def lapsed_requests(now: datetime) -> Q:
    """The ORM form of `request_has_lapsed`: bookings that are lapsed requests at `now`."""
    return Q(status=LAPSING_STATUS, **{f"{DEADLINE_FIELD}__lte": now})


def lapsed_requests_sql(alias: str = "", using: str = "default") -> str:
    """The SQL form of `request_has_lapsed` for rows of booking_booking (aliased `alias`).

    It takes one parameter, now, adapted as `tandem.core.sql.instant(now)`. It is never
    NULL (the deadline's IS NOT NULL is spelt out), so `NOT (...)` is exactly "has not
    lapsed", a pending request without a deadline included. The status is written into the
    text, not bound: it is the condition of the partial index the check uses
    (`booking_coach_pending_idx`), and PostgreSQL's generic plan for a prepared statement can
    use a partial index only when the condition is visible in the statement.
    """
    prefix = f"{alias}." if alias else ""
    status = prefix + _column("status", using)
    deadline = prefix + _column(DEADLINE_FIELD, using)
    # Choices are plain identifiers ("pending"): nothing to escape in the literal.
    return f"{status} = '{LAPSING_STATUS}' AND {deadline} IS NOT NULL AND {deadline} <= %s"


def _column(name: str, using: str) -> str:
    field = Booking._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # a concrete column, for the checker
    return connections[using].ops.quote_name(field.column)
