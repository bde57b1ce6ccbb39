"""Reminders with a controllable clock: scheduled by role, sent at their instant and once,
moved by a reschedule (even one second before they are due), removed by a cancellation,
and kept at their real lead time across a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.notifications.models import Delivery, Notification, ReminderSchedule
from tandem.notifications.services import reminders_sync, run_due, schedule_set
from tandem.notifications.services.deliver import claim_due
from tandem.orgs.models import Membership, Organisation

from .conftest import at, book, make_coach, make_type, pending_reminders

pytestmark = pytest.mark.django_db
S = Delivery.Status
OWNER = "test-worker"


def schedule(booking: Booking, now: datetime) -> list[tuple[int, int | None, str]]:
    reminders_sync(booking.pk, now=now)
    return [(d.user_id, d.offset_minutes, d.channel) for d in pending_reminders(booking)]


def test_defaults_coach_24h_and_1h_client_24h_and_3h_in_app_and_email(
    coach, session_type, alice, bob, now
):
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    planned = schedule(booking, now)
    expected = {
        (alice.pk, 1440, "inapp"), (alice.pk, 1440, "email"),
        (alice.pk, 60, "inapp"), (alice.pk, 60, "email"),
        (bob.pk, 1440, "inapp"), (bob.pk, 1440, "email"),
        (bob.pk, 180, "inapp"), (bob.pk, 180, "email"),
    }  # fmt: skip
    assert set(planned) == expected and len(planned) == 8
    for delivery in pending_reminders(booking):
        assert delivery.due_at == booking.start - timedelta(minutes=delivery.offset_minutes)
    # Running again adds nothing (the keys are unique).
    assert schedule(booking, now) == planned


def test_a_reminder_fires_at_its_instant_and_only_once(coach, session_type, alice, bob, now):
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    due = booking.start - timedelta(hours=1)
    assert run_due(owner=OWNER, now=due - timedelta(seconds=1)) == 6  # 24 h both, 3 h Bob
    Notification.objects.all().delete()
    mail.outbox.clear()
    assert run_due(owner=OWNER, now=due - timedelta(microseconds=1)) == 0
    assert run_due(owner=OWNER, now=due) == 2  # Alice's 1 h: in-app and email
    note = Notification.objects.get()
    assert note.user == alice and note.title.startswith("Reminder: Coaching session with Bob")
    assert note.title.endswith("in 1 hour") and note.url.endswith(f"{booking.public_id}/")
    assert [m.to for m in mail.outbox] == [["Alice Adler <alice@example.com>"]]
    assert "Join: https://meet.jit.si/tandem-" in mail.outbox[0].body
    assert "/settings/notifications/" in mail.outbox[0].body
    # Nothing is sent twice, however often the worker looks.
    assert run_due(owner=OWNER, now=due + timedelta(minutes=5)) == 0
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_reschedule_one_second_before_due_sends_the_new_reminder_not_the_old(
    coach, session_type, alice, bob, now
):
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    old_due = booking.start - timedelta(hours=1)
    run_due(owner=OWNER, now=old_due - timedelta(minutes=5))  # the earlier ones go out
    Notification.objects.all().delete()
    moved_at = old_due - timedelta(seconds=1)
    moved = booking_services.booking_reschedule(
        booking_id=booking.public_id, user=alice, start=at(3, 15), reason="clash", now=moved_at
    )
    # The job that moves the reminders has not run yet: the worker must still not send
    # the old one, because it checks the booking at the instant of sending.
    assert run_due(owner=OWNER, now=old_due) >= 1
    assert not Notification.objects.exists()
    assert not Delivery.objects.filter(
        booking=booking, session_start=booking.start, status=S.SENT, offset_minutes=60
    ).exists()
    # The job runs: the new version's reminders exist; the old pending ones are cancelled.
    reminders_sync(booking.pk, now=moved_at)
    new_due = moved.start - timedelta(hours=1)
    assert run_due(owner=OWNER, now=new_due) >= 2
    note = Notification.objects.get(user=alice)
    assert "in 1 hour" in note.title
    sent = Delivery.objects.get(user=alice, channel="inapp", status=S.SENT, offset_minutes=60)
    assert sent.session_start == moved.start and sent.booking_sequence == moved.sequence
    assert not Delivery.objects.filter(session_start=booking.start, status=S.PENDING).exists()


def test_cancellation_removes_pending_reminders(coach, session_type, bob, now):
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    booking_services.booking_cancel(
        booking_id=booking.public_id, user=bob, reason_code="schedule_conflict", now=now
    )
    # Even before the job runs, nothing goes out for a cancelled session.
    assert run_due(owner=OWNER, now=booking.start) == 8
    assert not Notification.objects.exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {S.CANCELLED}


def test_across_a_dst_change_the_reminder_keeps_its_real_lead_time(alice, bob):
    # Europe/Berlin springs forward on Sunday 28 March 2027 (02:00 -> 03:00).
    coach = make_coach(alice, slug="alice-dst")
    session_type = make_type(coach)
    now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)
    start = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # 10:00 CEST, after the change
    booking = book(bob, coach, session_type, start, now=now)
    reminders_sync(booking.pk, now=now)
    day_before = Delivery.objects.get(user=alice, offset_minutes=1440, channel="inapp")
    # 24 real hours: 08:00 UTC on the 27th, which is 09:00 on Berlin's wall clock (CET),
    # not 10:00 — the day before has 23 hours of wall time between the two.
    assert day_before.due_at == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
    assert run_due(owner=OWNER, now=day_before.due_at - timedelta(seconds=1)) == 0
    assert run_due(owner=OWNER, now=day_before.due_at) == 4  # both sides' 24 h, two channels


def test_reminders_booked_inside_their_lead_time_are_not_made(coach, session_type, bob, alice):
    now = at(1, 8)
    booking = book(bob, coach, session_type, now + timedelta(hours=2), now=now)
    planned = schedule(booking, now)
    # Only the coach's 1 h reminder still has a moment in the future.
    assert sorted(planned) == [(alice.pk, 60, "email"), (alice.pk, 60, "inapp")]


def test_coach_ladder_and_minute_lead_times(coach, session_type, alice, bob, now):
    schedule_set(coach=coach, coach_offsets=[300, 240, 180, 120, 60], client_offsets=[10])
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    planned = schedule(booking, now)
    assert sorted({o for u, o, _ in planned if u == alice.pk}) == [60, 120, 180, 240, 300]
    assert {o for u, o, _ in planned if u == bob.pk} == {10}


def test_an_organisation_sets_its_members_reminders(coach, session_type, bob, now):
    org = Organisation.objects.create(name="Northwind", slug="northwind")
    Membership.objects.create(organisation=org, user=bob)
    schedule_set(coach=coach, client_offsets=[30])
    schedule_set(organisation=org, client_offsets=[2880, 120])
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    planned = schedule(booking, now)
    assert {o for u, o, _ in planned if u == bob.pk} == {2880, 120}


@pytest.mark.parametrize(
    "bad", [[0], [-5], [1.5], ["60"], [True], list(range(1, 13)), [60 * 24 * 31], "60"]
)
def test_bad_lead_times_are_refused_and_change_nothing(coach, bad):
    from tandem.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        schedule_set(coach=coach, coach_offsets=bad)
    assert not ReminderSchedule.objects.exists()


def test_a_claimed_reminder_is_taken_over_after_its_lease(coach, session_type, bob, now, settings):
    settings.TANDEM_DELIVERY_LEASE_SECONDS = 30
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    due = booking.start - timedelta(hours=24)
    taken = claim_due(owner="dead-worker", now=due)  # then it dies without sending
    assert len(taken) == 4
    assert claim_due(owner="other", now=due + timedelta(seconds=29)) == []
    assert run_due(owner="other", now=due + timedelta(seconds=31)) == 4
    assert Notification.objects.count() == 2
    assert set(Delivery.objects.filter(pk__in=taken).values_list("status", flat=True)) == {S.SENT}


def test_a_failing_channel_retries_with_backoff_then_gives_up_visibly(
    coach, session_type, bob, now, settings
):
    settings.EMAIL_BACKEND = "tandem.notifications.tests.failing_mail.Backend"
    settings.TANDEM_DELIVERY_MAX_ATTEMPTS = 3
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    first = Delivery.objects.get(user=bob, offset_minutes=1440, channel="email")
    clock = first.due_at
    run_due(owner=OWNER, now=clock)
    first.refresh_from_db()
    assert first.status == S.PENDING and first.attempts == 1
    assert first.due_at == clock + timedelta(seconds=30) and "refused" in first.last_error
    run_due(owner=OWNER, now=first.due_at)
    first.refresh_from_db()
    assert first.attempts == 2 and first.due_at - clock == timedelta(seconds=90)
    run_due(owner=OWNER, now=first.due_at)
    first.refresh_from_db()
    assert first.status == S.FAILED and first.attempts == 3
    # The in-app one was not held back by the failing email.
    assert Notification.objects.filter(user=bob).count() == 1
