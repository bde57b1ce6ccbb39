"""The recommendation model (pure: no database, no Django).

Dates are fixed: 2027-03-01 is a Monday; New York springs forward on 2027-03-14.
"""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tandem.booking.recommend.scoring import (
    DAY_PARTS,
    Candidate,
    Context,
    Preferences,
    Scored,
    TimeWindow,
    curve,
    quietness,
    score_slots,
    soonness,
    spacing,
    time_fit,
)

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # Monday 08:00 UTC
MORNING = (DAY_PARTS["morning"],)
# For tests of zone arithmetic around midnight: a client awake at any hour.
ALL_DAY = TimeWindow(0, 1440)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def slot(start: datetime, minutes: int = 60) -> Candidate:
    return Candidate(start, start + timedelta(minutes=minutes))


def ctx(**kwargs) -> Context:
    return Context(**{"coach_tz": "UTC", **kwargs})


def one(candidate: Candidate, prefs: Preferences, context: Context | None = None) -> Scored:
    (result,) = score_slots([candidate], prefs, context or ctx(), NOW, 1)
    return result


def codes(result: Scored) -> list[str]:
    return [r.code for r in result.reasons]


# --- Components ------------------------------------------------------------------------------


def at(hour: int, minute: int = 0, zone: str = "UTC") -> datetime:
    return datetime(2027, 3, 2, hour, minute, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(9), 1.0),  # 09:00-10:00 inside 09-12
        (at(11), 1.0),  # ends exactly at 12:00
        (at(11, 30), 0.7),  # half inside: 0.4 + 0.6 * 0.5
        (at(12), 0.4),  # touching the edge from outside
        (at(13, 30), 0.2),  # 90 minutes after the window: halfway down
        (at(15), 0.0),  # 3 hours away and beyond
        (at(8), 0.4),  # 08:00-09:00 ends where the window starts
        (at(7), 0.4 * 2 / 3),  # an hour before it
    ],
)
def test_time_fit_inside_partial_and_near(start: datetime, expected: float) -> None:
    assert time_fit(start, 60, MORNING) == pytest.approx(expected)


def test_time_fit_night_wraps_midnight_and_sessions_cross_it() -> None:
    night = (DAY_PARTS["night"],)  # 21:00-06:00
    assert time_fit(at(23, 30), 60, night) == 1.0  # 23:30-00:30 across midnight
    assert time_fit(at(5, 30), 60, night) == pytest.approx(0.7)  # 05:30-06:30
    assert time_fit(at(2), 60, night) == 1.0
    assert time_fit(at(12), 60, night) == 0.0


def test_time_fit_explicit_ranges_and_overlapping_windows_count_once() -> None:
    windows = (TimeWindow(9 * 60, 10 * 60), TimeWindow(9 * 60 + 30, 11 * 60))
    assert time_fit(at(9, 30), 60, windows) == 1.0
    assert time_fit(at(10, 30), 60, windows) == pytest.approx(0.7)
    # A window ending at 24:00 and one starting at 00:00 join across midnight.
    late_and_early = (TimeWindow(22 * 60, 1440), TimeWindow(0, 60))
    assert time_fit(at(23, 30), 60, late_and_early) == 1.0


def test_soonness_halves_every_half_life_per_urgency() -> None:
    assert soonness(0, "normal") == 1.0
    assert soonness(7 * 24, "normal") == pytest.approx(0.5)
    assert soonness(14 * 24, "low") == pytest.approx(0.5)
    assert soonness(2 * 24, "high") == pytest.approx(0.5)
    assert soonness(4 * 24, "high") == pytest.approx(0.25)
    assert soonness(-5, "high") == 1.0  # never above 1


@pytest.mark.parametrize(
    ("gap_days", "after", "before"),
    [
        (0.0, 0.0, 0.0),
        (1.0, 0.0, 0.0),
        (4.0, 0.5, 0.5),
        (7.0, 1.0, 1.0),
        (14.0, 1.0, 1.0),
        (21.0, 0.9, 1.0),
        (28.0, 0.8, 1.0),
        (90.0, 0.8, 1.0),
    ],
)
def test_spacing_curves(gap_days: float, after: float, before: float) -> None:
    start = utc(2027, 3, 20, 10)
    gap = timedelta(days=gap_days)
    assert spacing(start, start - gap, None) == pytest.approx((after, "after", gap_days))
    assert spacing(start, None, start + gap) == pytest.approx((before, "before", gap_days))


