"""Random sequences of bookings and changes against a model: hypothesis' stateful testing.

Three coaches in different zones (open 08:00-20:00 local every day, different cancellation and
rescheduling policies), each with three session types (one needs the coach's confirmation;
some have buffers), and users who book, cancel, reschedule, accept and decline through the
services, with a clock (`now`) the machine controls and advances. Every user is a possible
client, the coaches too (of the other coaches); a stranger takes part in nothing.

The model predicts each action's outcome independently of the services: success, or the
error (class and code) that must refuse it, judged in the services' documented order. After
every step:

- an independent SQL query (a self-join of booking_booking) finds no two active bookings of a
  coach whose blocked ranges overlap (half-open);
- every booking row equals the model (status, times, buffers, sequence, expiry, lateness) and
  has as many history events as the model expects;

and an action that was refused changed nothing at all (the booking rows, the history and the
idempotency records are compared before and after).

Each example runs inside a savepoint that is rolled back in teardown, so examples start from
an empty calendar; the whole run is one ordinary (non-transactional) django_db test.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import make_user
from tandem.booking import services
from tandem.booking.models import Booking, BookingEvent, IdempotencyRecord
from tandem.booking.services.policy import SHORT_NOTICE_GRACE
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.core.errors import InvalidInput, NotFound, ServiceError

OPEN_FROM, OPEN_UNTIL = 8 * 60, 20 * 60  # every day, local time of the coach

COACHES = [
    # zone, cancel_free_hours, reschedule_min_hours
    ("Europe/Berlin", 24, 12),
    ("America/New_York", 48, 24),
    ("Asia/Kolkata", 0, 0),
]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    duration: int
    step: int
    buffer_before: int = 0
    buffer_after: int = 0
    requires_confirmation: bool = False


TYPES = [
    TypeSpec("Hour", duration=60, step=30),
    TypeSpec(
        "Request",
        duration=45,
        step=15,
        buffer_before=10,
        buffer_after=15,
        requires_confirmation=True,
    ),
    TypeSpec("Short", duration=30, step=15, buffer_after=5),
]

CLIENTS = 2  # plus the coaches themselves as clients of each other
ACTORS = ("client", "client", "coach", "coach", "stranger")
ANSWERERS = ("coach", "coach", "coach", "client", "stranger")  # accept / decline
REASONS = ("illness", "schedule_conflict", "work", "other")  # "other" without a message is refused
KEYS = (None, None, "k1", "k2")  # mostly no Idempotency-Key

OVERLAPS_SQL = """
    SELECT a.id, b.id
    FROM booking_booking a
    JOIN booking_booking b ON a.coach_id = b.coach_id AND a.id < b.id
    WHERE a.status IN ('pending', 'confirmed')
      AND b.status IN ('pending', 'confirmed')
      AND a.blocked_start < b.blocked_end
      AND b.blocked_start < a.blocked_end
"""

ACTIVE = {Booking.Status.PENDING, Booking.Status.CONFIRMED}

# Quarter hours from 08:00 to 13:45 (crowded: many collisions), plus a few late starts whose
# session would run past 20:00.
MINUTES = st.one_of(
    st.integers(0, 23).map(lambda k: OPEN_FROM + 15 * k), st.sampled_from([1140, 1155, 1170])
)
# Mostly the plain clients; the coaches too (of each other, or refused: of themselves).
CLIENT_CHOICE = st.one_of(
    st.integers(len(COACHES), len(COACHES) + CLIENTS - 1), st.integers(0, len(COACHES) - 1)
)
DAYS = st.sampled_from([1, 2])  # tomorrow: inside the policies' windows

# What the run exercised (outcomes of actions), printed with -s and checked at the end.
SEEN: Counter[str] = Counter()

Expected = tuple[type[ServiceError], str] | None  # None: must succeed


@dataclass
class Row:
    """The model's idea of one booking."""

    pk: int
    public_id: object
    coach: int
    client: int  # index into BookingMachine.users
    spec: TypeSpec
    start: datetime
    status: str
    pending_expires_at: datetime | None
    booked_at: datetime
    sequence: int = 0
    late: bool = False
    cancel_reason: str = ""
    events: int = 1

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.spec.duration)

    @property
    def blocked(self) -> tuple[datetime, datetime]:
        return (
            self.start - timedelta(minutes=self.spec.buffer_before),
            self.end + timedelta(minutes=self.spec.buffer_after),
        )

    def lapsed(self, now: datetime) -> bool:
        return (
            self.status == Booking.Status.PENDING
            and self.pending_expires_at is not None
            and self.pending_expires_at <= now
        )

    def holds_time(self, now: datetime) -> bool:
        return self.status in ACTIVE and not self.lapsed(now)


