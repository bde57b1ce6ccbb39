"""The Book now ranking model (pure: no database, no Django)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tandem.dispatch.scoring import (
    NEUTRAL,
    WEIGHTS,
    CoachFacts,
    PastOffer,
    fit,
    rank,
    rating_value,
    response,
    soonness,
)

NOW = datetime(2027, 3, 1, 9, 50, tzinfo=UTC)
WINDOW = timedelta(minutes=30)


def facts(coach_id: int, **extra) -> CoachFacts:
    base = CoachFacts(
        coach_id=coach_id,
        session_type_id=coach_id * 10,
        start=NOW + timedelta(minutes=10),
        specialties=1,
        rating=None,
        bookings_that_day=0,
        history=(),
    )
    return replace(base, **extra)


def accepted(seconds: float) -> PastOffer:
    return PastOffer(accepted=True, seconds_to_answer=seconds, window_seconds=300)


def declined(seconds: float) -> PastOffer:
    return PastOffer(accepted=False, seconds_to_answer=seconds, window_seconds=300)


TIMED_OUT = PastOffer(accepted=False, seconds_to_answer=None, window_seconds=300)


def test_weights_sum_to_one():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_specialists_fit_better_than_generalists():
    assert fit(1) == 1.0
    assert fit(2) == pytest.approx(0.8)
    assert fit(5) == pytest.approx(0.5)
    assert fit(0) == 1.0  # never below one: the coach has at least the one asked for


def test_rating_is_neutral_without_reviews_and_scales_stars():
    assert rating_value(None) == NEUTRAL
    assert rating_value(1) == 0.0
    assert rating_value(5) == 1.0
    assert rating_value(3) == 0.5
    assert rating_value(9) == 1.0  # clamped


def test_soonness_falls_over_the_window():
    assert soonness(NOW, NOW, WINDOW) == 1.0
    assert soonness(NOW + timedelta(minutes=15), NOW, WINDOW) == pytest.approx(0.5)
    assert soonness(NOW + timedelta(minutes=30), NOW, WINDOW) == 0.0
    assert soonness(NOW + timedelta(minutes=5), NOW, timedelta(0)) == 1.0  # "now": all equal


def test_response_without_history_is_neutral():
    assert response(()) == pytest.approx(NEUTRAL)


def test_response_rewards_accepting_and_answering_fast():
    fast_yes = response((accepted(10),) * 5)
    slow_yes = response((accepted(290),) * 5)
    fast_no = response((declined(10),) * 5)
    ignored = response((TIMED_OUT,) * 5)
    assert fast_yes > slow_yes > NEUTRAL
    assert fast_yes > fast_no
    assert ignored < fast_no < NEUTRAL  # a quick "no" beats silence: the client waits less
    assert ignored > 0  # smoothing: five offers never make a coach hopeless


def test_response_smoothing_keeps_one_offer_from_deciding():
    assert NEUTRAL < response((accepted(0),)) < response((accepted(0),) * 10) < 1


def test_rank_orders_by_score_then_earlier_slot_then_coach():
    later = facts(1, start=NOW + timedelta(minutes=20))
    sooner = facts(2)
    twin = facts(3)
    ranked = rank([later, twin, sooner], now=NOW, window=WINDOW, limit=10)
    assert [r.coach_id for r in ranked] == [2, 3, 1]
    assert ranked[0].score == ranked[1].score > ranked[2].score


def test_rank_prefers_responsive_quiet_well_rated_coaches():
    busy = facts(1, bookings_that_day=4)
    ignores = facts(2, history=(TIMED_OUT,) * 6)
    generalist = facts(3, specialties=4)
    star = facts(4, rating=5.0, history=(accepted(20),) * 6)
    plain = facts(5)
    ranked = rank([busy, ignores, generalist, star, plain], now=NOW, window=WINDOW, limit=10)
    assert ranked[0].coach_id == 4
    assert ranked[1].coach_id == 5
    assert {r.coach_id for r in ranked[2:]} == {1, 2, 3}
    for r in ranked:
        assert 0 <= r.score <= 100
        assert set(r.components) == set(WEIGHTS)


def test_rank_keeps_the_best_limit():
    coaches = [facts(n, bookings_that_day=n % 4) for n in range(1, 30)]
    ranked = rank(coaches, now=NOW, window=WINDOW, limit=5)
    assert len(ranked) == 5
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_a_perfect_coach_scores_100_and_the_worst_nearly_nothing():
    perfect = facts(
        1, start=NOW, rating=5.0, history=(accepted(0),) * 1000, specialties=1, bookings_that_day=0
    )
    worst = facts(
        2, start=NOW + WINDOW, rating=1.0, history=(TIMED_OUT,) * 1000, bookings_that_day=9
    )
    best, last = rank([worst, perfect], now=NOW, window=WINDOW, limit=2)
    assert best.coach_id == 1 and best.score == pytest.approx(100, abs=0.1)
    assert last.coach_id == 2 and last.score < 20  # only its specialty fit is left
