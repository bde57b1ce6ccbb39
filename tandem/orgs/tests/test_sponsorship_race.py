"""Races for a programme's last budget and a participant's last session, through the real
booking API (POST /api/v1/bookings: the booking's transaction locks the coach, checkout asks
the sponsor port, which locks the programme, and the budget is drawn in the same
transaction).

Every request runs in its own thread with its own connection (booking's concurrency
harness); each participant books a different coach, so only the programme's lock (on
PostgreSQL) or the IMMEDIATE transaction (on SQLite, on a database file) stands between
them. The rows are then checked: never more sponsored sessions than the budget pays for, the
budget never below zero, never more sessions than a participant has.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.booking.tests.test_concurrency import (  # noqa: F401 (file_database: a fixture)
    Answer,
    api_user,
    file_database,
    post_booking,
    run_together,
)
from tandem.orgs.models import Organisation, Participant, Programme, SponsoredSession
from tandem.orgs.tests.conftest import make_programme
from tandem.orgs.tests.test_sponsorship_port import fund
from tandem.payments.models import PaymentSource
from tandem.payments.sponsors.selectors import budget

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

PRICE = 8000
RACERS = 20


def running_programme(**extra: Any) -> Programme:
    """A programme around the real today: the booking API books at the real time."""
    org = Organisation.objects.create(name="Northwind Traders", slug="northwind")
    today: date = timezone.now().date()
    values: dict[str, Any] = {
        "starts_on": today - timedelta(days=1),
        "ends_on": today + timedelta(days=90),
        "seats": 50,
    }
    values.update(extra)
    return make_programme(org, **values)


def coaches(count: int) -> list[Any]:
    out = []
    for i in range(count):
        who = api_user(f"coach{i:02d}@example.com", f"Coach {i:02d}")
        coach = make_coach(who.user, slug=f"coach{i:02d}")
        out.append((coach, make_type(coach)))
    return out


def sponsored_sources() -> int:
    return PaymentSource.objects.filter(kind=PaymentSource.Kind.SPONSOR).count()


def test_twenty_participants_race_for_the_budget_of_three_sessions():
    programme = running_programme()
    fund(programme, 3 * PRICE + 500)
    people = [api_user(f"p{i:02d}@example.com", f"Person {i:02d}") for i in range(RACERS)]
    pairs = coaches(RACERS)
    for person in people:
        Participant.objects.create(
            programme=programme, email=person.user.email, user=person.user, status="active"
        )
    start = at(3, 10)

    def work(i: int) -> Answer:
        coach, session_type = pairs[i]
        return post_booking(people[i], coach, session_type, start)

    outcome = run_together(RACERS, work)
    outcome.check_clean()
    assert outcome.statuses()[201] >= 3
    assert SponsoredSession.objects.count() == 3
    assert sponsored_sources() == 3
    assert budget(programme.budget_owner, "EUR").balance == 500
    # The others booked and pay the usual way (or were refused): nobody was given a
    # sponsored session the budget could not pay.
    sponsored = set(SponsoredSession.objects.values_list("booking_id", flat=True))
    booked = set(Booking.objects.values_list("pk", flat=True))
    assert sponsored <= booked


def test_one_participant_with_one_session_left_books_twice_at_once():
    programme = running_programme(sessions_per_participant=1)
    fund(programme, 10 * PRICE)
    bob = api_user("bob@example.com", "Bob Brown")
    # No coach chosen yet: any eligible coach is covered, so the two bookings lock two
    # different coaches and meet only at the programme.
    Participant.objects.create(programme=programme, email=bob.user.email, user=bob.user,
                               status="active")  # fmt: skip
    pairs = coaches(2)

    def work(i: int) -> Answer:
        coach, session_type = pairs[i]
        return post_booking(bob, coach, session_type, at(4, 10 + 2 * i))

    outcome = run_together(2, work)
    outcome.check_clean()
    assert SponsoredSession.objects.count() == 1
    assert sponsored_sources() == 1
    assert budget(programme.budget_owner, "EUR").balance == 9 * PRICE


def test_many_bookings_of_one_participant_never_pass_the_limit():
    programme = running_programme(sessions_per_participant=3)
    fund(programme, 100 * PRICE)
    bob = api_user("bob@example.com", "Bob Brown")
    Participant.objects.create(programme=programme, email=bob.user.email, user=bob.user,
                               status="active")  # fmt: skip
    pairs = coaches(8)

    def work(i: int) -> Answer:
        coach, session_type = pairs[i]
        return post_booking(bob, coach, session_type, at(5, 8 + i))

    outcome = run_together(8, work)
    outcome.check_clean()
    assert SponsoredSession.objects.count() == 3
    assert budget(programme.budget_owner, "EUR").balance == 97 * PRICE
