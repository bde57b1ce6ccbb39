"""Availability services: rows → SlotQuery, slots, next availability, and replacing rules.

`now` is passed explicitly and dates are far in the future, so the clock does not matter.
January in London is UTC, so local and UTC times agree unless a test says otherwise.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.availability import services, slots, validation
from tandem.availability.engine.types import (
    BusyInterval,
    DateOverride,
    UtcRange,
    WallInterval,
    WeeklyRule,
)
from tandem.availability.models import DateOverride as DateOverrideRow
from tandem.availability.models import TimeOff, WeeklyInterval
from tandem.availability.validation import (
    IntervalInput,
    InvalidAvailability,
    OverrideInput,
    TimeOffInput,
    WeeklyInput,
)
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile

from .conftest import (
    add_override,
    add_time_off,
    add_weekly,
    book,
    make_coach,
    make_type,
    utc,
)

NOW = utc(2029, 12, 1)
MON = date(2030, 1, 7)  # a Monday; London is on GMT (= UTC)
BIG = "x" * 100_000


def day_range(day: date, days: int = 1) -> dict:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return {"start": start, "end": start + timedelta(days=days), "now": NOW}


def rules_of(coach: CoachProfile) -> dict:
    """Everything availability_replace may change, fresh from the database."""
    fresh = CoachProfile.objects.get(pk=coach.pk)
    return {
        "weekly": sorted(
            WeeklyInterval.objects.filter(coach=coach).values_list(
                "weekday", "start_minute", "end_minute"
            )
        ),
        "overrides": sorted(
            DateOverrideRow.objects.filter(coach=coach).values_list(
                "date", "intervals__start_minute", "intervals__end_minute"
            ),
            key=str,
        ),
        "time_off": sorted(
            TimeOff.objects.filter(coach=coach).values_list("start", "end", "reason")
        ),
        "caps": (fresh.daily_cap, fresh.weekly_cap),
    }


# --- build_query ------------------------------------------------------------------------------


def test_build_query_reads_the_coachs_rows_in_and_near_the_range(coach, session_type, bob, charlie):
    # given Alice's hours, overrides, time off and bookings, plus someone else's booking
    add_weekly(coach, 0, "09:00", "12:00")
    add_weekly(coach, 2, "09:00", "12:00")
    add_override(coach, MON + timedelta(days=1))  # Tuesday closed
    add_override(coach, date(2030, 3, 1), ("10:00", "11:00"))  # far away
    add_time_off(coach, utc(2030, 1, 9, 10), utc(2030, 1, 9, 12))
    add_time_off(coach, utc(2030, 2, 1), utc(2030, 2, 2))  # far away
    confirmed = book(session_type, bob, utc(2030, 1, 7, 10))
    book(session_type, bob, utc(2030, 1, 7, 11), status=Booking.Status.CANCELLED)
    pending = book(session_type, bob, utc(2030, 1, 9, 9), status=Booking.Status.PENDING)
    other = make_coach(charlie, slug="charlie")
    book(make_type(other), bob, utc(2030, 1, 7, 9))
    # when
    query = slots.build_query(coach, session_type, **day_range(MON, 3))
    # then
    assert query.zone == "Europe/London"
    assert set(query.weekly) == {
        WeeklyRule(0, WallInterval(540, 720)),
        WeeklyRule(2, WallInterval(540, 720)),
    }
    assert query.overrides == (DateOverride(date(2030, 1, 8), ()),)
    assert query.time_off == (UtcRange(utc(2030, 1, 9, 10), utc(2030, 1, 9, 12)),)
    type_id = str(session_type.pk)
    assert query.busy == (
        BusyInterval(confirmed.blocked_start, confirmed.blocked_end, type_id, True),
        BusyInterval(pending.blocked_start, pending.blocked_end, type_id, True),
    )
    assert query.duration == timedelta(minutes=60)
    assert query.step == timedelta(minutes=60)
    assert query.window == timedelta(days=366)
    assert query.min_notice == timedelta(0)
    assert query.session_type_id == type_id
    assert (query.range_start, query.range_end, query.now) == (
        utc(2030, 1, 7),
        utc(2030, 1, 10),
        NOW,
    )
    assert None is query.coach_daily_cap is query.type_weekly_cap
    # and the engine turns it into: Monday 09 and 11 (10 is booked; the cancelled booking
    # frees 11), Tuesday closed, Wednesday 09 pending and 10-12 off.
    assert slots.slots_for(coach=coach, session_type=session_type, **day_range(MON, 3)) == [
        utc(2030, 1, 7, 9),
        utc(2030, 1, 7, 11),
    ]


def test_busy_time_includes_the_buffers_of_bookings_and_of_the_slot(coach, bob):
    # given a 60-minute type with 15 minutes before and 30 after, on a 15-minute grid
    buffered = make_type(
        coach, buffer_before_minutes=15, buffer_after_minutes=30, slot_step_minutes=15
    )
    add_weekly(coach, 0, "08:00", "14:00")
    booking = book(buffered, bob, utc(2030, 1, 7, 10))  # blocks 09:45-11:30
    # when
    query = slots.build_query(coach, buffered, **day_range(MON))
    starts = slots.slots_for(coach=coach, session_type=buffered, **day_range(MON))
    # then the booking blocks its buffers; caps count the session itself (see services)
    type_id = str(buffered.pk)
    assert query.busy == (
        BusyInterval(utc(2030, 1, 7, 9, 45), utc(2030, 1, 7, 11, 30), type_id, False),
        BusyInterval(booking.start, booking.end, type_id, True),
    )
    assert (query.buffer_before, query.buffer_after) == (
        timedelta(minutes=15),
        timedelta(minutes=30),
    )
    # a slot needs [s - 15 min, s + 90 min) clear of 09:45-11:30
    assert starts == [utc(2030, 1, 7, 8), utc(2030, 1, 7, 8, 15)] + [
        utc(2030, 1, 7, 11, 45) + timedelta(minutes=15 * i) for i in range(6)
    ]


def test_a_booking_just_out_of_reach_is_not_loaded(coach, session_type, bob):
    add_weekly(coach, 0, "08:00", "14:00")
    book(session_type, bob, utc(2030, 1, 7, 8))  # ends 09:00
    query = slots.build_query(
        coach, session_type, start=utc(2030, 1, 7, 10), end=utc(2030, 1, 7, 12), now=NOW
    )
    assert query.busy == ()


def test_a_coach_daily_cap_counts_bookings_outside_the_range(coach, session_type, bob):
    # given a cap of one session a day and a booking late on Monday
    add_weekly(coach, 0, "09:00", "18:00")
    book(session_type, bob, utc(2030, 1, 7, 16))
    morning = {"start": utc(2030, 1, 7, 9), "end": utc(2030, 1, 7, 12), "now": NOW}
    assert len(slots.slots_for(coach=coach, session_type=session_type, **morning)) == 3
    # when the cap applies
    coach.daily_cap = 1
    coach.save()
    # then Monday morning is full, though the booking is in the afternoon
    query = slots.build_query(coach, session_type, **morning)
    assert query.coach_daily_cap == 1
    assert len(query.busy) == 1
    assert slots.slots_for(coach=coach, session_type=session_type, **morning) == []


def test_a_weekly_cap_counts_the_whole_local_iso_week(coach, session_type, bob):
    # given hours every day and a booking on Sunday the 13th
    for day in range(7):
        add_weekly(coach, day, "09:00", "10:00")
    book(session_type, bob, utc(2030, 1, 13, 9))
    coach.weekly_cap = 1
    coach.save()
    # then that week (Monday 7th to Sunday 13th) is full; the next is open
    assert slots.slots_for(coach=coach, session_type=session_type, **day_range(MON, 6)) == []
    assert slots.slots_for(
        coach=coach, session_type=session_type, **day_range(MON + timedelta(days=7), 7)
    ) == [utc(2030, 1, 14 + i, 9) for i in range(7)]


def test_a_session_counts_on_its_own_date_not_on_its_buffers(coach, bob):
    # given a session at Tuesday 00:00 whose 30-minute buffer starts on Monday
    buffered = make_type(coach, buffer_before_minutes=30)
    add_weekly(coach, 0, "09:00", "12:00")
    add_weekly(coach, 1, "00:00", "12:00")
    book(buffered, bob, utc(2030, 1, 8, 0))
    coach.daily_cap = 1
    coach.save()
    # then Monday still has room and Tuesday is full
    assert slots.slots_for(coach=coach, session_type=buffered, **day_range(MON, 2)) == [
        utc(2030, 1, 7, 9),
        utc(2030, 1, 7, 10),
        utc(2030, 1, 7, 11),
    ]


def test_a_type_cap_counts_only_that_type(coach, session_type, bob):
    add_weekly(coach, 0, "09:00", "18:00")
    capped = make_type(coach, name="Capped", daily_cap=1)
    book(session_type, bob, utc(2030, 1, 7, 16))
    assert len(slots.slots_for(coach=coach, session_type=capped, **day_range(MON))) == 8
    book(capped, bob, utc(2030, 1, 7, 14))
    assert slots.slots_for(coach=coach, session_type=capped, **day_range(MON)) == []
    assert len(slots.slots_for(coach=coach, session_type=session_type, **day_range(MON))) == 7


def test_rules_follow_the_coachs_zone_across_a_dst_change(bob):
    # given a New York coach open 09:00-10:00 every day; the US springs forward 2030-03-10
    coach = make_coach(bob, slug="ny", zone="America/New_York")
    session_type = make_type(coach)
    for day in range(7):
        add_weekly(coach, day, "09:00", "10:00")
    # then 09:00 local is 14:00 UTC before and 13:00 UTC after
    starts = slots.slots_for(
        coach=coach,
        session_type=session_type,
        start=utc(2030, 3, 9),
        end=utc(2030, 3, 12),
        now=NOW,
    )
    assert starts == [utc(2030, 3, 9, 14), utc(2030, 3, 10, 13), utc(2030, 3, 11, 13)]


def test_slots_are_never_before_now_plus_notice(coach, bob):
    session_type = make_type(coach, min_notice_minutes=24 * 60)
    for day in range(7):
        add_weekly(coach, day, "09:00", "10:00")
    now = utc(2030, 1, 7, 12)
    starts = slots.slots_for(
        coach=coach, session_type=session_type, start=utc(2030, 1, 1), end=utc(2030, 1, 10), now=now
    )
    assert starts == [utc(2030, 1, 9, 9)]


# --- next availability ------------------------------------------------------------------------


def test_next_available_uses_the_cheapest_then_shortest_active_type(coach, bob):
    add_weekly(coach, 0, "09:00", "12:00")
    make_type(coach, name="Long cheap", duration_minutes=120, price=Decimal("20"))
    short = make_type(coach, name="Short cheap", duration_minutes=30, price=Decimal("20"))
    make_type(coach, name="Cheapest but off", price=Decimal("1"), is_active=False)
    make_type(coach, name="Pricey", price=Decimal("90"))
    found = slots.next_available_for([coach], now=utc(2030, 1, 7, 9, 30))
    assert found == {coach.pk: (utc(2030, 1, 7, 10), short)}


def test_next_available_is_none_without_a_type_or_a_slot(coach, bob):
    closed = make_coach(bob, slug="closed")
    closed_type = make_type(closed)
    found = slots.next_available_for([coach, closed], now=NOW)
    assert found == {coach.pk: (None, None), closed.pk: (None, closed_type)}


def test_next_available_searches_the_types_booking_window(coach, bob):
    session_type = make_type(coach, booking_window_days=10)
    add_weekly(coach, 0, "09:00", "10:00")
    assert slots.next_available_for([coach], now=utc(2030, 1, 8))[coach.pk] == (
        utc(2030, 1, 14, 9),
        session_type,
    )
    add_override(coach, date(2030, 1, 14))
    assert slots.next_available_for([coach], now=utc(2030, 1, 8))[coach.pk] == (
        None,
        session_type,
    )


def test_next_available_for_many_coaches_costs_the_same_queries_as_for_one(make_many_coaches, bob):
    coaches = make_many_coaches(15)
    for coach in coaches:
        book(coach.session_types.get(), bob, utc(2030, 1, 7, 14))  # 09:00 in New York
    now = utc(2030, 1, 7, 13)
    with CaptureQueriesContext(connection) as one:
        found_one = slots.next_available_for(coaches[:1], now=now)
    with CaptureQueriesContext(connection) as fifteen:
        found = slots.next_available_for(coaches, now=now)
    assert len(one.captured_queries) == len(fifteen.captured_queries) <= 5
    assert found_one[coaches[0].pk] == found[coaches[0].pk]
    assert {at for at, _ in found.values()} == {utc(2030, 1, 7, 15)}


def test_has_slot_between(make_many_coaches, bob):
    open_coach, closed_coach = make_many_coaches(2)
    add_override(closed_coach, date(2030, 1, 7))
    no_types = make_coach(bob, slug="no-types")
    start, end = utc(2030, 1, 7, 14), utc(2030, 1, 7, 20)
    with CaptureQueriesContext(connection) as ctx:
        found = slots.has_slot_between([open_coach, closed_coach, no_types], start, end, now=NOW)
    assert found == {open_coach.pk: True, closed_coach.pk: False, no_types.pk: False}
    assert len(ctx.captured_queries) <= 5


def test_refresh_next_available_stores_only_that_column(coach, session_type, bob):
    # given a coach open every day, with a stale value and other fields set
    for day in range(7):
        add_weekly(coach, day, "09:00", "17:00")
    CoachProfile.objects.filter(pk=coach.pk).update(
        next_available_at=utc(2020, 1, 1), headline="Unchanged"
    )
    empty = make_coach(bob, slug="empty", next_available_at=utc(2020, 1, 1))
    before = CoachProfile.objects.get(pk=coach.pk)
    # when
    services.refresh_next_available([coach.pk, empty.pk])
    # then
    after = CoachProfile.objects.get(pk=coach.pk)
    now = timezone.now()
    expected = slots.slots_for(
        coach=coach, session_type=session_type, start=now, end=now + timedelta(days=3), now=now
    )[0]
    assert after.next_available_at == expected
    assert (after.updated_at, after.headline) == (before.updated_at, "Unchanged")
    assert CoachProfile.objects.get(pk=empty.pk).next_available_at is None


def test_stale_ids_are_listed_coaches_with_a_past_value_or_none_despite_a_type(
    make_many_coaches, bob, charlie
):
    fresh, stale, unset, hidden = make_many_coaches(4)
    CoachProfile.objects.filter(pk=fresh.pk).update(next_available_at=utc(2031, 1, 1))
    CoachProfile.objects.filter(pk=stale.pk).update(next_available_at=utc(2020, 1, 1))
    CoachProfile.objects.filter(pk=hidden.pk).update(is_verified=False)
    make_coach(bob, slug="no-types")  # nothing to compute
    typeless_past = make_coach(charlie, slug="gone", next_available_at=utc(2020, 1, 1))
    assert services.stale_next_available_ids(now=NOW) == sorted(
        [stale.pk, unset.pk, typeless_past.pk]
    )
    assert services.stale_next_available_ids(now=NOW, everyone=True) == sorted(
        [fresh.pk, stale.pk, unset.pk, typeless_past.pk]
    )


# --- availability_replace ----------------------------------------------------------------------


def replace(coach: CoachProfile, **changes) -> validation.Rules:
    values = {
        "weekly": [WeeklyInput(0, 540, 720)],
        "overrides": [],
        "time_off": [],
        "daily_cap": None,
        "weekly_cap": None,
    }
    values.update(changes)
    return services.availability_replace(coach=coach, **values)


def test_replace_stores_every_rule_and_the_caps(coach):
    add_weekly(coach, 3, "08:00", "09:00")
    add_time_off(coach, utc(2030, 5, 1), utc(2030, 5, 2))
    replace(
        coach,
        weekly=[
            WeeklyInput(0, 780, 1020),
            WeeklyInput(0, 540, 720),
            WeeklyInput(0, 720, 780),  # touching is fine
            WeeklyInput(6, 1320, 1440),
        ],
        overrides=[
            OverrideInput(date(2030, 1, 1)),
            OverrideInput(date(2030, 1, 2), [IntervalInput(600, 660)]),
        ],
        time_off=[
            TimeOffInput(
                datetime.fromisoformat("2030-02-01T09:00+01:00"),
                datetime.fromisoformat("2030-02-03T09:00+01:00"),
                "  Conference \n",
            )
        ],
        daily_cap=3,
        weekly_cap=0,
    )
    assert rules_of(coach) == {
        "weekly": [(0, 540, 720), (0, 720, 780), (0, 780, 1020), (6, 1320, 1440)],
        "overrides": [(date(2030, 1, 1), None, None), (date(2030, 1, 2), 600, 660)],
        "time_off": [(utc(2030, 2, 1, 8), utc(2030, 2, 3, 8), "Conference")],
        "caps": (3, 0),
    }
    assert (coach.daily_cap, coach.weekly_cap) == (3, 0)


def test_replace_with_nothing_clears_everything(coach):
    replace(coach, daily_cap=2)
    replace(coach, weekly=[])
    assert rules_of(coach) == {"weekly": [], "overrides": [], "time_off": [], "caps": (None, None)}


def test_past_time_off_is_accepted(coach):
    replace(coach, time_off=[TimeOffInput(utc(2001, 1, 1), utc(2001, 1, 2))])
    assert len(rules_of(coach)["time_off"]) == 1


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        (
            {"weekly": [WeeklyInput(2, 540, 720), WeeklyInput(2, 600, 660)]},
            {"weekly.1": ["overlaps"]},
        ),
        (
            {"weekly": [WeeklyInput(2, 540, 720), WeeklyInput(2, 540, 720)]},
            {"weekly.1": ["overlaps"]},
        ),
        ({"weekly": [WeeklyInput(0, 720, 540)]}, {"weekly.0.end": ["end_before_start"]}),
        ({"weekly": [WeeklyInput(0, 540, 540)]}, {"weekly.0.end": ["end_before_start"]}),
        ({"weekly": [WeeklyInput(7, 540, 600)]}, {"weekly.0.weekday": ["out_of_range"]}),
        ({"weekly": [WeeklyInput(-1, 540, 600)]}, {"weekly.0.weekday": ["out_of_range"]}),
        ({"weekly": [WeeklyInput(True, 540, 600)]}, {"weekly.0.weekday": ["wrong_type"]}),
        ({"weekly": [WeeklyInput(0, 1440, 1440)]}, {"weekly.0.start": ["out_of_range"]}),
        ({"weekly": [WeeklyInput(0, 0, 1441)]}, {"weekly.0.end": ["out_of_range"]}),
        ({"weekly": [WeeklyInput(0, "09:00", 600)]}, {"weekly.0.start": ["wrong_type"]}),
        ({"weekly": [WeeklyInput(0, 0, 60)] * 400}, {"weekly": ["too_many"]}),
        ({"daily_cap": -1}, {"daily_cap": ["negative"]}),
        ({"weekly_cap": -5}, {"weekly_cap": ["negative"]}),
        ({"weekly_cap": 100_000}, {"weekly_cap": ["too_large"]}),
        ({"daily_cap": 1.5}, {"daily_cap": ["wrong_type"]}),
        (
            {"overrides": [OverrideInput(date(2030, 1, 1)), OverrideInput(date(2030, 1, 1))]},
            {"overrides.1.date": ["duplicate_date"]},
        ),
        (
            {
                "overrides": [
                    OverrideInput(
                        date(2030, 1, 1), [IntervalInput(600, 700), IntervalInput(540, 601)]
                    )
                ]
            },
            # reported on the interval that starts inside another
            {"overrides.0.intervals.0": ["overlaps"]},
        ),
        (
            {"overrides": [OverrideInput(date(2030, 1, 1), [IntervalInput(600, 500)])]},
            {"overrides.0.intervals.0.end": ["end_before_start"]},
        ),
        (
            {"overrides": [OverrideInput(date(1900, 1, 1))]},
            {"overrides.0.date": ["out_of_range"]},
        ),
        (
            {"overrides": [OverrideInput(datetime(2030, 1, 1, tzinfo=UTC))]},
            {"overrides.0.date": ["wrong_type"]},
        ),
        (
            {"time_off": [TimeOffInput(datetime(2030, 1, 1), utc(2030, 1, 2))]},
            {"time_off.0.start": ["naive_datetime"]},
        ),
        (
            {"time_off": [TimeOffInput(utc(2030, 1, 2), utc(2030, 1, 1))]},
            {"time_off.0.end": ["end_before_start"]},
        ),
        (
            {"time_off": [TimeOffInput(utc(2030, 1, 1), utc(2030, 1, 1))]},
            {"time_off.0.end": ["end_before_start"]},
        ),
        (
            {"time_off": [TimeOffInput(utc(2030, 1, 1, 0, 0, 30), utc(2030, 1, 2))]},
            {"time_off.0.start": ["not_minute_aligned"]},
        ),
        (
            {"time_off": [TimeOffInput(utc(2030, 1, 1), utc(9999, 1, 2))]},
            {"time_off.0.end": ["out_of_range"]},
        ),
        (
            {"time_off": [TimeOffInput(utc(2030, 1, 1), utc(2030, 1, 2), "a\x00b")]},
            {"time_off.0.reason": ["nul_character"]},
        ),
        (
            {"time_off": [TimeOffInput(utc(2030, 1, 1), utc(2030, 1, 2), BIG)]},
            {"time_off.0.reason": ["too_long"]},
        ),
        (
            {
                "weekly": [WeeklyInput(1, 600, 500)],
                "daily_cap": -1,
                "time_off": [TimeOffInput(datetime(2030, 1, 1), datetime(2030, 1, 2))],
            },
            {
                "weekly.0.end": ["end_before_start"],
                "time_off.0.start": ["naive_datetime"],
                "time_off.0.end": ["naive_datetime"],
                "daily_cap": ["negative"],
            },
        ),
    ],
)
def test_refused_rules_report_field_codes_and_change_nothing(coach, changes, fields):
    # given saved rules
    replace(coach, time_off=[TimeOffInput(utc(2030, 1, 1), utc(2030, 1, 2))], daily_cap=4)
    before = rules_of(coach)
    # when
    with pytest.raises(InvalidAvailability) as caught:
        replace(coach, **changes)
    # then
    assert caught.value.status == 400
    assert caught.value.code == "invalid_availability"
    assert caught.value.fields == fields
    assert caught.value.message.startswith(next(iter(fields)))
    assert rules_of(coach) == before
    assert (coach.daily_cap, coach.weekly_cap) == (4, None)


def test_a_failure_while_writing_leaves_the_old_rules(coach, monkeypatch):
    # given saved rules
    replace(coach, time_off=[TimeOffInput(utc(2030, 1, 1), utc(2030, 1, 2))], daily_cap=4)
    before = rules_of(coach)

    # when the last insert fails after the old rows were deleted
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(TimeOff.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        replace(coach, weekly=[WeeklyInput(4, 0, 60)], time_off=[])
    # then
    assert rules_of(coach) == before


# --- parse_slot_range -------------------------------------------------------------------------


def parse(**values):
    kwargs = {"start": None, "end": None, "tz": None, "default_tz": "Europe/London", "now": NOW}
    kwargs.update(values)
    return validation.parse_slot_range(**kwargs)


def test_the_range_defaults_to_a_week_from_now_in_the_default_zone():
    assert parse() == validation.SlotRange(NOW, NOW + timedelta(days=7), "Europe/London")


def test_a_plain_date_is_midnight_in_the_display_zone():
    rng = parse(start="2030-07-01", end="2030-07-02", tz="America/New_York")
    assert (rng.start, rng.end, rng.tz) == (utc(2030, 7, 1, 4), utc(2030, 7, 2, 4), rng.tz)


def test_an_offset_whose_plus_became_a_space_in_the_query_string_is_understood():
    rng = parse(start="2030-07-01T09:00:00 02:00", end="2030-07-01T10:00Z")
    assert (rng.start, rng.end) == (utc(2030, 7, 1, 7), utc(2030, 7, 1, 10))


def test_a_retired_zone_name_is_shown_under_its_current_name():
    assert parse(tz="Asia/Calcutta").tz == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"tz": "Mars/Olympus_Mons"}, {"tz": ["unknown_zone"]}),
        ({"tz": BIG}, {"tz": ["unknown_zone"]}),
        ({"tz": "Europe/London\x00"}, {"tz": ["nul_character"]}),
        ({"start": "2030-07-01T09:00"}, {"start": ["naive_datetime"]}),
        ({"start": "next tuesday"}, {"start": ["invalid"]}),
        ({"start": BIG}, {"start": ["invalid"]}),
        ({"end": "2030-07-01T09:00Z\x00"}, {"end": ["nul_character"]}),
        ({"start": "1999-12-31T00:00Z"}, {"start": ["out_of_range"]}),
        ({"start": "2030-07-02", "end": "2030-07-01"}, {"end": ["end_before_start"]}),
        ({"start": "2030-07-01", "end": "2030-07-01"}, {"end": ["end_before_start"]}),
        ({"start": "2030-01-01", "end": "2030-04-03T00:01Z"}, {"end": ["window_too_long"]}),
        (
            {"tz": "Nowhere", "start": "2030-07-01T09:00", "end": "x"},
            {"tz": ["unknown_zone"], "start": ["naive_datetime"], "end": ["invalid"]},
        ),
    ],
)
def test_a_bad_range_is_refused_with_field_codes(values, fields):
    with pytest.raises(InvalidAvailability) as caught:
        parse(**values)
    assert caught.value.fields == fields


def test_a_92_day_window_is_allowed():
    rng = parse(start="2030-01-01T00:00Z", end="2030-04-03T00:00Z")
    assert rng.end - rng.start == timedelta(days=92)