@dataclass
class Coach:
    profile: object
    user_index: int
    zone: ZoneInfo
    cancel_free_hours: int
    reschedule_min_hours: int
    types: list = field(default_factory=list)  # SessionType rows, in TYPES order


def snapshot() -> tuple:
    """Everything a refused action must leave as it was."""
    return (
        list(
            Booking.objects.order_by("pk").values_list(
                "pk",
                "status",
                "start",
                "end",
                "blocked_start",
                "blocked_end",
                "sequence",
                "pending_expires_at",
                "late_cancellation",
                "cancel_reason",
                "updated_at",
            )
        ),
        BookingEvent.objects.count(),
        IdempotencyRecord.objects.count(),
    )


@dataclass
class World:
    """Users, coaches and session types: made once per test run; examples only add bookings."""

    users: list  # coaches first (in COACHES order), then the clients, then the stranger
    coaches: list[Coach]


def build_world() -> World:
    users: list = []

    def user(name: str):
        users.append(make_user(f"{name}@example.com", name=name.title()))
        return users[-1]

    coaches = []
    for index, (zone, cancel_free, reschedule_min) in enumerate(COACHES):
        profile = make_coach(
            user(f"coach{index}"),
            slug=f"coach-{index}",
            zone=zone,
            cancel_free_hours=cancel_free,
            reschedule_min_hours=reschedule_min,
        )
        coach = Coach(profile, index, ZoneInfo(zone), cancel_free, reschedule_min)
        for spec in TYPES:
            coach.types.append(
                make_type(
                    profile,
                    name=spec.name,
                    duration_minutes=spec.duration,
                    slot_step_minutes=spec.step,
                    buffer_before_minutes=spec.buffer_before,
                    buffer_after_minutes=spec.buffer_after,
                    requires_confirmation=spec.requires_confirmation,
                )
            )
        coaches.append(coach)
    for index in range(CLIENTS):
        user(f"client{index}")
    user("stranger")
    return World(users, coaches)


