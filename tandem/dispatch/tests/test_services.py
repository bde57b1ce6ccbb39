"""Book now services on a controlled clock: ranking, one offer at a time, timeouts, answers,
withdrawal, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from conftest import make_user
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import book_session
from tandem.core.errors import InvalidInput
from tandem.dispatch import services
from tandem.dispatch.models import DispatchOffer, DispatchRequest
from tandem.dispatch.tests.conftest import NOW, SLOT, ask, make_dispatch_coach, online, state
from tandem.realtime.models import Event

pytestmark = pytest.mark.django_db


def open_offer(request: DispatchRequest) -> DispatchOffer:
    return DispatchOffer.objects.select_related("coach__user").get(
        request=request, status=DispatchOffer.Status.OFFERED
    )


def events(user, kind: str) -> list[dict]:
    return [e.data for e in Event.objects.filter(user=user, kind=kind).order_by("seq")]


# --- Ranking and the first offer ---------------------------------------------------------------


def test_a_request_freezes_the_ranked_coaches_and_asks_the_best_one(bob, alice, dana, both_online):
    request = ask(bob)
    assert request.status == DispatchRequest.Status.OFFERED
    assert [c["start"] for c in request.candidates] == [SLOT.isoformat()] * 2
    assert {c["coach"] for c in request.candidates} == {
        alice.coach_profile.pk,
        dana.coach_profile.pk,
    }
    offer = open_offer(request)
    assert offer.rank == 1
    assert offer.coach_id == request.candidates[0]["coach"]
    assert offer.start == SLOT
    assert offer.offered_at == NOW
    assert offer.expires_at == NOW + timedelta(seconds=300)
    # The coach is alerted (with the deadline); the client sees the progress.
    coach_user = offer.coach.user
    assert events(coach_user, "dispatch.offer") == [
        {
            "offer": str(offer.public_id),
            "status": "offered",
            "start": SLOT.isoformat().replace("+00:00", "Z"),
            "expires_at": offer.expires_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    [progress] = events(bob, "dispatch.changed")
    assert progress["status"] == "offered"
    assert (progress["rank"], progress["of"]) == (1, 2)
    # The timeout is a job in the same transaction, due at the deadline (an outbox).
    job = DBTaskResult.objects.get(task_path__endswith="dispatch_offer_expire_task")
    assert job.run_after == offer.expires_at
    assert job.args_kwargs["args"] == [offer.pk]


def test_only_online_verified_coaches_with_the_specialty_length_and_a_slot_qualify(
    bob, alice, dana, leadership, alice_coach, dana_coach
):
    from tandem.coaches.models import Specialty

    online(alice)  # Dana is offline
    others = [
        make_user(f"coach{n}@example.com", name=f"Coach {n}") for n in range(6)
    ]  # each fails one rule
    career = Specialty.objects.get_or_create(slug="career", defaults={"name": "Career"})[0]
    make_dispatch_coach(others[0], slug="other-specialty", specialty=career)
    make_dispatch_coach(others[1], slug="other-length", specialty=leadership, duration_minutes=30)
    unverified, _ = make_dispatch_coach(others[2], slug="unverified", specialty=leadership)
    unverified.is_verified = False
    unverified.save()
    make_dispatch_coach(
        others[3], slug="confirms", specialty=leadership, requires_confirmation=True
    )
    make_dispatch_coach(others[4], slug="notice", specialty=leadership, min_notice_minutes=60)
    busy, busy_type = make_dispatch_coach(others[5], slug="busy", specialty=leadership)
    book_session(make_user("someone@example.com", name="Someone"), busy, busy_type, SLOT)
    online(*others)
    request = ask(bob, within=15)
    assert [c["coach"] for c in request.candidates] == [alice.coach_profile.pk]


def test_a_busy_coach_with_a_later_free_slot_in_the_window_qualifies_at_that_slot(
    bob, alice, alice_coach
):
    coach, session_type = alice_coach
    book_session(make_user("x@example.com", name="X"), coach, session_type, SLOT)
    online(alice)
    request = ask(bob, within=90)
    assert [c["start"] for c in request.candidates] == [(SLOT + timedelta(hours=1)).isoformat()]


def test_the_client_is_never_offered_to_themselves(alice, dana, both_online):
    request = ask(alice)
    assert [c["coach"] for c in request.candidates] == [dana.coach_profile.pk]


def past_offer(coach, status: str, *, seconds: int | None, days_ago: int) -> None:
    """A closed request of someone else's, offered to `coach` earlier (the history record)."""
    asked = NOW - timedelta(days=days_ago)
    client = make_user(f"past{days_ago}{coach.pk}@example.com", name="Past client")
    request = DispatchRequest.objects.create(
        client=client,
        specialty_id=coach.specialties.get().pk,
        duration_minutes=60,
        status=DispatchRequest.Status.EXHAUSTED,
        created_at=asked,
        updated_at=asked,
        closed_at=asked,
    )
    expires = asked + timedelta(minutes=5)
    DispatchOffer.objects.create(
        request=request,
        coach=coach,
        session_type=coach.session_types.get(),
        start=expires + timedelta(minutes=5),
        rank=1,
        status=status,
        offered_at=asked,
        expires_at=expires,
        answered_at=expires if seconds is None else asked + timedelta(seconds=seconds),
    )