def test_spacing_takes_the_tighter_side_and_is_absent_without_sessions() -> None:
    start = utc(2027, 3, 20, 10)
    # 8 days after the last session but 2 days before the next: the next one binds.
    value, side, gap = spacing(start, start - timedelta(days=8), start + timedelta(days=2))  # type: ignore[misc]
    assert (side, gap) == ("before", 2.0)
    assert value == pytest.approx(curve(((1.0, 0.0), (7.0, 1.0)), 2.0))
    assert spacing(start, None, None) is None
    result = one(slot(start), Preferences())
    assert "spacing" not in result.components


def test_spacing_uses_the_nearest_sessions_on_each_side_of_each_candidate() -> None:
    sessions = (utc(2027, 2, 1, 10), utc(2027, 3, 5, 10), utc(2027, 3, 26, 10))
    context = ctx(client_sessions=tuple(reversed(sessions)))  # any order
    assert context.nearest(utc(2027, 3, 12, 10)) == (sessions[1], sessions[2])
    assert context.nearest(utc(2027, 3, 1, 10)) == (sessions[0], sessions[1])
    assert context.nearest(utc(2027, 4, 1, 10)) == (sessions[2], None)
    # 7 days after the 5th and 14 before the 26th: a perfect rhythm.
    result = one(slot(utc(2027, 3, 12, 10)), Preferences(), context)
    assert result.components["spacing"] == 1.0
    assert {"code": "spaced", "text": "7 days after your last session"} in [
        {"code": r.code, "text": r.text} for r in result.reasons
    ]


def test_quietness_falls_with_the_coachs_load() -> None:
    assert [quietness(n) for n in range(6)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]


def test_load_is_counted_on_the_coachs_local_date() -> None:
    # 20:00 UTC on Monday is already Tuesday in Kolkata (+05:30), where the coach is booked.
    context = ctx(coach_tz="Asia/Kolkata", load_by_local_date={date(2027, 3, 2): 2})
    busy = one(slot(utc(2027, 3, 1, 20)), Preferences(), context)
    free = one(slot(utc(2027, 3, 1, 17)), Preferences(), context)  # 22:30 Monday in Kolkata
    assert busy.components["load"] == 0.5
    assert free.components["load"] == 1.0
    assert "quiet_day" in codes(free)


def test_preferred_day_is_the_weekday_in_the_clients_zone() -> None:
    prefs = Preferences(tz="Asia/Kolkata", preferred_days=frozenset({1}), waking=ALL_DAY)
    # Day 1 is Tuesday. Monday 19:00 UTC is Tuesday 00:30 in Kolkata.
    result = one(slot(utc(2027, 3, 1, 19)), prefs)
    assert result.components["day"] == 1.0
    assert {"code": "preferred_day", "text": "Tuesday is one of your preferred days"} in [
        {"code": r.code, "text": r.text} for r in result.reasons
    ]
    assert one(slot(utc(2027, 3, 1, 17)), prefs).components["day"] == 0.0


# --- The weighted sum --------------------------------------------------------------------------


def test_score_is_the_weighted_mean_of_the_components() -> None:
    prefs = Preferences(preferred_times=MORNING, preferred_days=frozenset({2}))  # Wednesday
    start = utc(2027, 3, 3, 8)  # Wednesday 08:00 UTC, 48 h from now
    context = ctx(
        client_sessions=(start - timedelta(days=7),),
        load_by_local_date={date(2027, 3, 3): 2},
    )
    result = one(slot(start), prefs, context)
    # time 0.4 (08:00-09:00 touches the morning), day 1, soon 0.5^(2/7), spacing 1, load 0.5.
    soon = 0.5 ** (2 / 7)
    expected = 0.30 * 0.4 + 0.20 * 1 + 0.20 * soon + 0.15 * 1 + 0.15 * 0.5
    assert result.score == round(100 * expected, 1) == 70.9
    assert result.components == pytest.approx(
        {"time": 0.4, "day": 1.0, "soon": soon, "spacing": 1.0, "load": 0.5}
    )


def test_components_without_information_are_left_out_not_counted_as_zero() -> None:
    # Anonymous, no preferences: only soonness and load, renormalised (normal: 0.20 + 0.15).
    start = utc(2027, 3, 8, 8)  # 7 days ahead
    result = one(slot(start), Preferences())
    assert set(result.components) == {"soon", "load"}
    assert result.score == round(100 * (0.20 * 0.5 + 0.15 * 1) / 0.35, 1)


