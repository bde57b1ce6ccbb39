"""The reporting gate (orgs/reporting/selectors.py): every figure a sponsor sees, suppressed
under 5 participants, the easy subtractions defeated, a constant number of queries."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from conftest import make_user
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.orgs.models import Participant, Programme, SponsoredSession, SurveyResponse
from tandem.orgs.reporting.selectors import (
    HIDDEN,
    SUPPRESSED_TEXT,
    Figure,
    programme_report,
)
from tandem.payments.ledger import services as ledger
from tandem.payments.models import Account
from tandem.workspace.models import Engagement, Goal

from .conftest import NOW, seat

_slots = itertools.count()


def make_participants(
    programme: Programme,
    n: int,
    coach: CoachProfile | None = None,
    *,
    status: str = Participant.Status.ACTIVE,
    prefix: str = "p",
) -> list[Participant]:
    """`n` people holding a seat (accepted at NOW - 30 days)."""
    made = []
    for _ in range(n):
        k = next(_slots)
        user = make_user(f"{prefix}{k}@example.com", name=f"Person {prefix.upper()}{k} Zed")
        person = seat(programme, user, status=status, coach=coach)
        Participant.objects.filter(pk=person.pk).update(accepted_at=NOW - timedelta(days=30))
        person.refresh_from_db()
        made.append(person)
    return made


def sponsor(
    programme: Programme,
    person: Participant,
    session_type: SessionType,
    *,
    days: float,
    status: str = Booking.Status.COMPLETED,
    amount: int = 8000,
) -> Booking:
    """A sponsored session of `person` starting `days` after NOW (negative: in the past);
    each at its own hour so no two of the coach's bookings overlap."""
    start = NOW + timedelta(days=days, minutes=90 * (next(_slots) % 8))
    assert person.user is not None
    booking = Booking.objects.create(
        coach=session_type.coach,
        client=person.user,
        session_type=session_type,
        start=start,
        end=start + timedelta(minutes=60),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=60),
        status=status,
    )
    SponsoredSession.objects.create(
        programme=programme,
        participant=person,
        booking=booking,
        amount=amount,
        returned=amount if status == Booking.Status.CANCELLED else 0,
    )
    return booking


def fund(programme: Programme, amount: int) -> None:
    with transaction.atomic():
        budget = ledger.account(
            Account.Kind.SPONSOR_BUDGET, programme.currency, owner=programme.budget_owner
        )
        clearing = ledger.account(
            Account.Kind.PROVIDER_CLEARING, programme.currency, owner="manual"
        )
        ledger.post(
            reason="sponsor_fund",
            correlation_key=f"test-fund:{programme.pk}:{amount}",
            legs=[(clearing, amount), (budget, -amount)],
            now=NOW,
        )


def goals_for(people: list[Participant], progress: list[int]) -> None:
    for person, value in zip(people, progress, strict=True):
        engagement, _ = Engagement.objects.get_or_create(coach=person.coach, client=person.user)
        Goal.objects.create(engagement=engagement, title="secret goal", progress=value)


@pytest.fixture
def report_of():
    def make(programme: Programme, **extra: Any):
        programme.refresh_from_db()
        return programme_report(programme, now=NOW, zone=extra.pop("zone", "Europe/London"))

    return make


# --- suppression --------------------------------------------------------------------------------


def test_four_participants_suppress_every_session_figure_five_show_them(
    programme, coach, session_type, report_of
):
    people = make_participants(programme, 4, coach)
    for person in people:
        sponsor(programme, person, session_type, days=-10)
        sponsor(programme, person, session_type, days=+10, status=Booking.Status.CONFIRMED)
    report = report_of(programme)
    s = report.sessions
    assert all(f.suppressed for f in (s.booked, s.held, s.upcoming, s.cancelled, s.no_show))
    assert report.participants.active == HIDDEN and report.participants.seats_used == HIDDEN
    assert str(report.participants.active) == SUPPRESSED_TEXT == "fewer than 5"
    assert report.days_to_first_session.suppressed
    assert report.cost_per_held_session.suppressed and report.seat_utilisation.suppressed

    fifth = make_participants(programme, 1, coach)[0]
    sponsor(programme, fifth, session_type, days=-9)
    sponsor(programme, fifth, session_type, days=+11, status=Booking.Status.CONFIRMED)
    report = report_of(programme)
    s = report.sessions
    assert (s.booked, s.held, s.upcoming) == (Figure(10), Figure(5), Figure(5))
    # nobody of the 5 cancelled or missed a session: a zero over the whole group is shown
    assert (s.cancelled, s.no_show) == (Figure(0), Figure(0))
    assert report.participants.active == Figure(5) and report.participants.seats_used == Figure(5)
    # accepted 30 days ago, first session about 10 days ago (each at its own hour)
    assert 20 <= report.days_to_first_session.value < 21
    assert report.seat_utilisation == Figure(25.0)  # 5 of 20 seats
    assert report.session_utilisation == Figure(round(100 * 5 / 30, 1))  # 5 of 5 x 6