def test_response_history_ranks_a_coach_who_answers_above_one_who_lets_offers_lapse(
    bob, alice, dana, both_online
):
    alice_profile, dana_profile = alice.coach_profile, dana.coach_profile
    # Without history they tie, and the lower id (Alice) comes first.
    tie = ask(make_user("first@example.com", name="First"))
    assert [c["coach"] for c in tie.candidates] == [alice_profile.pk, dana_profile.pk]
    assert tie.candidates[0]["score"] == tie.candidates[1]["score"]
    DispatchRequest.objects.filter(pk=tie.pk).update(status="withdrawn", closed_at=NOW)
    DispatchOffer.objects.filter(request=tie).update(status="withdrawn", answered_at=NOW)
    for days_ago in (1, 2, 3):
        past_offer(alice_profile, "expired", seconds=None, days_ago=days_ago)
        past_offer(dana_profile, "failed", seconds=20, days_ago=days_ago)  # said yes, fast
    request = ask(bob)
    assert [c["coach"] for c in request.candidates] == [dana_profile.pk, alice_profile.pk]
    assert request.candidates[0]["score"] > request.candidates[1]["score"]


def test_nobody_to_ask_is_exhausted_at_once(bob, alice, alice_coach):
    # Alice is offline.
    request = ask(bob)
    assert request.status == DispatchRequest.Status.EXHAUSTED
    assert request.candidates == []
    assert request.closed_at == NOW
    assert not DispatchOffer.objects.exists()
    [told] = events(bob, "dispatch.changed")
    assert told["status"] == "exhausted"


def test_exhausted_requests_show_the_soonest_scheduled_slots(bob, alice, alice_coach):
    from tandem.dispatch import selectors

    request = ask(bob)
    [soonest] = selectors.soonest_slots(request, now=NOW)
    assert soonest.start == SLOT
    assert soonest.session_type == alice_coach[1]


# --- One coach at a time ----------------------------------------------------------------------


def test_offers_move_on_after_the_window_and_run_out(bob, alice, dana, both_online):
    request = ask(bob)
    first = open_offer(request)
    # Before the deadline the timeout does nothing (a job run early, or twice).
    assert not services.dispatch_offer_expire(
        offer_id=first.pk, now=first.expires_at - timedelta(seconds=1)
    )
    assert open_offer(request) == first
    assert services.dispatch_offer_expire(offer_id=first.pk, now=first.expires_at)
    first.refresh_from_db()
    assert first.status == DispatchOffer.Status.EXPIRED
    assert first.answered_at == first.expires_at
    second = open_offer(request)
    assert second.rank == 2 and second.coach_id != first.coach_id
    # The second offer ends at the slot's start at the latest: a session cannot be booked
    # in the past.
    assert second.expires_at == SLOT
    assert not services.dispatch_offer_expire(offer_id=first.pk, now=SLOT)  # twice: no-op
    assert services.dispatch_offer_expire(offer_id=second.pk, now=second.expires_at)
    request.refresh_from_db()
    assert request.status == DispatchRequest.Status.EXHAUSTED
    assert not DispatchOffer.objects.filter(status=DispatchOffer.Status.OFFERED).exists()
    assert [e["status"] for e in events(bob, "dispatch.changed")] == [
        "offered",
        "offered",
        "exhausted",
    ]
    assert [e["status"] for e in events(first.coach.user, "dispatch.offer")] == [
        "offered",
        "expired",
    ]