class BookingMachine(RuleBasedStateMachine):
    bookings = Bundle("bookings")
    world: World  # set by the test before the run

    def __init__(self) -> None:
        super().__init__()
        self.users = self.world.users
        self.coaches = self.world.coaches
        # Each example's bookings live in a savepoint that teardown() rolls back.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.now = self.start_of_run = timezone.now().replace(microsecond=0)
        self.last_day = self.now + timedelta(hours=36)  # the clock stops here
        self.rows: dict[int, Row] = {}
        self.keys: dict[tuple[int, str], tuple[tuple, int]] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- the model's rules -------------------------------------------------------------------

    def local_start(self, coach: Coach, day: int, minute: int) -> datetime:
        # Days from the first day of the run: as the clock moves, the calendar does not.
        local_date = self.start_of_run.astimezone(coach.zone).date() + timedelta(days=day)
        wall = datetime.combine(local_date, time(minute // 60, minute % 60), tzinfo=coach.zone)
        return wall.astimezone(UTC)

    def is_slot(
        self, coach_index: int, spec: TypeSpec, start: datetime, exclude: int | None
    ) -> bool:
        coach = self.coaches[coach_index]
        local = start.astimezone(coach.zone)
        minute = local.hour * 60 + local.minute
        if minute < OPEN_FROM or minute + spec.duration > OPEN_UNTIL:
            return False
        if (minute - OPEN_FROM) % spec.step:
            return False
        lo = start - timedelta(minutes=spec.buffer_before)
        hi = start + timedelta(minutes=spec.duration + spec.buffer_after)
        for row in self.rows.values():
            if row.coach != coach_index or row.pk == exclude or not row.holds_time(self.now):
                continue
            b_lo, b_hi = row.blocked
            if b_lo < hi and lo < b_hi:
                return False
        return True

    def expire_lapsed(self, coach_index: int | None) -> None:
        for row in self.rows.values():
            if (coach_index is None or row.coach == coach_index) and row.lapsed(self.now):
                row.status = Booking.Status.EXPIRED
                row.sequence += 1
                row.events += 1

    def role(self, row: Row, actor: str) -> int:
        if actor == "client":
            return row.client
        if actor == "coach":
            return self.coaches[row.coach].user_index
        return len(self.users) - 1  # the stranger

    def is_coach_of(self, row: Row, user_index: int) -> bool:
        return self.coaches[row.coach].user_index == user_index

    def is_participant(self, row: Row, user_index: int) -> bool:
        return row.client == user_index or self.is_coach_of(row, user_index)

    def upcoming_active_error(self, row: Row) -> Expected:
        if row.status not in ACTIVE:
            return (services.InvalidTransition, "invalid_state")
        if row.start <= self.now:
            return (services.TooLate, "already_started")
        if row.lapsed(self.now):
            return (services.TooLate, "request_expired")
        return None

    def pending_open_error(self, row: Row) -> Expected:
        if row.status != Booking.Status.PENDING:
            return (services.InvalidTransition, "invalid_state")
        if row.lapsed(self.now):
            return (services.TooLate, "request_expired")
        return None

    def attempt(self, name: str, expected: Expected, action):
        """Run `action`; check it succeeded or failed as the model says; a refusal changes
        nothing. Returns the action's result (None when refused)."""
        before = snapshot()
        SEEN[f"{name}: {expected[1] if expected else 'ok'}"] += 1
        try:
            result = action()
        except ServiceError as exc:
            assert expected is not None, f"refused with {type(exc).__name__}({exc.code}): {exc}"
            assert (type(exc), exc.code) == expected, (type(exc), exc.code, expected)
            assert snapshot() == before, "a refused action changed something"
            return None
        assert expected is None, f"succeeded, but the model expected {expected}"
        return result

    # --- rules ---------------------------------------------------------------------------------

    @rule(
        target=bookings,
        client=CLIENT_CHOICE,
        coach_index=st.integers(0, len(COACHES) - 1),
        type_index=st.integers(0, len(TYPES) - 1),
        day=DAYS,
        minute=MINUTES,
        key=st.sampled_from(KEYS),
    )
    def book(self, client, coach_index, type_index, day, minute, key):
        start = self.local_start(self.coaches[coach_index], day, minute)
        return self._book(client, coach_index, type_index, start, key)

    @rule(
        target=bookings,
        booking=bookings,
        client=CLIENT_CHOICE,
        type_index=st.integers(0, len(TYPES) - 1),
        shift=st.sampled_from([0, 0, -15, 15, 30, 60]),
    )
    def book_over(self, booking, client, type_index, shift):
        """Aim at an existing booking's time (active, lapsed, cancelled...): collisions, and
        time that a cancellation, a decline or an expiry gave back."""
        row = self.rows[booking]
        start = row.start + timedelta(minutes=shift)
        return self._book(client, row.coach, type_index, start, None)

    def _book(self, client, coach_index, type_index, start, key):
        coach = self.coaches[coach_index]
        spec = TYPES[type_index]
        fingerprint = (coach_index, type_index, start)
        replay_of = None
        expected: Expected = None
        if key is not None and (client, key) in self.keys:
            earlier_fingerprint, replay_of = self.keys[(client, key)]
            if earlier_fingerprint != fingerprint:
                expected, replay_of = (
                    (services.IdempotencyKeyReused, "idempotency_key_reused"),
                    None,
                )
        elif start <= self.now:
            expected = (InvalidInput, "invalid")
        elif coach.user_index == client:
            expected = (InvalidInput, "own_booking")
        elif not self.is_slot(coach_index, spec, start, exclude=None):
            expected = (services.SlotUnavailable, "slot_unavailable")

        outcome = self.attempt(
            "book" if replay_of is None else "book again with its key",
            expected,
            lambda: services.booking_create(
                client=self.users[client],
                request=services.BookingRequest(
                    coach=coach.profile, session_type=coach.types[type_index], start=start
                ),
                idempotency_key=key,
                now=self.now,
            ),
        )
        if outcome is None:
            return multiple()
        if replay_of is not None:
            assert outcome.replayed and outcome.booking.pk == replay_of
            return multiple()
        assert not outcome.replayed
        self.expire_lapsed(coach_index)
        pending = spec.requires_confirmation
        expiry = timedelta(hours=django_settings.TANDEM_PENDING_EXPIRY_HOURS)
        row = Row(
            pk=outcome.booking.pk,
            public_id=outcome.booking.public_id,
            coach=coach_index,
            client=client,
            spec=spec,
            start=start,
            status=Booking.Status.PENDING if pending else Booking.Status.CONFIRMED,
            pending_expires_at=min(self.now + expiry, start) if pending else None,
            booked_at=self.now,
        )
        self.rows[row.pk] = row
        if key is not None:
            self.keys[(client, key)] = (fingerprint, row.pk)
        return row.pk

    @rule(booking=bookings, actor=st.sampled_from(ACTORS), reason=st.sampled_from(REASONS))
    def cancel(self, booking, actor, reason):
        row = self.rows[booking]
        user = self.role(row, actor)
        expected: Expected = None
        if reason == "other":  # without a message
            expected = (InvalidInput, "invalid")
        elif not self.is_participant(row, user):
            expected = (NotFound, "not_found")
        else:
            expected = self.upcoming_active_error(row)
        result = self.attempt(
            "cancel",
            expected,
            lambda: services.booking_cancel(
                booking_id=row.public_id, user=self.users[user], reason_code=reason, now=self.now
            ),
        )
        if result is None:
            return
        free_until = row.start - timedelta(hours=self.coaches[row.coach].cancel_free_hours)
        if row.booked_at > free_until:  # booked at short notice: a grace period instead
            free_until = min(row.booked_at + SHORT_NOTICE_GRACE, row.start)
        late = (
            user == row.client
            and not self.is_coach_of(row, user)
            and row.status == Booking.Status.CONFIRMED
            and self.now > free_until
        )
        assert result.terms.late == late
        SEEN[f"cancel: {'late' if late else 'free of charge'}"] += 1
        row.status = Booking.Status.CANCELLED
        row.late = late
        row.cancel_reason = reason
        row.sequence += 1
        row.events += 1

    @rule(booking=bookings, actor=st.sampled_from(ACTORS), day=DAYS, minute=MINUTES)
    def reschedule(self, booking, actor, day, minute):
        row = self.rows[booking]
        self._reschedule(row, actor, self.local_start(self.coaches[row.coach], day, minute))

    @rule(booking=bookings, onto=bookings, actor=st.sampled_from(ACTORS))
    def reschedule_onto(self, booking, onto, actor):
        """Move a booking to another one's time (of the same coach or not)."""
        self._reschedule(self.rows[booking], actor, self.rows[onto].start)

    def _reschedule(self, row: Row, actor: str, start: datetime) -> None:
        user = self.role(row, actor)
        expected: Expected = None
        if start <= self.now:
            expected = (InvalidInput, "invalid")
        elif not self.is_participant(row, user):
            expected = (NotFound, "not_found")
        elif error := self.upcoming_active_error(row):
            expected = error
        elif self.now > (
            row.start
            if self.is_coach_of(row, user)
            else row.start - timedelta(hours=self.coaches[row.coach].reschedule_min_hours)
        ):
            expected = (services.TooLate, "reschedule_window_closed")
        elif start == row.start:
            expected = (InvalidInput, "invalid")
        elif not self.is_slot(row.coach, row.spec, start, exclude=row.pk):
            expected = (services.SlotUnavailable, "slot_unavailable")
        result = self.attempt(
            "reschedule",
            expected,
            lambda: services.booking_reschedule(
                booking_id=row.public_id, user=self.users[user], start=start, now=self.now
            ),
        )
        if result is None:
            return
        self.expire_lapsed(row.coach)
        row.start = start
        if row.pending_expires_at is not None:
            row.pending_expires_at = min(row.pending_expires_at, start)
        row.sequence += 1
        row.events += 1

    def _answer(self, booking: int, actor: str, service, status: str, bump: int) -> None:
        row = self.rows[booking]
        user = self.role(row, actor)
        expected: Expected = None
        if not self.is_participant(row, user):
            expected = (NotFound, "not_found")
        elif not self.is_coach_of(row, user):
            expected = (services.InvalidTransition, "coach_only")
        else:
            expected = self.pending_open_error(row)
        result = self.attempt(
            "answer",
            expected,
            lambda: service(booking_id=row.public_id, user=self.users[user], now=self.now),
        )
        if result is None:
            return
        row.status = status
        if status == Booking.Status.CONFIRMED:
            row.pending_expires_at = None
        row.sequence += bump
        row.events += 1

    def pick_for_answer(self, data, any_booking: bool) -> int:
        """Mostly a request awaiting its answer (the interesting case), sometimes any booking."""
        waiting = sorted(
            pk for pk, row in self.rows.items() if row.status == Booking.Status.PENDING
        )
        pool = sorted(self.rows) if any_booking or not waiting else waiting
        return data.draw(st.sampled_from(pool), label="booking")

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), actor=st.sampled_from(ANSWERERS), any_booking=st.booleans())
    def accept(self, data, actor, any_booking):
        booking = self.pick_for_answer(data, any_booking)
        self._answer(booking, actor, services.booking_accept, Booking.Status.CONFIRMED, 0)

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), actor=st.sampled_from(ANSWERERS), any_booking=st.booleans())
    def decline(self, data, actor, any_booking):
        booking = self.pick_for_answer(data, any_booking)
        self._answer(booking, actor, services.booking_decline, Booking.Status.DECLINED, 1)

    @precondition(lambda self: any(row.lapsed(self.now) for row in self.rows.values()))
    @rule()
    def expire_requests(self) -> None:
        expected = sum(1 for row in self.rows.values() if row.lapsed(self.now))
        assert services.expire_due_requests(now=self.now) == expected
        SEEN["expire: lapsed requests marked"] += 1
        self.expire_lapsed(None)

    @precondition(lambda self: self.rows and self.now < self.last_day)
    @rule(hours=st.sampled_from([2, 6, 12]))
    def advance_clock(self, hours: int) -> None:
        SEEN["clock moved"] += 1
        self.now = min(self.now + timedelta(hours=hours), self.last_day)

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def no_two_active_bookings_of_a_coach_overlap(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(OVERLAPS_SQL)
            assert cursor.fetchall() == []

    @invariant()
    def rows_match_the_model(self) -> None:
        events = dict(
            BookingEvent.objects.values("booking_id")
            .annotate(n=Count("pk"))
            .values_list("booking_id", "n")
        )
        found = {
            b.pk: b for b in Booking.objects.select_related("coach", "session_type").order_by("pk")
        }
        assert set(found) == set(self.rows)
        for pk, row in self.rows.items():
            booking = found[pk]
            blocked_start, blocked_end = row.blocked
            assert (
                booking.coach_id,
                booking.client_id,
                booking.session_type.name,
                booking.status,
                booking.start,
                booking.end,
                booking.blocked_start,
                booking.blocked_end,
                booking.sequence,
                booking.pending_expires_at,
                booking.late_cancellation,
                booking.cancel_reason,
                events.get(pk, 0),
            ) == (
                self.coaches[row.coach].profile.pk,
                self.users[row.client].pk,
                row.spec.name,
                row.status,
                row.start,
                row.end,
                blocked_start,
                blocked_end,
                row.sequence,
                row.pending_expires_at,
                row.late,
                row.cancel_reason,
                row.events,
            ), f"booking {pk}"


# Outcomes a run must reach, or it proves little (a guard against a vacuous machine).
MUST_SEE = (
    "book: ok",
    "book: slot_unavailable",
    "reschedule: ok",
    "reschedule: slot_unavailable",
    "cancel: ok",
    "answer: ok",
)


@pytest.mark.django_db
def test_booking_state_machine(settings) -> None:
    # Requests lapse after a few hours (not a day), so runs reach lapsed requests often.
    settings.TANDEM_PENDING_EXPIRY_HOURS = 4
    SEEN.clear()
    BookingMachine.world = build_world()
    run_state_machine_as_test(
        BookingMachine,
        settings=hypothesis_settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print("\n".join(f"{count:5d}  {what}" for what, count in sorted(SEEN.items())))
    assert not [what for what in MUST_SEE if not SEEN[what]], SEEN