def test_scores_stay_within_0_and_100_with_one_decimal() -> None:
    prefs = Preferences(preferred_times=MORNING, preferred_days=frozenset({0}), urgency="high")
    perfect = one(slot(NOW), prefs)  # Monday 08:00-09:00: touches the morning, right away
    assert perfect.score == round(100 * (0.15 * 0.4 + 0.05 + 0.60 + 0.15) / 0.95, 1)
    assert one(slot(NOW + timedelta(hours=1)), prefs).score >= 99.0
    worst = one(
        slot(utc(2027, 3, 27, 20)),  # a Saturday evening, weeks away, on a full day
        prefs,
        ctx(client_sessions=(utc(2027, 3, 27, 10),), load_by_local_date={date(2027, 3, 27): 9}),
    )
    assert 0.0 <= worst.score < 5.0
    assert worst.reasons == ()


def test_high_urgency_prefers_soon_low_urgency_prefers_fit() -> None:
    tomorrow_afternoon = slot(utc(2027, 3, 2, 14))  # 30 h ahead, two hours past the morning
    morning_next_week = slot(utc(2027, 3, 7, 10))  # fits perfectly, 6 days ahead
    both = [morning_next_week, tomorrow_afternoon]

    def best(urgency: str) -> datetime:
        prefs = Preferences(preferred_times=MORNING, urgency=urgency)  # type: ignore[arg-type]
        return score_slots(both, prefs, ctx(), NOW, 1)[0].start

    assert best("high") == tomorrow_afternoon.start
    assert best("normal") == morning_next_week.start
    assert best("low") == morning_next_week.start


def test_reasons_are_ordered_by_contribution_with_readable_texts() -> None:
    prefs = Preferences(preferred_times=MORNING, preferred_days=frozenset({1}))
    start = utc(2027, 3, 2, 10)  # Tuesday 10:00, tomorrow
    context = ctx(client_sessions=(start - timedelta(days=8),))
    result = one(slot(start), prefs, context)
    assert [(r.code, r.text) for r in result.reasons] == [
        ("preferred_time", "Tuesday morning in your zone"),
        ("preferred_day", "Tuesday is one of your preferred days"),
        ("soon", "Tomorrow"),
        ("spaced", "8 days after your last session"),  # ties with the load: fixed order
        ("quiet_day", "A quiet day for the coach"),
    ]


def test_reason_texts_for_ranges_other_days_and_close_sessions() -> None:
    prefs = Preferences(preferred_times=(TimeWindow(7 * 60 + 30, 9 * 60),))
    start = utc(2027, 3, 5, 7, 30)  # Friday 07:30, in 4 days
    context = ctx(
        client_sessions=(start + timedelta(days=6),), load_by_local_date={date(2027, 3, 5): 1}
    )
    texts = {r.code: r.text for r in one(slot(start), prefs, context).reasons}
    assert texts == {
        "preferred_time": "Friday, 07:30–09:00 in your zone",
        "soon": "In 4 days",
        "spaced": "6 days before your next session",
        "quiet_day": "A light day for the coach",
    }
    today = one(slot(NOW + timedelta(hours=2)), Preferences())
    assert ("soon", "Today") in [(r.code, r.text) for r in today.reasons]


# --- Ranking -----------------------------------------------------------------------------------


def test_at_most_two_per_day_while_other_days_can_fill_the_list() -> None:
    tue = [slot(utc(2027, 3, 2, h)) for h in (9, 10, 11)]  # best: mornings, soon
    wed, thu = slot(utc(2027, 3, 3, 14)), slot(utc(2027, 3, 4, 14))
    prefs = Preferences(preferred_times=MORNING)
    everything = [*tue, wed, thu]
    ranked = [s.start for s in score_slots(everything, prefs, ctx(), NOW, 5)]
    assert ranked == [s.start for s in everything]  # all five: scored order, Tue 11:00 third
    top4 = [s.start for s in score_slots(everything, prefs, ctx(), NOW, 4)]
    assert top4 == [tue[0].start, tue[1].start, wed.start, thu.start]  # Tue 11:00 made way
    top3 = [s.start for s in score_slots(everything, prefs, ctx(), NOW, 3)]
    assert top3 == [tue[0].start, tue[1].start, wed.start]


def test_one_day_fills_the_list_when_no_other_day_has_slots() -> None:
    tue = [slot(utc(2027, 3, 2, h)) for h in range(9, 17)]
    result = score_slots(tue, Preferences(), ctx(), NOW, 5)
    assert [s.start for s in result] == [c.start for c in tue[:5]]


def test_diversity_counts_days_in_the_clients_zone() -> None:
    # 19:00, 20:00 and 21:00 UTC on Monday are all Tuesday in Kolkata: one local day.
    late = [slot(utc(2027, 3, 1, h)) for h in (19, 20, 21)]
    later = slot(utc(2027, 3, 3, 12))
    prefs = Preferences(tz="Asia/Kolkata", waking=ALL_DAY)
    result = score_slots([*late, later], prefs, ctx(), NOW, 3)
    assert [s.start for s in result] == [late[0].start, late[1].start, later.start]