def test_a_read_moves_an_overdue_request_on_without_the_worker(bob, alice, dana, both_online):
    request = ask(bob)
    first = open_offer(request)
    early = first.expires_at - timedelta(seconds=1)
    assert not services.dispatch_request_catch_up(request=request, now=early)
    assert open_offer(request) == first
    late = first.expires_at + timedelta(seconds=5)
    assert services.dispatch_request_catch_up(request=request, now=late)
    assert open_offer(request).rank == 2
    # The coach's own list catches up too.
    second = open_offer(request)
    services.dispatch_offers_catch_up(coach_user=second.coach.user, now=second.expires_at)
    request.refresh_from_db()
    assert request.status == DispatchRequest.Status.EXHAUSTED


def test_a_candidate_whose_slot_was_taken_meanwhile_is_passed_over(bob, alice, dana, both_online):
    from tandem.coaches.models import CoachProfile

    request = ask(bob)
    first = open_offer(request)
    [second] = [c["coach"] for c in request.candidates if c["coach"] != first.coach_id]
    coach = CoachProfile.objects.get(pk=second)
    book_session(make_user("y@example.com", name="Y"), coach, coach.session_types.get(), SLOT)
    services.dispatch_offer_expire(offer_id=first.pk, now=first.expires_at)
    request.refresh_from_db()
    assert request.status == DispatchRequest.Status.EXHAUSTED
    assert DispatchOffer.objects.filter(request=request).count() == 1  # nobody else alerted
    assert not events(coach.user, "dispatch.offer")


# --- Answers ------------------------------------------------------------------------------------


def test_accepting_books_the_session_for_the_client(bob, alice, dana, both_online):
    request = ask(bob)
    offer = open_offer(request)
    coach_user = offer.coach.user
    outcome = services.dispatch_offer_accept(
        coach_user=coach_user, offer_id=offer.public_id, now=NOW + timedelta(minutes=1)
    )
    booking = outcome.booking
    assert not outcome.replayed
    assert (booking.client, booking.coach_id, booking.start) == (bob, offer.coach_id, SLOT)
    assert booking.status == Booking.Status.CONFIRMED
    request.refresh_from_db()
    offer.refresh_from_db()
    assert request.status == DispatchRequest.Status.ACCEPTED
    assert request.booking == booking
    assert offer.status == DispatchOffer.Status.ACCEPTED
    assert offer.answered_at == NOW + timedelta(minutes=1)
    assert events(bob, "dispatch.changed")[-1]["booking"] == str(booking.public_id)
    assert events(coach_user, "dispatch.offer")[-1]["status"] == "accepted"
    assert events(bob, "booking.changed")  # the booking service told both sides itself
    # A retried accept answers the same booking and books nothing more.
    again = services.dispatch_offer_accept(
        coach_user=coach_user, offer_id=offer.public_id, now=NOW + timedelta(minutes=2)
    )
    assert again.replayed and again.booking == booking
    assert Booking.objects.count() == 1


def test_a_late_accept_after_the_timeout_is_refused(bob, alice, dana, both_online):
    request = ask(bob)
    first = open_offer(request)
    services.dispatch_offer_expire(offer_id=first.pk, now=first.expires_at)
    before = state()
    with pytest.raises(services.OfferExpired) as refused:
        services.dispatch_offer_accept(
            coach_user=first.coach.user, offer_id=first.public_id, now=first.expires_at
        )
    assert (refused.value.status, refused.value.code) == (409, "offer_expired")
    assert state() == before
    assert not Booking.objects.exists()


def test_a_late_accept_before_the_worker_ran_is_refused_and_moves_the_request_on(
    bob, alice, dana, both_online
):
    request = ask(bob)
    first = open_offer(request)
    with pytest.raises(services.OfferExpired):
        services.dispatch_offer_accept(
            coach_user=first.coach.user,
            offer_id=first.public_id,
            now=first.expires_at + timedelta(seconds=1),
        )
    first.refresh_from_db()
    assert first.status == DispatchOffer.Status.EXPIRED  # recorded as the timeout it was
    assert open_offer(request).rank == 2
    assert not Booking.objects.exists()


