"""Races with real threads, each on its own database connection: two coaches can never both
win one request, and a retried or withdrawn accept books at most once.

On PostgreSQL, and on SQLite as a temporary *file* database (the booking concurrency tests'
`file_database` fixture: an in-memory SQLite does not model concurrent writers).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from conftest import make_user
from tandem.accounts.services import api_token_create
from tandem.booking.models import Booking
from tandem.booking.tests.test_concurrency import Answer, file_database, run_together
from tandem.core.errors import ServiceError
from tandem.dispatch import services
from tandem.dispatch.models import DispatchOffer, DispatchRequest
from tandem.dispatch.tests.conftest import NOW, ask

__all__ = ["file_database"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

ROUNDS = 6
RETRIES = 8


def outcome_of(work) -> Answer:
    try:
        work()
    except ServiceError as exc:
        return Answer(exc.status, {"error": {"code": exc.code}})
    return Answer(200, {})


def winners(request: DispatchRequest) -> list[DispatchOffer]:
    return list(DispatchOffer.objects.filter(request=request, status="accepted"))


def check_one_winner(request: DispatchRequest) -> None:
    """Exactly one booking, made for the coach whose offer is the one accepted."""
    request.refresh_from_db()
    bookings = list(Booking.objects.filter(client=request.client))
    [accepted] = winners(request)
    assert len(bookings) == 1
    assert request.status == DispatchRequest.Status.ACCEPTED
    assert request.booking_id == bookings[0].pk
    assert bookings[0].coach_id == accepted.coach_id
    assert DispatchOffer.objects.filter(request=request, status="offered").count() == 0


def test_runs_on_a_real_database_file_or_server():
    assert not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def race_deadline(request: DispatchRequest, second_user) -> Answer | None:
    """Thread 0: the first coach accepts in the last microsecond of their window. Thread 1:
    the timeout at the deadline, then the next coach accepts a millisecond later."""
    first = DispatchOffer.objects.select_related("coach__user").get(request=request)
    deadline = first.expires_at

    def late_but_on_time() -> None:
        services.dispatch_offer_accept(
            coach_user=first.coach.user,
            offer_id=first.public_id,
            now=deadline - timedelta(microseconds=1),
        )

    def timeout_then_next() -> Answer:
        services.dispatch_offer_expire(offer_id=first.pk, now=deadline)
        nxt = DispatchOffer.objects.filter(request_id=request.pk, status="offered").first()
        if nxt is None:
            return Answer(404, {"error": {"code": "no_offer"}})
        return outcome_of(
            lambda: services.dispatch_offer_accept(
                coach_user=second_user,
                offer_id=nxt.public_id,
                now=deadline + timedelta(milliseconds=1),
            )
        )

    outcome = run_together(
        2, lambda i: outcome_of(late_but_on_time) if i == 0 else timeout_then_next()
    )
    outcome.check_clean()
    statuses = sorted(a.status for a in outcome.answers if a is not None)
    assert statuses in ([200, 404], [200, 409]), outcome.answers
    return outcome.answers[0]


def test_two_coaches_accepting_at_the_same_instant_book_once(alice, dana, both_online):
    """At the deadline of the first coach's offer, they accept in its last moment while the
    timeout hands the request to the second coach, who accepts at once. Whichever commits
    first wins; the other is refused; there is one booking, every round."""
    for round_ in range(ROUNDS):
        client = make_user(f"client{round_}@example.com", name=f"Client {round_}")
        # Two hours apart: a session booked in one round does not block the next.
        request = ask(client, now=NOW + timedelta(hours=2 * round_))
        first_user = DispatchOffer.objects.get(request=request).coach.user
        race_deadline(request, dana if first_user == alice else alice)
        check_one_winner(request)


def test_a_retried_accept_racing_itself_books_once_over_http(bob, both_online):
    request = ask(bob, now=None, within=60)  # the real clock, as HTTP uses it
    offer = DispatchOffer.objects.select_related("coach__user").get(request=request)
    _, token = api_token_create(user=offer.coach.user, name="retries")

    def work(index: int) -> Answer:
        response = Client().post(
            f"/api/v1/dispatch/offers/{offer.public_id}/accept",
            headers={"Authorization": f"Bearer {token}"},
        )
        return Answer(response.status_code, response.json())

    outcome = run_together(RETRIES, work)
    outcome.check_clean()
    # The first claims it; the others wait for the request's lock and then see it accepted
    # by this same coach: the same booking again.
    assert {a.status for a in outcome.answers if a is not None} == {200}
    booking_ids = {a.body["booking"]["id"] for a in outcome.answers if a is not None}
    assert len(booking_ids) == 1
    check_one_winner(request)


def race_withdraw(request: DispatchRequest) -> tuple[Answer, Answer]:
    offer = DispatchOffer.objects.select_related("coach__user").get(request=request)
    at = request.created_at + timedelta(seconds=30)

    def accept() -> None:
        services.dispatch_offer_accept(
            coach_user=offer.coach.user, offer_id=offer.public_id, now=at
        )

    def withdraw() -> None:
        services.dispatch_request_withdraw(
            client=request.client, request_id=request.public_id, now=at
        )

    outcome = run_together(2, lambda i: outcome_of(accept if i == 0 else withdraw))
    outcome.check_clean()
    accepted, withdrawn = outcome.answers
    assert accepted is not None and withdrawn is not None
    return accepted, withdrawn


def test_accept_racing_withdraw_is_either_booked_or_withdrawn(alice, dana, both_online):
    for round_ in range(ROUNDS):
        client = make_user(f"racer{round_}@example.com", name=f"Racer {round_}")
        request = ask(client, now=NOW + timedelta(hours=2 * round_))
        accepted, withdrawn = race_withdraw(request)
        request.refresh_from_db()
        offer = DispatchOffer.objects.get(request=request)
        booked = Booking.objects.filter(client=client).count()
        if request.status == DispatchRequest.Status.ACCEPTED:
            assert (booked, offer.status) == (1, "accepted")
            assert (accepted.status, withdrawn.status) == (200, 409)
        else:
            assert request.status == DispatchRequest.Status.WITHDRAWN
            assert (booked, offer.status) == (0, "withdrawn")
            assert (accepted.status, accepted.code) == (409, "offer_closed")
            assert withdrawn.status == 200