def test_ties_go_to_the_earlier_start_whatever_the_input_order() -> None:
    # One minute apart, ten days out, 3 days after a session: the later slot is a hair
    # better spaced and a hair less soon; both show the same score, so the earlier wins.
    first = slot(utc(2027, 3, 11, 9))
    second = slot(utc(2027, 3, 11, 9, 1))
    context = ctx(client_sessions=(utc(2027, 3, 8, 9),))
    for order in ([first, second], [second, first]):
        result = score_slots(order, Preferences(), context, NOW, 2)
        assert result[0].score == result[1].score
        assert [s.start for s in result] == [first.start, second.start]
    shuffled = [slot(NOW + timedelta(hours=h)) for h in range(1, 200)]
    random.Random(7).shuffle(shuffled)
    assert score_slots(shuffled, Preferences(), ctx(), NOW, 10) == score_slots(
        sorted(shuffled, key=lambda c: c.start), Preferences(), ctx(), NOW, 10
    )


def test_past_candidates_are_ignored_and_bad_input_refused() -> None:
    assert score_slots([slot(NOW - timedelta(minutes=1))], Preferences(), ctx(), NOW, 5) == []
    with pytest.raises(ValueError):
        score_slots([slot(NOW)], Preferences(), ctx(), NOW, 0)
    with pytest.raises(ValueError):
        score_slots([slot(NOW.replace(tzinfo=None))], Preferences(), ctx(), NOW, 1)
    with pytest.raises(ValueError):
        TimeWindow(600, 600)


# --- Zones -------------------------------------------------------------------------------------


def test_new_york_around_spring_forward() -> None:
    prefs = Preferences(tz="America/New_York", preferred_times=(TimeWindow(9 * 60, 10 * 60),))
    saturday_est = slot(utc(2027, 3, 13, 14))  # 09:00 EST (UTC-5)
    monday_edt = slot(utc(2027, 3, 15, 13))  # 09:00 EDT (UTC-4): same wall time
    monday_late = slot(utc(2027, 3, 15, 14))  # 10:00 EDT: the old offset's 09:00
    assert one(saturday_est, prefs).components["time"] == 1.0
    assert one(monday_edt, prefs).components["time"] == 1.0
    assert one(monday_late, prefs).components["time"] == pytest.approx(0.4)
    result = one(monday_edt, prefs)
    assert result.local_start == datetime(2027, 3, 15, 9, tzinfo=ZoneInfo("America/New_York"))
    assert result.local_start.utcoffset() == timedelta(hours=-4)
    assert ("preferred_time", "Monday, 09:00–10:00 in your zone") in [
        (r.code, r.text) for r in result.reasons
    ]


def test_new_york_session_across_the_gap_keeps_its_real_length() -> None:
    # 01:30 EST + 60 real minutes = 03:30 EDT on the wall; the fit is measured on the real hour.
    across = slot(utc(2027, 3, 14, 6, 30))
    prefs = Preferences(
        tz="America/New_York",
        preferred_times=(TimeWindow(60, 150),),  # 01:00-02:30
        preferred_days=frozenset({6}),
        waking=ALL_DAY,
    )
    result = one(across, prefs)
    assert result.components["time"] == 1.0
    assert result.components["day"] == 1.0  # Sunday in New York
    assert result.local_end.utcoffset() == timedelta(hours=-4)
    assert (result.local_end.hour, result.local_end.minute) == (3, 30)
    # Saturday 23:30 in New York is Sunday in UTC: not a Sunday for this client.
    assert one(slot(utc(2027, 3, 14, 4, 30)), prefs).components["day"] == 0.0


def test_kolkata_half_hour_offset() -> None:
    prefs = Preferences(tz="Asia/Kolkata", preferred_times=MORNING, preferred_days=frozenset({0}))
    on_time = one(slot(utc(2027, 3, 8, 3, 30)), prefs)  # 09:00 IST, Monday
    half = one(slot(utc(2027, 3, 8, 3)), prefs)  # 08:30 IST: half the session in the morning
    assert on_time.components["time"] == 1.0
    assert half.components["time"] == pytest.approx(0.7)
    assert on_time.local_start.isoformat() == "2027-03-08T09:00:00+05:30"
    assert ("preferred_time", "Monday morning in your zone") in [
        (r.code, r.text) for r in on_time.reasons
    ]
