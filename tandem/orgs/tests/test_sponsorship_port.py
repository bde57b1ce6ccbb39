"""The sponsor port: every rule that decides whether a programme pays for a session.

Each refusal answers None and writes nothing (no sponsored session, no first-session date).
Bookings are rows made directly (the booking service is exercised by the race tests); the
ledger budget is funded through the ledger's own `post`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.coaches.models import CoachProfile, SessionType, Specialty
from tandem.orgs.models import Participant, Programme, SponsoredSession
from tandem.orgs.sponsorship import port as port_module
from tandem.orgs.sponsorship.budget import budget_left
from tandem.orgs.sponsorship.port import sponsor_port
from tandem.orgs.tests.conftest import NOW, make_programme, seat
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.sponsors import services as sponsor_services
from tandem.payments.sponsors.port import SponsorOffer
from tandem.payments.sponsors.port import port as registered_port

PRICE = 8000  # minor units: 80.00 EUR
SESSION_START = NOW + timedelta(days=2)


# --- helpers (the other sponsorship tests use them too) ----------------------------------------


def fund(programme: Programme, amount: int, *, key: str | None = None) -> None:
    """Put `amount` into the programme's ledger budget (payments' funding service, invoiced)."""
    sponsor_services.fund(
        budget_owner=programme.budget_owner,
        org_owner=f"org:{programme.organisation_id}",
        amount=amount,
        currency=programme.currency,
        method="invoice",
        actor=None,
        now=NOW,
        idempotency_key=key,
    )


def spend(programme: Programme, booking: Booking, amount: int) -> None:
    """What checkout posts after a claim, for claims made here without checkout: the price
    out of the budget (inside the caller's transaction)."""
    ledger.post(
        reason="payment_take",
        correlation_key=f"test-spend:{booking.pk}",
        legs=[
            (accounts.sponsor_budget(programme.budget_owner, programme.currency), amount),
            (accounts.coach_payable(booking.coach, programme.currency), -amount),
        ],
    )


def make_booking(client: Any, session_type: SessionType, start: Any = SESSION_START) -> Booking:
    end = start + timedelta(minutes=session_type.duration_minutes)
    return Booking.objects.create(
        coach=session_type.coach,
        client=client,
        session_type=session_type,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        price=session_type.price,
        currency=session_type.currency,
        created_at=NOW,
        updated_at=NOW,
    )


def claim(client: Any, session_type: SessionType, *, start: Any = SESSION_START,
          price: int = PRICE, currency: str = "EUR") -> SponsorOffer | None:  # fmt: skip
    with transaction.atomic():
        booking = make_booking(client, session_type, start)
        offer = sponsor_port.claim(
            client=client,
            coach=session_type.coach,
            session_type=session_type,
            booking=booking,
            price=price,
            currency=currency,
            now=NOW,
        )
        if offer is not None:
            spend(Programme.objects.get(public_id=offer.programme_id), booking, price)
        else:
            # Refused: nothing was written for it (checked before the rollback, which only
            # frees the test booking's time for the next one).
            assert not SponsoredSession.objects.filter(booking=booking).exists()
            assert Participant.objects.filter(first_session_at=booking.start).count() == 0
            transaction.set_rollback(True)
        return offer


def offer(client: Any, session_type: SessionType, *, price: int = PRICE,
          currency: str = "EUR") -> SponsorOffer | None:  # fmt: skip
    return sponsor_port.offer(
        client=client,
        coach=session_type.coach,
        session_type=session_type,
        price=price,
        currency=currency,
        now=NOW,
    )


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def funded(programme: Programme) -> Programme:
    fund(programme, 100_000)
    return programme


@pytest.fixture
def bob_seat(funded: Programme, bob: Any, coach: CoachProfile) -> Participant:
    return seat(funded, bob, coach=coach)


# --- the happy path -----------------------------------------------------------------------------


def test_orgs_registers_the_port():
    assert registered_port() is sponsor_port


def test_an_active_seat_with_the_chosen_coach_is_covered(bob, bob_seat, session_type, funded):
    quoted = offer(bob, session_type)
    assert quoted == SponsorOffer(
        programme_id=funded.public_id,
        sponsor_name="Northwind Traders",
        budget_owner=funded.budget_owner,
        currency="EUR",
        programme_name="Leadership 2030",
    )
    assert quoted.covered_by == "Northwind Traders (Leadership 2030)"
    claimed = claim(bob, session_type)
    assert claimed == quoted
    session = SponsoredSession.objects.get()
    assert (session.programme, session.participant, session.amount, session.returned) == (
        funded,
        bob_seat,
        PRICE,
        0,
    )
    bob_seat.refresh_from_db()
    assert bob_seat.first_session_at == SESSION_START
    assert budget_left(funded) == 100_000 - PRICE


def test_before_choosing_a_coach_any_eligible_coach_is_covered(bob, funded, session_type):
    seat(funded, bob)  # no coach chosen yet; the rule is "all verified"
    assert offer(bob, session_type) is not None
    assert claim(bob, session_type) is not None


def test_listed_and_specialty_rules(bob, funded, session_type, coach, charlie):
    seat(funded, bob)
    funded.coach_rule = Programme.CoachRule.LISTED
    funded.save()
    assert offer(bob, session_type) is None
    funded.coaches.add(coach)
    assert offer(bob, session_type) is not None

    funded.coach_rule = Programme.CoachRule.SPECIALTY
    funded.save()
    careers = Specialty.objects.create(slug="careers", name="Careers")
    funded.specialties.add(careers)
    assert offer(bob, session_type) is None
    coach.specialties.add(careers)
    assert offer(bob, session_type) is not None


def test_an_unverified_coach_is_not_eligible(bob, funded, session_type, coach):
    seat(funded, bob)
    CoachProfile.objects.filter(pk=coach.pk).update(is_verified=False)
    session_type.coach.refresh_from_db()
    assert offer(bob, session_type) is None


def test_several_programmes_the_one_ending_first_pays(bob, northwind, coach, session_type):
    later = make_programme(northwind, name="Later", ends_on=date(2030, 12, 31))
    sooner = make_programme(northwind, name="Sooner", ends_on=date(2030, 6, 30))
    for p in (later, sooner):
        fund(p, 50_000)
        seat(p, bob, coach=coach)
    assert offer(bob, session_type).programme_id == sooner.public_id
    assert claim(bob, session_type).programme_id == sooner.public_id
    # When the sooner one cannot pay, the later one does.
    Participant.objects.filter(programme=sooner).update(status=Participant.Status.PAUSED)
    assert claim(bob, session_type, start=SESSION_START + timedelta(days=1)).programme_id == (
        later.public_id
    )


# --- every refusal: None, and nothing written ---------------------------------------------------


def _refused(bob: Any, session_type: SessionType, **kwargs: Any) -> None:
    before = (
        SponsoredSession.objects.count(),
        list(Participant.objects.values_list("first_session_at", flat=True)),
    )
    assert offer(bob, session_type, **{k: v for k, v in kwargs.items() if k != "start"}) is None
    assert claim(bob, session_type, **kwargs) is None
    after = (
        SponsoredSession.objects.count(),
        list(Participant.objects.values_list("first_session_at", flat=True)),
    )
    assert before == after


@pytest.mark.parametrize("status", [Participant.Status.PAUSED, Participant.Status.REMOVED,
                                    Participant.Status.INVITED])  # fmt: skip
def test_a_seat_that_is_not_active_is_not_covered(bob, bob_seat, session_type, status):
    Participant.objects.filter(pk=bob_seat.pk).update(status=status)
    _refused(bob, session_type)


def test_an_ended_programme_pays_nothing(bob, bob_seat, funded, session_type):
    Programme.objects.filter(pk=funded.pk).update(status=Programme.Status.ENDED)
    _refused(bob, session_type)


def test_a_session_outside_the_programme_dates_is_not_covered(bob, bob_seat, funded, session_type):
    Programme.objects.filter(pk=funded.pk).update(ends_on=date(2030, 3, 7))
    # The session on 8 March is after the end (the quote, not knowing the date, says yes).
    assert claim(bob, session_type) is None
    Programme.objects.filter(pk=funded.pk).update(ends_on=date(2030, 3, 5))
    _refused(bob, session_type)  # over before today
    assert SponsoredSession.objects.count() == 0


def test_a_programme_starting_later_covers_sessions_from_its_start(
    bob, bob_seat, funded, session_type
):
    Programme.objects.filter(pk=funded.pk).update(starts_on=date(2030, 3, 10))
    assert offer(bob, session_type) is not None  # it will cover sessions from the 10th
    assert claim(bob, session_type) is None  # the 8th is before its start
    assert claim(bob, session_type, start=NOW + timedelta(days=5)) is not None


def test_another_coach_than_the_chosen_one_is_not_covered(bob, bob_seat, session_type, charlie):
    other = make_coach(charlie, slug="charlie")
    _refused(bob, make_type(other))


def test_a_session_longer_than_allowed_is_not_covered(bob, bob_seat, funded, coach):
    Programme.objects.filter(pk=funded.pk).update(max_session_minutes=45)
    _refused(bob, make_type(coach, duration_minutes=60))
    assert offer(bob, make_type(coach, name="Short", duration_minutes=45)) is not None


def test_a_session_in_the_wrong_place_is_not_covered(bob, bob_seat, funded, coach):
    Programme.objects.filter(pk=funded.pk).update(location=Programme.Location.VIDEO)
    _refused(bob, make_type(coach, location_kind=SessionType.Location.IN_PERSON))
    Programme.objects.filter(pk=funded.pk).update(location=Programme.Location.IN_PERSON)
    assert offer(bob, make_type(coach, name="In person", location_kind="in_person")) is not None


def test_another_currency_is_not_covered(bob, bob_seat, coach):
    usd = make_type(coach, currency="USD", price=Decimal("80.00"))
    _refused(bob, usd, currency="USD")


def test_no_sessions_left(bob, bob_seat, funded, session_type):
    Programme.objects.filter(pk=funded.pk).update(sessions_per_participant=2)
    assert claim(bob, session_type) is not None
    assert claim(bob, session_type, start=SESSION_START + timedelta(days=1)) is not None
    _refused(bob, session_type, start=SESSION_START + timedelta(days=3))


def test_a_budget_short_of_the_price_pays_nothing(bob, northwind, coach, session_type):
    small = make_programme(northwind, name="Small")
    fund(small, PRICE + 100)
    seat(small, bob, coach=coach)
    assert claim(bob, session_type) is not None
    assert budget_left(small) == 100
    _refused(bob, session_type, start=SESSION_START + timedelta(days=1))
    _refused(bob, session_type, start=SESSION_START + timedelta(days=1), price=101)


def test_a_programme_with_no_budget_pays_nothing(bob, programme, coach, session_type):
    seat(programme, bob, coach=coach)
    _refused(bob, session_type)


def test_nobody_signed_in_and_a_stranger_get_nothing(charlie, bob_seat, session_type):
    assert offer(charlie, session_type) is None
    assert sponsor_port.offer(
        client=None, coach=session_type.coach, session_type=session_type, price=PRICE,
        currency="EUR", now=NOW,
    ) is None  # fmt: skip


# --- returned ----------------------------------------------------------------------------------


def test_a_session_given_back_whole_no_longer_counts(bob, bob_seat, funded, session_type):
    Programme.objects.filter(pk=funded.pk).update(sessions_per_participant=1)
    assert claim(bob, session_type) is not None
    session = SponsoredSession.objects.get()
    with transaction.atomic():
        sponsor_port.returned(booking=session.booking, amount=PRICE // 2, now=NOW)
    session.refresh_from_db()
    assert session.returned == PRICE // 2
    _refused(bob, session_type, start=SESSION_START + timedelta(days=1))  # half back: still used
    with transaction.atomic():
        sponsor_port.returned(booking=session.booking, amount=PRICE, now=NOW)  # capped
    session.refresh_from_db()
    assert session.returned == PRICE
    assert offer(bob, session_type) is not None


def test_returned_for_a_booking_nobody_sponsored_changes_nothing(bob, session_type):
    booking = make_booking(bob, session_type)
    with transaction.atomic():
        sponsor_port.returned(booking=booking, amount=PRICE, now=NOW)
    assert SponsoredSession.objects.count() == 0


# --- budget alerts after commit, never breaking a booking --------------------------------------


def test_budget_checked_runs_after_commit_and_its_failure_is_contained(
    bob, bob_seat, funded, session_type, monkeypatch, django_capture_on_commit_callbacks
):
    calls: list[tuple[int, Any]] = []

    def fake(programme_id: int, now: Any) -> None:
        calls.append((programme_id, now))
        raise NotImplementedError

    monkeypatch.setattr(port_module.notify, "budget_checked", fake)
    with django_capture_on_commit_callbacks(execute=True):
        assert claim(bob, session_type) is not None
    assert calls == [(funded.pk, NOW)]

    def broken(programme_id: int, now: Any) -> None:
        raise RuntimeError("mail server down")

    monkeypatch.setattr(port_module.notify, "budget_checked", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert claim(bob, session_type, start=SESSION_START + timedelta(days=1)) is not None
    assert SponsoredSession.objects.count() == 2
