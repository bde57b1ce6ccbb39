"""Concurrent booking through the real HTTP API path: many clients, one calendar.

Every request runs in its own thread with its own database connection and its own Django test
`Client`, authenticated with a personal API token (`Authorization: Bearer`). The threads wait
on a barrier and fire together. Each test checks the answers (no 5xx, no exception escaped a
thread) and then the rows, with an SQL query of its own that does not go through the services.

Runs on PostgreSQL (exclusion constraint + coach row lock) and on SQLite. The default SQLite
test database is in memory (shared cache), whose table-level locks do not model a real file
database under concurrent writers; the `file_database` fixture below moves this module onto a
temporary SQLite *file* (WAL, IMMEDIATE transactions, as in production) and back afterwards.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from conftest import make_user
from tandem.accounts.services import api_token_create
from tandem.booking.models import Booking, BookingEvent, IdempotencyRecord
from tandem.booking.tests.conftest import at, make_type

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

THREADS = 50
BARRIER_TIMEOUT = 60  # seconds: a wait, not a timing assertion
JOIN_TIMEOUT = 180

OVERLAPS_SQL = """
    SELECT a.id, b.id
    FROM booking_booking a
    JOIN booking_booking b ON a.coach_id = b.coach_id AND a.id < b.id
    WHERE a.status IN ('pending', 'confirmed')
      AND b.status IN ('pending', 'confirmed')
      AND a.blocked_start < b.blocked_end
      AND b.blocked_start < a.blocked_end
