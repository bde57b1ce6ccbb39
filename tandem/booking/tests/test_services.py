"""Booking services with a controlled clock: policies, expiry, caps, and the database's promise."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from tandem.booking import services
from tandem.booking.models import Booking, BookingEvent
from tandem.booking.services import BookingRequest
from tandem.booking.tests.conftest import at, make_type
from tandem.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def create(client, coach, session_type, start, *, now=None, key=None):
    return services.booking_create(
        client=client,
        request=BookingRequest(coach=coach, session_type=session_type, start=start),
        idempotency_key=key,
        now=now,
    ).booking


def test_pending_request_lapses_and_frees_the_slot(coach, bob, charlie):
    intro = make_type(coach, name="Intro", requires_confirmation=True)
    start = at(5, 10)
    now = at(1, 9)
    request = create(bob, coach, intro, start, now=now)
    assert request.status == Booking.Status.PENDING
    assert request.pending_expires_at == now + timedelta(hours=24)
    with pytest.raises(services.SlotUnavailable):
        create(charlie, coach, intro, start, now=now + timedelta(hours=23))
    later = now + timedelta(hours=25)
    # Lapsed: the slot is bookable again, and booking it marks the request expired first.
    booked = create(charlie, coach, intro, start, now=later)
    request.refresh_from_db()
    assert request.status == Booking.Status.EXPIRED
    assert booked.status == Booking.Status.PENDING
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == [BookingEvent.Kind.REQUESTED, BookingEvent.Kind.EXPIRED]
    with pytest.raises(services.InvalidTransition):
        services.booking_accept(booking_id=request.public_id, user=coach.user, now=later)


def test_expiry_sweep_marks_each_request_once(coach, bob):
    intro = make_type(coach, name="Intro", requires_confirmation=True)
    now = at(1, 9)
    request = create(bob, coach, intro, at(5, 10), now=now)
    assert services.expire_due_requests(now=now) == 0
    later = now + timedelta(hours=30)
    assert services.expire_due_requests(now=later) == 1
    assert services.expire_due_requests(now=later) == 0
    request.refresh_from_db()
    assert request.status == Booking.Status.EXPIRED and request.sequence == 1


def test_request_expires_at_its_start_when_that_is_sooner(coach, bob):
    intro = make_type(coach, name="Intro", requires_confirmation=True)
    now = at(1, 9)
    start = at(1, 12)
    request = create(bob, coach, intro, start, now=now)
    assert request.pending_expires_at == start
    with pytest.raises(services.TooLate):
        services.booking_accept(booking_id=request.public_id, user=coach.user, now=start)


def test_daily_cap_enforced_at_booking_time(coach, bob, charlie):
    coach.daily_cap = 1
    coach.save()
    session_type = make_type(coach)
    create(bob, coach, session_type, at(3, 10))
    with pytest.raises(services.SlotUnavailable):
        create(charlie, coach, session_type, at(3, 15))
    create(charlie, coach, session_type, at(4, 15))


def test_minimum_notice_enforced(coach, bob):
    session_type = make_type(coach, min_notice_minutes=48 * 60)
    with pytest.raises(services.SlotUnavailable):
        create(bob, coach, session_type, at(1, 12))
    assert Booking.objects.count() == 0


def test_off_grid_and_closed_hours_refused(coach, session_type, bob):
    with pytest.raises(services.SlotUnavailable):
        create(bob, coach, session_type, at(3, 10, 10))
    with pytest.raises(services.SlotUnavailable):
        create(bob, coach, session_type, at(3, 22))


def test_unlisted_coach_or_inactive_type_is_not_found(coach, session_type, bob):
    session_type.is_active = False
    session_type.save()
    with pytest.raises(NotFound):
        create(bob, coach, session_type, at(3, 10))
    session_type.is_active = True
    session_type.save()
    coach.is_verified = False
    coach.save()
    with pytest.raises(NotFound):
        create(bob, coach, session_type, at(3, 10))
    assert Booking.objects.count() == 0


def test_late_cancellation_only_for_the_client_after_the_free_window(coach, session_type, bob):
    start = at(3, 10)
    first = create(bob, coach, session_type, start, now=at(0, 9))
    free = services.booking_cancel(
        booking_id=first.public_id, user=bob, reason_code="illness", now=start - timedelta(hours=25)
    )
    assert not free.terms.late and free.terms.impact == "medium"
    second = create(bob, coach, session_type, start, now=at(0, 9))
    late = services.booking_cancel(
        booking_id=second.public_id, user=bob, reason_code="work", now=start - timedelta(hours=2)
    )
    assert late.terms.late and late.terms.impact == "high"
    assert late.booking.late_cancellation
    third = create(bob, coach, session_type, start, now=at(0, 9))
    by_coach = services.booking_cancel(
        booking_id=third.public_id,
        user=coach.user,
        reason_code="emergency",
        now=start - timedelta(hours=2),
    )
    assert not by_coach.terms.late
    assert by_coach.booking.cancelled_by == coach.user


def test_cannot_cancel_or_move_a_started_session(coach, session_type, bob):
    start = at(3, 10)
    booking = create(bob, coach, session_type, start, now=at(0, 9))
    with pytest.raises(services.TooLate):
        services.booking_cancel(
            booking_id=booking.public_id, user=bob, reason_code="illness", now=start
        )
    with pytest.raises(services.TooLate):
        services.booking_reschedule(
            booking_id=booking.public_id, user=coach.user, start=at(4, 12), now=start
        )
    with pytest.raises(InvalidInput):
        services.booking_reschedule(
            booking_id=booking.public_id, user=coach.user, start=at(2, 12), now=start
        )


def test_complete_and_no_show_after_the_end(coach, session_type, bob):
    start = at(3, 10)
    booking = create(bob, coach, session_type, start, now=at(0, 9))
    with pytest.raises(services.InvalidTransition):
        services.booking_complete(booking_id=booking.public_id, user=coach.user, now=start)
    with pytest.raises(services.InvalidTransition):
        services.booking_complete(
            booking_id=booking.public_id, user=bob, now=start + timedelta(hours=2)
        )
    done = services.booking_complete(
        booking_id=booking.public_id, user=coach.user, now=start + timedelta(hours=2)
    )
    assert done.status == Booking.Status.COMPLETED
    other = create(bob, coach, session_type, at(4, 10), now=at(0, 9))
    missed = services.booking_no_show(booking_id=other.public_id, user=coach.user, now=at(4, 12))
    assert missed.status == Booking.Status.NO_SHOW


def test_reschedule_keeps_a_request_pending(coach, bob):
    intro = make_type(coach, name="Intro", requires_confirmation=True)
    now = at(0, 9)
    request = create(bob, coach, intro, at(5, 10), now=now)
    moved = services.booking_reschedule(
        booking_id=request.public_id, user=bob, start=at(5, 14), now=now
    )
    assert moved.status == Booking.Status.PENDING and moved.sequence == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraint: PostgreSQL")
def test_database_refuses_overlap_even_without_the_service(coach, session_type, bob, charlie):
    first = create(bob, coach, session_type, at(3, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            coach=coach,
            client=charlie,
            session_type=session_type,
            start=first.start + timedelta(minutes=30),
            end=first.end + timedelta(minutes=30),
            blocked_start=first.start + timedelta(minutes=30),
            blocked_end=first.end + timedelta(minutes=30),
        )
    # Back to back is fine; a cancelled booking does not block.
    Booking.objects.create(
        coach=coach,
        client=charlie,
        session_type=session_type,
        start=first.end,
        end=first.end + timedelta(hours=1),
        blocked_start=first.end,
        blocked_end=first.end + timedelta(hours=1),
    )
    Booking.objects.filter(pk=first.pk).update(status=Booking.Status.CANCELLED)
    Booking.objects.create(
        coach=coach,
        client=charlie,
        session_type=session_type,
        start=first.start,
        end=first.end,
        blocked_start=first.start,
        blocked_end=first.end,
    )


def test_sweep_command_lapses_and_cleans(coach, bob, capsys):
    from django.core.management import call_command

    from tandem.booking.models import Hold, IdempotencyRecord

    intro = make_type(coach, name="Intro", requires_confirmation=True)
    long_ago = at(0, 9) - timedelta(days=3)
    request = services.booking_create(
        client=bob,
        request=BookingRequest(coach=coach, session_type=intro, start=at(5, 10)),
        idempotency_key="old",
        now=long_ago,
    ).booking
    Booking.objects.filter(pk=request.pk).update(pending_expires_at=long_ago + timedelta(hours=1))
    services.hold_create(client=bob, coach=coach, session_type=intro, start=at(6, 10))
    Hold.objects.update(expires_at=long_ago)
    call_command("booking_sweep")
    assert "expired_requests: 1" in capsys.readouterr().out
    request.refresh_from_db()
    assert request.status == Booking.Status.EXPIRED
    assert Hold.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_lapse_is_scheduled_at_the_expiry_instant(coach, bob, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from tandem.booking.tasks import expire_pending_task

    intro = make_type(coach, name="Intro", requires_confirmation=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = create(bob, coach, intro, at(5, 10))
    scheduled = DBTaskResult.objects.get(task_path__endswith="expire_pending_task")
    assert scheduled.run_after == request.pending_expires_at
    assert scheduled.args_kwargs["args"] == [request.pk]
    # When the worker runs it at that instant, the request lapses.
    Booking.objects.filter(pk=request.pk).update(
        pending_expires_at=request.created_at - timedelta(seconds=1)
    )
    expire_pending_task.call(request.pk)
    request.refresh_from_db()
    assert request.status == Booking.Status.EXPIRED


def test_moving_a_request_before_its_lapse_reschedules_the_lapse(coach, bob):
    from django_tasks_db.models import DBTaskResult

    intro = make_type(coach, name="Intro", requires_confirmation=True)
    now = at(0, 9)
    request = create(bob, coach, intro, at(5, 10), now=now)
    soon = now + timedelta(hours=3)
    moved = services.booking_reschedule(booking_id=request.public_id, user=bob, start=soon, now=now)
    assert moved.pending_expires_at == soon
    lapses = DBTaskResult.objects.filter(task_path__endswith="expire_pending_task")
    assert sorted(lapses.values_list("run_after", flat=True)) == [soon, now + timedelta(hours=24)]
