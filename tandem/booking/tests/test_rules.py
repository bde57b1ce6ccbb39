"""'A request has lapsed' is one rule in three forms (booking/rules.py): the Python predicate,
the ORM filter and the SQL (in the statement that opens every booking and in the busy time
availability's slots read) must agree, above all at the deadline itself. Runs on SQLite and,
with DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from tandem.availability.busy_time import BusyRequest, BusyView
from tandem.booking import sql as booking_sql
from tandem.booking.models import Booking
from tandem.booking.rules import lapsed_requests, lapsed_requests_sql, request_has_lapsed
from tandem.booking.services import expire_due_requests
from tandem.booking.services.create import SCOPE
from tandem.booking.services.locking import lock_for_booking
from tandem.core import sql as core_sql

from .calendar_data import make_booking

pytestmark = pytest.mark.django_db

S = Booking.Status
DEADLINE = datetime(2027, 3, 3, 9, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# (label, now, lapsed): Berlin's 10:00 is the deadline's instant (09:00 UTC).
NOWS = [
    ("a microsecond before", DEADLINE - MICROSECOND, False),
    ("exactly at the deadline", DEADLINE, True),
    ("exactly at the deadline, in Berlin", DEADLINE.astimezone(BERLIN), True),
    ("a microsecond after", DEADLINE + MICROSECOND, True),
]


@pytest.fixture
def bookings(session_type, bob) -> dict[str, Booking]:
    """A request due at DEADLINE, and rows that never lapse whatever the time."""
    start = datetime(2027, 3, 5, 9, tzinfo=UTC)
    hour = timedelta(hours=1)
    return {
        "request": make_booking(
            session_type, bob, start, status=S.PENDING, pending_expires_at=DEADLINE
        ),
        "request without deadline": make_booking(
            session_type, bob, start + 2 * hour, status=S.PENDING
        ),
        "declined request": make_booking(
            session_type, bob, start + 4 * hour, status=S.DECLINED, pending_expires_at=DEADLINE
        ),
        "confirmed": make_booking(session_type, bob, start + 6 * hour, pending_expires_at=DEADLINE),
    }


def _lapsed_by_sql(now: datetime, *, negated: bool = False) -> set[int]:
    condition = f"NOT ({lapsed_requests_sql('b')})" if negated else lapsed_requests_sql("b")
    statement = f"SELECT b.id FROM booking_booking b WHERE {condition}"
    return {row[0] for row in core_sql.fetch(statement, [core_sql.instant(now)])}


def _busy(coach_id: int, now: datetime) -> set[int]:
    """The bookings booking's busy-time branch gives availability's loader at `now`."""
    request = BusyRequest(
        coach_ids=[coach_id],
        ids="%s",
        lo=DEADLINE - timedelta(days=30),
        hi=DEADLINE + timedelta(days=30),
        caps_window=None,
        view=BusyView(now=now),
    )
    [bookings, _holds] = booking_sql.busy_branches(request)
    rows = core_sql.fetch(f"SELECT id FROM {bookings.from_where}", bookings.params)
    return {row[0] for row in rows}


@pytest.mark.parametrize(("label", "now", "due"), NOWS, ids=[n[0] for n in NOWS])
def test_python_orm_and_sql_agree_at_the_deadline(bookings, coach, bob, label, now, due):
    by_python = {b.pk for b in bookings.values() if request_has_lapsed(b, now)}
    by_orm = set(Booking.objects.filter(lapsed_requests(now)).values_list("pk", flat=True))
    assert by_python == by_orm == _lapsed_by_sql(now)
    assert by_python == ({bookings["request"].pk} if due else set())
    # "Has not lapsed" is the exact complement in every form (no NULL falls through).
    everything = {b.pk for b in bookings.values()}
    by_orm_not = set(Booking.objects.exclude(lapsed_requests(now)).values_list("pk", flat=True))
    assert everything - by_python == by_orm_not == _lapsed_by_sql(now, negated=True)
    # Availability's slots: a lapsed request no longer takes the coach's time.
    assert _busy(coach.pk, now) == {b.pk for b in bookings.values() if b.is_active} - by_python
    # The statement that opens every booking asks the same question of the coach.
    with transaction.atomic():
        lock = lock_for_booking(coach.pk, client_id=bob.pk, scope=SCOPE, key=None, now=now)
    assert lock.lapsed_requests is due


def test_expiry_marks_a_request_exactly_at_its_deadline(bookings):
    assert expire_due_requests(now=DEADLINE - MICROSECOND) == 0
    assert expire_due_requests(now=DEADLINE) == 1
    bookings["request"].refresh_from_db()
    assert bookings["request"].status == S.EXPIRED
    assert not request_has_lapsed(bookings["request"], DEADLINE)  # ended: nothing left to lapse
    assert [
        b.status for b in Booking.objects.exclude(pk=bookings["request"].pk).order_by("start")
    ] == [
        S.PENDING,
        S.DECLINED,
        S.CONFIRMED,
    ]