"""


@pytest.fixture(scope="module")
def file_database(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """On SQLite, run this module against a file copy of the (migrated) test database.

    The in-memory test database stays alive meanwhile (a plain sqlite3 connection keeps it
    open) and is what the rest of the suite sees again afterwards. On PostgreSQL: nothing.
    """
    conn = connections["default"]
    if conn.vendor != "sqlite" or not conn.is_in_memory_db():
        yield
        return
    with django_db_blocker.unblock():
        conn.ensure_connection()
        memory_name = conn.settings_dict["NAME"]
        path = tmp_path_factory.mktemp("sqlite") / "concurrency.sqlite3"
        target = sqlite3.connect(path)
        conn.connection.backup(target)
        target.close()
        keeper = sqlite3.connect(memory_name, uri=True)
        # Every thread's connection is made from this same settings dict.
        conn.settings_dict["NAME"] = str(path)
        conn.close()  # no longer "in memory" by name, so this really closes
        try:
            yield
        finally:
            connections.close_all()
            conn.settings_dict["NAME"] = memory_name
            conn.ensure_connection()  # reattach before the keeper lets go of the memory db
            keeper.close()


# --- helpers ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def code(self) -> str | None:
        return (self.body.get("error") or {}).get("code")


@dataclass
class Outcome:
    answers: list[Answer | None]
    errors: list[tuple[int, BaseException]] = field(default_factory=list)

    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.answers if a is not None)

    def check_clean(self) -> None:
        """No exception escaped a thread, every thread answered, and nothing was a 5xx."""
        assert not self.errors, f"exceptions in threads: {self.errors!r}"
        assert all(a is not None for a in self.answers), "a thread did not answer"
        server_errors = [a for a in self.answers if a is not None and a.status >= 500]
        assert not server_errors, f"5xx answers: {server_errors!r}"


def run_together(count: int, work: Callable[[int], Answer]) -> Outcome:
    """Run work(0..count-1) in `count` threads released together; each has its own connection."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)
    outcome = Outcome(answers=[None] * count)
    lock = threading.Lock()

    def target(index: int) -> None:
        try:
            barrier.wait()
            outcome.answers[index] = work(index)
        except BaseException as exc:  # reported by check_clean()
            with lock:
                outcome.errors.append((index, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is still running"
    return outcome


@dataclass(frozen=True)
class ApiUser:
    user: Any
    token: str


def api_user(email: str, name: str) -> ApiUser:
    user = make_user(email, name=name)
    _, raw = api_token_create(user=user, name="concurrency test")
    return ApiUser(user, raw)


def post_booking(
    who: ApiUser, coach: Any, session_type: Any, start: datetime, key: str | None = None
) -> Answer:
    headers = {"Authorization": f"Bearer {who.token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {
        "coach": str(coach.public_id),
        "session_type": str(session_type.public_id),
        "start": start.isoformat(),
    }
    response = Client().post(
        "/api/v1/bookings", data=json.dumps(body), content_type="application/json", headers=headers
    )
    return Answer(response.status_code, response.json())


def overlapping_pairs() -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL)
        return list(cursor.fetchall())


def active_rows(coach: Any) -> list[tuple[str, datetime, datetime, datetime, datetime]]:
    """(public_id, start, end, blocked_start, blocked_end) of the coach's active bookings."""
    rows = Booking.objects.filter(coach=coach, status__in=Booking.ACTIVE_STATUSES).order_by("start")
    return [(str(b.public_id), b.start, b.end, b.blocked_start, b.blocked_end) for b in rows.all()]


@pytest.fixture
def clients(db) -> list[ApiUser]:
    return [api_user(f"client{i:02d}@example.com", f"Client {i:02d}") for i in range(THREADS)]


# --- tests -----------------------------------------------------------------------------------


def test_runs_on_a_real_database_file_or_server():
    # In-memory SQLite with threads does not model real locking (see the module docstring):
    # neither this thread nor a worker thread may be on it.
    def in_memory() -> bool:
        return connection.vendor == "sqlite" and connection.is_in_memory_db()

    assert not in_memory()
    seen: list[bool] = []

    def work(index: int) -> Answer:
        connection.ensure_connection()
        seen.append(in_memory())
        return Answer(200, {})

    run_together(1, work).check_clean()
    assert seen == [False]


def test_fifty_clients_one_slot(coach, session_type, clients):
    start = at(5, 10)

    outcome = run_together(
        THREADS, lambda i: post_booking(clients[i], coach, session_type, start, key=f"one-{i}")
    )

    outcome.check_clean()
    assert outcome.statuses() == {201: 1, 409: THREADS - 1}
    refused = [a for a in outcome.answers if a is not None and a.status == 409]
    assert {a.code for a in refused} == {"slot_unavailable"}
    (winner,) = [a for a in outcome.answers if a is not None and a.status == 201]
    rows = active_rows(coach)
    assert [row[0] for row in rows] == [winner.body["id"]]
    assert rows[0][1] == start
    assert Booking.objects.count() == 1
    assert BookingEvent.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert overlapping_pairs() == []


def test_fifty_overlapping_starts(coach, clients):
    # 60-minute sessions starting every 5 minutes: each overlaps the next eleven.
    fine = make_type(coach, name="Fine-grained", slot_step_minutes=5)
    first = at(5, 9)
    starts = [first + timedelta(minutes=5 * i) for i in range(THREADS)]

    outcome = run_together(THREADS, lambda i: post_booking(clients[i], coach, fine, starts[i]))

    outcome.check_clean()
    statuses = outcome.statuses()
    assert set(statuses) <= {201, 409}
    assert statuses[201] >= 1
    assert {a.code for a in outcome.answers if a is not None and a.status == 409} <= {
        "slot_unavailable"
    }
    assert overlapping_pairs() == []
    rows = active_rows(coach)
    booked = {a.body["id"] for a in outcome.answers if a is not None and a.status == 201}
    assert {row[0] for row in rows} == booked
    # A start was refused only because a booking that succeeded overlaps it.
    for index, answer in enumerate(outcome.answers):
        assert answer is not None
        if answer.status == 409:
            lo, hi = starts[index], starts[index] + timedelta(minutes=60)
            assert any(b_lo < hi and lo < b_hi for _, _, _, b_lo, b_hi in rows), starts[index]


def test_back_to_back_bookings_all_succeed(coach, session_type, clients):
    count = 12  # 08:00-20:00: every hour of the day, by twelve clients at once
    starts = [at(6, 8 + i) for i in range(count)]

    outcome = run_together(
        count, lambda i: post_booking(clients[i], coach, session_type, starts[i])
    )

    outcome.check_clean()
    assert outcome.statuses() == {201: count}
    rows = active_rows(coach)
    assert [row[1] for row in rows] == starts
    for (_, _, end, _, _), (_, next_start, _, _, _) in pairwise(rows):
        assert end == next_start  # touching, not overlapping
    assert overlapping_pairs() == []


@pytest.mark.parametrize("side", ["after", "before"])
def test_buffers_respected(coach, clients, side):
    # "after": the first session keeps 15 minutes free after it; "before": the second one
    # needs 15 minutes free before it. Either way 11:00 is refused and 11:15 accepted.
    plain = make_type(coach, name="Plain", slot_step_minutes=15)
    buffered = make_type(
        coach, name="Buffered", slot_step_minutes=15, **{f"buffer_{side}_minutes": 15}
    )
    first_type, second_type = (buffered, plain) if side == "after" else (plain, buffered)
    first = post_booking(clients[0], coach, first_type, at(5, 10))
    assert first.status == 201, first.body
    starts = [at(5, 11), at(5, 11, 15)]

    outcome = run_together(2, lambda i: post_booking(clients[1 + i], coach, second_type, starts[i]))

    outcome.check_clean()
    at_end, after_buffer = outcome.answers
    assert at_end is not None and after_buffer is not None
    assert (at_end.status, at_end.code) == (409, "slot_unavailable")
    assert after_buffer.status == 201, after_buffer.body
    assert [row[1] for row in active_rows(coach)] == [at(5, 10), at(5, 11, 15)]
    assert overlapping_pairs() == []


def test_fifty_retries_with_one_idempotency_key(coach, session_type, bob):
    who = ApiUser(bob, api_token_create(user=bob, name="retries")[1])
    start = at(5, 14)

    outcome = run_together(
        THREADS, lambda i: post_booking(who, coach, session_type, start, key="retry-me")
    )

    outcome.check_clean()
    assert outcome.statuses() == {201: 1, 200: THREADS - 1}
    assert len({a.body["id"] for a in outcome.answers if a is not None}) == 1
    (booking,) = Booking.objects.all()
    assert str(booking.public_id) == outcome.answers[0].body["id"]
    assert booking.client == bob and booking.start == start
    assert IdempotencyRecord.objects.count() == 1
    assert BookingEvent.objects.count() == 1


def test_one_idempotency_key_two_bodies(coach, session_type, bob):
    # Half the requests ask for 14:00, half for 15:00, all with the same key: one booking;
    # the winner's body replays it, the other body is told the key was reused.
    who = ApiUser(bob, api_token_create(user=bob, name="retries")[1])
    starts = [at(5, 14), at(5, 15)]

    outcome = run_together(
        THREADS, lambda i: post_booking(who, coach, session_type, starts[i % 2], key="k")
    )

    outcome.check_clean()
    (booking,) = Booking.objects.all()
    won = starts.index(booking.start)
    for index, answer in enumerate(outcome.answers):
        assert answer is not None
        if index % 2 == won:
            assert answer.status in (200, 201) and answer.body["id"] == str(booking.public_id)
        else:
            assert (answer.status, answer.code) == (409, "idempotency_key_reused")
    assert outcome.statuses()[201] == 1
    assert IdempotencyRecord.objects.count() == 1
