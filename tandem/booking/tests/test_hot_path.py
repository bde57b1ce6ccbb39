"""The booking transaction's hand-written statements keep the rules the ORM version kept."""

from datetime import timedelta

import pytest
from django.db import transaction

from tandem.booking import services
from tandem.booking.models import Booking, Hold, IdempotencyRecord
from tandem.booking.services import BookingRequest
from tandem.booking.services.create import SCOPE
from tandem.booking.services.locking import lock_for_booking
from tandem.booking.tests.conftest import at, make_type
from tandem.coaches import selectors as coach_selectors

pytestmark = pytest.mark.django_db


def book(client, coach, session_type, start, *, now=None, key=None, notes=""):
    return services.booking_create(
        client=client,
        request=BookingRequest(coach=coach, session_type=session_type, start=start, notes=notes),
        idempotency_key=key,
        now=now,
    )


def test_the_opening_statement_reads_lock_replay_lapsed_and_hold(coach, session_type, bob):
    now = at(1, 9)
    with transaction.atomic():
        lock = lock_for_booking(coach.pk, client_id=bob.pk, scope=SCOPE, key="k1", now=now)
    assert lock.coach == coach and lock.coach.user == coach.user
    assert (lock.replay, lock.lapsed_requests, lock.client_holds) == (None, False, False)

    intro = make_type(coach, name="Intro", requires_confirmation=True)
    made = book(bob, coach, intro, at(5, 10), now=now, key="k1").booking
    services.hold_create(
        client=bob, coach=coach, session_type=session_type, start=at(6, 10), now=now
    )
    later = now + timedelta(hours=30)  # the request has lapsed, unmarked
    with transaction.atomic():
        lock = lock_for_booking(coach.pk, client_id=bob.pk, scope=SCOPE, key="k1", now=later)
    record = IdempotencyRecord.objects.get(key="k1")
    assert lock.replay == (record.request_hash, made.pk)
    assert lock.lapsed_requests and lock.client_holds
    with transaction.atomic():
        lock = lock_for_booking(coach.pk, client_id=bob.pk, scope=SCOPE, key=None, now=now)
    assert lock.replay is None and not lock.lapsed_requests


def test_a_direct_booking_replaces_the_clients_hold_with_that_coach(coach, session_type, bob):
    now = at(1, 9)
    services.hold_create(
        client=bob, coach=coach, session_type=session_type, start=at(6, 10), now=now
    )
    book(bob, coach, session_type, at(5, 10), now=now)
    assert not Hold.objects.filter(client=bob).exists()


def test_a_replay_answers_after_its_start_has_passed(coach, session_type, bob):
    now = at(1, 9)
    first = book(bob, coach, session_type, at(2, 10), now=now, key="late").booking
    again = book(bob, coach, session_type, at(2, 10), now=at(3, 9), key="late")
    assert again.replayed and again.booking.pk == first.pk
    assert Booking.objects.count() == 1


def test_a_reused_key_with_another_body_changes_nothing(coach, session_type, bob):
    now = at(1, 9)
    book(bob, coach, session_type, at(2, 10), now=now, key="same")
    with pytest.raises(services.IdempotencyKeyReused):
        book(bob, coach, session_type, at(2, 12), now=now, key="same")
    assert Booking.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_coach_and_type_in_one_statement_follow_the_listing_rule(coach, session_type, alice):
    other = make_type(coach, name="Retired", is_active=False)
    assert coach_selectors.bookable_coach_and_type(coach.slug, session_type.public_id) == (
        coach,
        session_type,
    )
    found = coach_selectors.bookable_coach_and_type(str(coach.public_id), session_type.public_id)
    assert found is not None and found[1].coach.user == alice
    assert coach_selectors.bookable_coach_and_type(coach.slug, other.public_id) is None
    assert coach_selectors.bookable_coach_and_type("x\x00y", session_type.public_id) is None
    assert coach_selectors.bookable_coach_and_type("nobody", session_type.public_id) is None
    coach.is_verified = False
    coach.save(update_fields=["is_verified"])
    assert coach_selectors.bookable_coach_and_type(coach.slug, session_type.public_id) is None
    coach.is_verified = True
    coach.save(update_fields=["is_verified"])
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert coach_selectors.bookable_coach_and_type(coach.slug, session_type.public_id) is None