def test_declining_asks_the_next_coach(bob, alice, dana, both_online):
    request = ask(bob)
    first = open_offer(request)
    declined = services.dispatch_offer_decline(
        coach_user=first.coach.user, offer_id=first.public_id, now=NOW + timedelta(seconds=30)
    )
    assert declined.status == DispatchOffer.Status.DECLINED
    second = open_offer(request)
    assert second.rank == 2
    assert second.offered_at == NOW + timedelta(seconds=30)
    # Declining twice is the same answer; accepting a declined offer is refused.
    before = state()
    services.dispatch_offer_decline(coach_user=first.coach.user, offer_id=first.public_id, now=NOW)
    with pytest.raises(services.OfferClosed):
        services.dispatch_offer_accept(
            coach_user=first.coach.user, offer_id=first.public_id, now=NOW
        )
    assert state() == before


def test_when_the_time_was_taken_meanwhile_the_offer_fails_and_the_next_coach_is_asked(
    bob, alice, dana, both_online
):
    request = ask(bob)
    first = open_offer(request)
    book_session(make_user("z@example.com", name="Z"), first.coach, first.session_type, SLOT)
    with pytest.raises(services.OfferFailed) as refused:
        services.dispatch_offer_accept(
            coach_user=first.coach.user, offer_id=first.public_id, now=NOW + timedelta(minutes=1)
        )
    assert (refused.value.status, refused.value.code) == (409, "slot_unavailable")
    first.refresh_from_db()
    assert (first.status, first.failure_code) == (DispatchOffer.Status.FAILED, "slot_unavailable")
    assert open_offer(request).rank == 2
    assert not Booking.objects.filter(client=bob).exists()


def test_another_coach_cannot_answer_an_offer(bob, alice, dana, charlie, both_online):
    request = ask(bob)
    offer = open_offer(request)
    other = dana if offer.coach.user == alice else alice
    before = state()
    for user in (other, charlie, bob):
        with pytest.raises(services.OfferNotFound):
            services.dispatch_offer_accept(coach_user=user, offer_id=offer.public_id, now=NOW)
        with pytest.raises(services.OfferNotFound):
            services.dispatch_offer_decline(coach_user=user, offer_id=offer.public_id, now=NOW)
    assert state() == before


# --- Withdrawal ---------------------------------------------------------------------------------


def test_the_client_can_withdraw_and_nobody_else_is_asked(bob, alice, dana, both_online):
    request = ask(bob)
    offer = open_offer(request)
    withdrawn = services.dispatch_request_withdraw(
        client=bob, request_id=request.public_id, now=NOW + timedelta(minutes=1)
    )
    assert withdrawn.status == DispatchRequest.Status.WITHDRAWN
    offer.refresh_from_db()
    assert offer.status == DispatchOffer.Status.WITHDRAWN
    assert events(offer.coach.user, "dispatch.offer")[-1]["status"] == "withdrawn"
    before = state()
    # Again: the same answer. The coach's accept now finds nothing to accept.
    services.dispatch_request_withdraw(client=bob, request_id=request.public_id, now=NOW)
    with pytest.raises(services.OfferClosed):
        services.dispatch_offer_accept(
            coach_user=offer.coach.user, offer_id=offer.public_id, now=NOW + timedelta(minutes=2)
        )
    services.dispatch_offer_expire(offer_id=offer.pk, now=offer.expires_at)
    assert state() == before


def test_a_booked_request_cannot_be_withdrawn(bob, alice, dana, both_online):
    request = ask(bob)
    offer = open_offer(request)
    services.dispatch_offer_accept(coach_user=offer.coach.user, offer_id=offer.public_id, now=NOW)
    before = state()
    with pytest.raises(services.RequestClosed):
        services.dispatch_request_withdraw(client=bob, request_id=request.public_id, now=NOW)
    assert state() == before