def test_a_small_group_inside_a_large_one_is_suppressed_with_its_complement(
    programme, coach, session_type, report_of
):
    people = make_participants(programme, 12, coach)
    for person in people:
        sponsor(programme, person, session_type, days=-20)
    for person in people[:6]:
        sponsor(programme, person, session_type, days=+5, status=Booking.Status.CONFIRMED)
    for person in people[:2]:  # two people missed a session: not shown
        sponsor(programme, person, session_type, days=-3, status=Booking.Status.NO_SHOW)
    report = report_of(programme)
    s = report.sessions
    assert s.no_show.suppressed
    # held (12) + upcoming (6) + no-show (hidden) is roughly what the budget's money counts:
    # the smaller of the others is hidden too, so no subtraction gives the no-shows
    assert s.upcoming.suppressed and s.held == Figure(12)
    assert s.cancelled == Figure(0) and s.booked == Figure(20)
    # the no-shows are a small group; the upcoming ones are not: "withheld", not "fewer than 5"
    assert (str(s.no_show), str(s.upcoming)) == ("fewer than 5", "withheld")


def test_suppressed_cancellations_hide_the_booked_total(programme, coach, session_type, report_of):
    people = make_participants(programme, 8, coach)
    for person in people:
        sponsor(programme, person, session_type, days=-20)
    sponsor(programme, people[0], session_type, days=-4, status=Booking.Status.CANCELLED)
    report = report_of(programme)
    assert report.sessions.cancelled.suppressed and report.sessions.booked.suppressed
    assert (str(report.sessions.cancelled), str(report.sessions.booked)) == (
        "fewer than 5",
        "withheld",
    )
    assert report.sessions.held == Figure(8)


def test_paused_under_five_hides_active_too(programme, coach, report_of):
    make_participants(programme, 9, coach)
    make_participants(programme, 2, coach, status=Participant.Status.PAUSED)
    p = report_of(programme).participants
    assert p.paused.suppressed and p.active.suppressed and p.seats_used == Figure(11)
    assert p.invited == Figure(0)


# --- goal progress --------------------------------------------------------------------------------


def test_goal_progress_bands_merge_under_five_and_suppress_under_five_people(
    programme, coach, report_of
):
    people = make_participants(programme, 12, coach)
    goals_for(people[:4], [10, 20, 30, 90])
    assert report_of(programme).goal_progress.suppressed
    # 12 people: 0-25: 6, 25-50: 1, 50-75: 0, 75-100: 5
    goals_for(people[4:], [5, 15, 24, 3, 30, 80, 95, 100])
    bands = report_of(programme).goal_progress.bands
    assert [(b.low, b.high, b.people) for b in bands] == [(0, 25, 6), (25, 100, 6)]
    assert all(b.people >= 5 for b in bands)


def test_goal_progress_reads_only_the_engagement_with_the_programme_coach(
    programme, coach, report_of, bob
):
    from tandem.booking.tests.conftest import make_coach

    people = make_participants(programme, 5, coach)
    goals_for(people, [80, 80, 80, 80, 80])
    other = make_coach(bob, slug="bob-coach")
    for person in people:  # goals with another coach are not the programme's business
        engagement = Engagement.objects.create(coach=other, client=person.user)
        Goal.objects.create(engagement=engagement, title="private", progress=0)
    bands = report_of(programme).goal_progress.bands
    assert [(b.low, b.high, b.people) for b in bands][-1] == (75, 100, 5)


# --- trend, budget, survey ------------------------------------------------------------------------


def test_trend_by_month_in_the_viewers_zone_with_small_months_suppressed(
    programme, coach, session_type, report_of
):
    people = make_participants(programme, 6, coach)
    for person in people:  # February 2030: 6 people
        sponsor(programme, person, session_type, days=-20)
    for person in people[:3]:  # January: 3 people
        sponsor(programme, person, session_type, days=-50)
    report = report_of(programme)
    months = {m.month: m.held for m in report.trend}
    assert list(months) == [date(2030, 1, 1), date(2030, 2, 1), date(2030, 3, 1)]
    assert months[date(2030, 1, 1)].suppressed
    # January is hidden, and the months add up to sessions held: another month goes too
    assert months[date(2030, 2, 1)].suppressed and months[date(2030, 3, 1)] == Figure(0)
    assert report.sessions.held == Figure(9)


def test_budget_figures_come_from_the_ledger(programme, coach, session_type, report_of):
    fund(programme, 100_000)
    report = report_of(programme)
    assert (report.budget.funded, report.budget.spent, report.budget.remaining) == (
        100_000,
        0,
        100_000,
    )
    assert report.held_per_1000.suppressed


def test_survey_needs_five_answers_in_each_phase(programme, coach, report_of):
    assert report_of(programme).survey is None
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    people = make_participants(programme, 6, coach)
    for person in people:
        SurveyResponse.objects.create(
            participant=person, phase="start", clarity=2, confidence=3, wellbeing=1
        )
    for person in people[:4]:
        SurveyResponse.objects.create(
            participant=person, phase="end", clarity=4, confidence=4, wellbeing=5
        )
    survey = report_of(programme).survey
    assert survey.start.respondents == Figure(6) and survey.start.clarity == Figure(2.0)
    assert survey.end.respondents.suppressed and survey.end.clarity.suppressed


# --- cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 40])
def test_the_report_costs_the_same_queries_whatever_the_size(
    n, programme, coach, session_type, django_assert_num_queries
):
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    programme.refresh_from_db()
    people = make_participants(programme, n, coach)
    goals_for(people, [i * 2 % 100 for i in range(n)])
    for i, person in enumerate(people):
        sponsor(programme, person, session_type, days=-(i % 60) - 1)
        SurveyResponse.objects.create(
            participant=person, phase="start", clarity=2, confidence=3, wellbeing=1
        )
    programme = Programme.objects.select_related("organisation").get(pk=programme.pk)
    with django_assert_num_queries(7):
        programme_report(programme, now=NOW, zone="Europe/London")