def test_a_stranger_cannot_withdraw_someone_elses_request(bob, charlie, alice, dana, both_online):
    request = ask(bob)
    before = state()
    with pytest.raises(services.RequestNotFound):
        services.dispatch_request_withdraw(client=charlie, request_id=request.public_id, now=NOW)
    assert state() == before


# --- Refused input ------------------------------------------------------------------------------


def test_one_request_at_a_time(bob, alice, dana, both_online):
    ask(bob)
    before = state()
    with pytest.raises(services.RequestActive):
        ask(bob)
    assert state() == before


def test_the_same_idempotency_key_replays_and_a_different_body_is_refused(
    bob, alice, dana, both_online
):
    first = services.dispatch_request_create(
        client=bob, specialty="leadership", duration_minutes=60, idempotency_key="k1", now=NOW
    )
    again = services.dispatch_request_create(
        client=bob, specialty="leadership", duration_minutes=60, idempotency_key="k1", now=NOW
    )
    assert not first.replayed and again.replayed
    assert again.request.pk == first.request.pk
    before = state()
    with pytest.raises(services.IdempotencyKeyReused):
        services.dispatch_request_create(
            client=bob, specialty="leadership", duration_minutes=30, idempotency_key="k1", now=NOW
        )
    assert state() == before


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"specialty": "leader\x00ship"}, "specialty", "nul_character"),
        ({"specialty": "x" * 61}, "specialty", "too_long"),
        ({"specialty": " "}, "specialty", "required"),
        ({"specialty": 7}, "specialty", "wrong_type"),
        ({"duration_minutes": "60"}, "duration_minutes", "wrong_type"),
        ({"duration_minutes": True}, "duration_minutes", "wrong_type"),
        ({"duration_minutes": 4}, "duration_minutes", "out_of_range"),
        ({"within_minutes": 121}, "within_minutes", "out_of_range"),
        ({"within_minutes": 10**40}, "within_minutes", "out_of_range"),
        ({"within_minutes": -1}, "within_minutes", "out_of_range"),
        ({"within_minutes": 15.0}, "within_minutes", "wrong_type"),
    ],
)
def test_bad_input_is_refused_with_a_field_code_and_creates_nothing(
    bob, alice, dana, both_online, given, field, code
):
    values = {"specialty": "leadership", "duration_minutes": 60, "within_minutes": 15}
    values.update(given)
    before = state()
    with pytest.raises(InvalidInput) as refused:
        services.dispatch_request_create(client=bob, now=NOW, **values)
    assert refused.value.status == 400
    assert refused.value.fields == {field: [code]}
    assert state() == before


def test_an_unknown_specialty_is_refused(bob, alice, dana, both_online):
    before = state()
    with pytest.raises(services.UnknownSpecialty) as refused:
        ask(bob, specialty="astrology")
    assert (refused.value.status, refused.value.code) == (400, "unknown_specialty")
    assert state() == before


@pytest.mark.parametrize("within", [0, 1])
def test_a_slot_starting_too_soon_to_answer_is_no_candidate(bob, alice, alice_coach, within):
    # 09:59:45: the 10:00 slot is 15 seconds away, too soon for the coach to answer and book
    # (a session cannot start in the past); the next one, 10:30, is outside the window.
    online(alice)
    request = ask(bob, now=SLOT - timedelta(seconds=15), within=within)
    assert request.candidates == []
    assert request.status == DispatchRequest.Status.EXHAUSTED


# --- The database's promises --------------------------------------------------------------------


def test_the_database_refuses_a_second_open_or_accepted_offer(bob, alice, dana, both_online):
    from django.db import IntegrityError, transaction

    request = ask(bob)
    first = open_offer(request)
    [other] = [c for c in request.candidates if c["coach"] != first.coach_id]
    second = {
        "request": request,
        "coach_id": other["coach"],
        "session_type_id": other["session_type"],
        "start": SLOT,
        "rank": 2,
        "offered_at": NOW,
        "expires_at": NOW + timedelta(minutes=5),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        DispatchOffer.objects.create(**second)  # a second coach asked at the same time
    DispatchOffer.objects.filter(pk=first.pk).update(status="accepted", answered_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        DispatchOffer.objects.create(**second, status="accepted", answered_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        DispatchRequest.objects.filter(pk=request.pk).update(status="accepted")  # no booking
