"""Hand-written cases for the availability engine, rule by rule (no database).

Times in expectations are UTC ("2025-01-06T09:00"); wall times of the rules are local.
2025-01-06 is a Monday.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tandem.availability.engine import (
    BusyInterval,
    DateOverride,
    SlotQuery,
    UtcRange,
    WallInterval,
    WeeklyRule,
    compute_slots,
    first_slot,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def z(text: str) -> datetime:
    """A UTC instant from "YYYY-MM-DDTHH:MM[:SS[.ffffff]]"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iv(start: str, end: str) -> WallInterval:
    def minute(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    return WallInterval(minute(start), minute(end))


def weekly(*days: int, hours: tuple[tuple[str, str], ...] = (("09:00", "12:00"),)) -> tuple:
    return tuple(WeeklyRule(d, iv(a, b)) for d in days for a, b in hours)


def busy(start: str, end: str, type_id: str | None = None, counts: bool = True) -> BusyInterval:
    return BusyInterval(z(start), z(end), type_id, counts)


def query(**kw: Any) -> SlotQuery:
    defaults: dict[str, Any] = {
        "zone": "UTC",
        "weekly": weekly(MON),
        "overrides": (),
        "time_off": (),
        "busy": (),
        "duration": timedelta(minutes=60),
        "step": timedelta(minutes=30),
        "range_start": z("2025-01-06T00:00"),
        "range_end": z("2025-01-07T00:00"),
    }
    for key in ("duration", "step", "buffer_before", "buffer_after", "min_notice", "window"):
        if isinstance(kw.get(key), int):
            kw[key] = timedelta(minutes=kw[key])
    for key in ("now", "range_start", "range_end"):
        if isinstance(kw.get(key), str):
            kw[key] = z(kw[key])
    kw = defaults | kw
    kw.setdefault("now", kw["range_start"] - timedelta(days=5))  # within the default window
    return SlotQuery(**kw)


def slots(**kw: Any) -> list[str]:
    """compute_slots as "YYYY-MM-DDTHH:MM" UTC strings; also checks first_slot and the output."""
    q = query(**kw)
    got = compute_slots(q)
    assert all(s.tzinfo is UTC for s in got)
    assert got == sorted(set(got))
    assert first_slot(q) == (got[0] if got else None)
    return [s.strftime("%Y-%m-%dT%H:%M") for s in got]


def day(date_text: str, *times: str) -> list[str]:
    return [f"{date_text}T{t}" for t in times]


# --------------------------------------------------------------------------- open hours


def test_weekly_interval() -> None:
    assert slots(range_end="2025-01-13T00:00") == day(
        "2025-01-06", "09:00", "09:30", "10:00", "10:30", "11:00"
    )


def test_weekly_intervals_on_several_days() -> None:
    got = slots(weekly=weekly(MON, WED, hours=(("09:00", "10:00"),)), range_end="2025-01-13T00:00")
    assert got == ["2025-01-06T09:00", "2025-01-08T09:00"]


def test_several_intervals_per_day() -> None:
    hours = (("09:00", "10:00"), ("14:00", "16:00"))
    assert slots(weekly=weekly(MON, hours=hours), step=60) == day(
        "2025-01-06", "09:00", "14:00", "15:00"
    )


def test_contiguous_intervals_let_a_session_cross_them() -> None:
    # Each interval has its own grid (10:00 comes from the second one); a 90-minute session
    # starting at 09:30 runs through both.
    hours = (("09:00", "10:00"), ("10:00", "11:00"))
    assert slots(weekly=weekly(MON, hours=hours), duration=90) == day(
        "2025-01-06", "09:00", "09:30"
    )
    # 09:45 (grid of the first interval) ends at 10:30 in the second; 10:45 would end at 11:30
    assert slots(weekly=weekly(MON, hours=hours), duration=45, step=45) == day(
        "2025-01-06", "09:00", "09:45", "10:00"
    )


def test_overlapping_and_repeated_intervals_give_unique_sorted_slots() -> None:
    hours = (("09:00", "11:00"), ("09:30", "10:30"), ("09:00", "11:00"))
    got = slots(weekly=weekly(MON, hours=hours), duration=30, step=60)
    assert got == day("2025-01-06", "09:00", "09:30", "10:00")


def test_override_with_different_hours() -> None:
    override = DateOverride(date(2025, 1, 6), (iv("13:00", "15:00"),))
    got = slots(overrides=(override,), step=60, range_end="2025-01-14T00:00")
    assert got == [
        "2025-01-06T13:00",
        "2025-01-06T14:00",
        "2025-01-13T09:00",
        "2025-01-13T10:00",
        "2025-01-13T11:00",
    ]


def test_override_closed() -> None:
    got = slots(overrides=(DateOverride(date(2025, 1, 6)),), step=60, range_end="2025-01-14T00:00")
    assert got == day("2025-01-13", "09:00", "10:00", "11:00")


def test_override_opens_a_day_without_weekly_hours() -> None:
    override = DateOverride(date(2025, 1, 7), (iv("08:00", "09:00"),))
    assert slots(
        overrides=(override,), range_start="2025-01-07T00:00", range_end="2025-01-08T00:00"
    ) == ["2025-01-07T08:00"]


def test_several_overrides_of_one_date_combine() -> None:
    overrides = (
        DateOverride(date(2025, 1, 6), (iv("08:00", "09:00"),)),
        DateOverride(date(2025, 1, 6)),
        DateOverride(date(2025, 1, 6), (iv("16:00", "17:00"),)),
    )
    assert slots(overrides=overrides) == day("2025-01-06", "08:00", "16:00")


def test_time_off() -> None:
    time_off = (UtcRange(z("2025-01-06T10:00"), z("2025-01-06T10:30")),)
    assert slots(time_off=time_off) == day("2025-01-06", "09:00", "10:30", "11:00")


def test_time_off_spanning_days() -> None:
    time_off = (UtcRange(z("2025-01-05T12:00"), z("2025-01-07T09:30")),)
    got = slots(weekly=weekly(MON, TUE), time_off=time_off, range_end="2025-01-08T00:00")
    assert got == day("2025-01-07", "09:30", "10:00", "10:30", "11:00")


def test_session_longer_than_interval_gives_nothing() -> None:
    assert slots(duration=181) == []
    assert slots(duration=180) == ["2025-01-06T09:00"]


def test_step_is_aligned_to_the_interval_start() -> None:
    got = slots(weekly=weekly(MON, hours=(("09:10", "11:00"),)), step=30)
    assert got == day("2025-01-06", "09:10", "09:40")
    got = slots(weekly=weekly(MON, hours=(("09:10", "11:00"),)), step=25, duration=30)
    assert got == day("2025-01-06", "09:10", "09:35", "10:00", "10:25")


# --------------------------------------------------------------------------- busy, buffers


def test_busy_with_buffers_on_both_sides() -> None:
    # [s - 15, s + 60 + 15) must miss [12:00, 13:00): s <= 10:45 or s >= 13:15
    got = slots(
        weekly=weekly(MON, hours=(("09:00", "17:00"),)),
        busy=(busy("2025-01-06T12:00", "2025-01-06T13:00"),),
        buffer_before=15,
        buffer_after=15,
        step=15,
    )
    assert "2025-01-06T10:45" in got
    assert "2025-01-06T11:00" not in got
    assert [s for s in got if "10:45" <= s[11:] <= "13:15"] == day("2025-01-06", "10:45", "13:15")


def test_busy_touching_a_session_does_not_block_it() -> None:
    got = slots(busy=(busy("2025-01-06T10:00", "2025-01-06T10:30"),))
    assert got == day("2025-01-06", "09:00", "10:30", "11:00")


def test_busy_outside_open_hours_still_blocks_through_buffers() -> None:
    got = slots(busy=(busy("2025-01-06T08:00", "2025-01-06T08:50"),), buffer_before=15)
    assert got[0] == "2025-01-06T09:30"
    got = slots(busy=(busy("2025-01-06T08:00", "2025-01-06T08:50"),), buffer_before=10)
    assert got[0] == "2025-01-06T09:00"


def test_busy_of_zero_length_blocks_nothing() -> None:
    got = slots(busy=(busy("2025-01-06T09:30", "2025-01-06T09:30"),))
    assert got == day("2025-01-06", "09:00", "09:30", "10:00", "10:30", "11:00")


# --------------------------------------------------------------------------- notice, window, range


def test_min_notice() -> None:
    got = slots(now="2025-01-06T08:00", min_notice=120)
    assert got == day("2025-01-06", "10:00", "10:30", "11:00")
    got = slots(now="2025-01-06T08:01", min_notice=120)
    assert got == day("2025-01-06", "10:30", "11:00")


def test_window() -> None:
    got = slots(
        weekly=weekly(MON, TUE),
        now="2025-01-06T00:00",
        window=timedelta(days=1, hours=10),
        range_end="2025-01-08T00:00",
    )
    assert got == [
        *day("2025-01-06", "09:00", "09:30", "10:00", "10:30", "11:00"),
        "2025-01-07T09:00",
        "2025-01-07T09:30",
    ]


def test_past_slots_are_not_offered() -> None:
    assert slots(now="2025-01-06T10:15") == day("2025-01-06", "10:30", "11:00")


def test_range_bounds() -> None:
    got = slots(range_start="2025-01-06T10:00", range_end="2025-01-06T11:00")
    assert got == day("2025-01-06", "10:00", "10:30")
    assert slots(range_start="2025-01-06T11:00", range_end="2025-01-06T11:00") == []


# --------------------------------------------------------------------------- caps


def _week_query(**kw: Any) -> list[str]:
    # every day 09:00-10:00, one slot a day, two weeks
    kw.setdefault("weekly", weekly(*range(7), hours=(("09:00", "10:00"),)))
    kw.setdefault("range_end", "2025-01-20T00:00")
    kw.setdefault("step", 60)
    kw.setdefault("session_type_id", "intro")
    return [s[:10] for s in slots(**kw)]


ALL_DAYS = [f"2025-01-{d:02d}" for d in range(6, 20)]


def test_coach_daily_cap() -> None:
    booked = (
        busy("2025-01-06T06:00", "2025-01-06T07:00"),
        busy("2025-01-06T20:00", "2025-01-06T21:00"),
    )
    assert _week_query(busy=booked, coach_daily_cap=2) == ALL_DAYS[1:]
    assert _week_query(busy=booked, coach_daily_cap=3) == ALL_DAYS
    assert _week_query(busy=booked, coach_daily_cap=0) == []


def test_coach_weekly_cap_uses_iso_weeks() -> None:
    booked = tuple(busy(f"2025-01-{d:02d}T06:00", f"2025-01-{d:02d}T07:00") for d in (6, 7, 8))
    # week of Monday 6 .. Sunday 12 is full; the next week is free
    assert _week_query(busy=booked, coach_weekly_cap=3) == ALL_DAYS[7:]
    # a booking on Sunday 12 counts for the first week only
    booked = (busy("2025-01-12T06:00", "2025-01-12T07:00"),)
    assert _week_query(busy=booked, coach_weekly_cap=1) == ALL_DAYS[7:]
    booked = (busy("2025-01-13T06:00", "2025-01-13T07:00"),)
    assert _week_query(busy=booked, coach_weekly_cap=1) == ALL_DAYS[:7]


def test_type_daily_and_weekly_caps() -> None:
    booked = (
        busy("2025-01-06T06:00", "2025-01-06T07:00", "intro"),
        busy("2025-01-07T06:00", "2025-01-07T07:00", "deep"),
    )
    assert _week_query(busy=booked, type_daily_cap=1) == ALL_DAYS[1:]
    assert _week_query(busy=booked, type_daily_cap=1, session_type_id="deep") == [
        d for d in ALL_DAYS if d != "2025-01-07"
    ]
    assert _week_query(busy=booked, type_weekly_cap=1) == ALL_DAYS[7:]
    assert _week_query(busy=booked, type_weekly_cap=2) == ALL_DAYS
    # without a session type on the query, type caps do not apply
    assert _week_query(busy=booked, type_daily_cap=0, session_type_id=None) == ALL_DAYS


def test_busy_not_counting_toward_caps() -> None:
    booked = (busy("2025-01-06T06:00", "2025-01-06T07:00", "intro", counts=False),)
    assert _week_query(busy=booked, coach_daily_cap=1, type_daily_cap=1) == ALL_DAYS
    booked = (busy("2025-01-06T06:00", "2025-01-06T07:00", None),)
    assert _week_query(busy=booked, coach_daily_cap=1, type_daily_cap=1) == ALL_DAYS[1:]


def test_caps_count_by_local_date_and_local_week() -> None:
    # 03:30Z on Monday 13 is 22:30 on Sunday 12 in New York: it counts for Sunday and for the
    # week of Monday 6.
    booked = (busy("2025-01-13T03:30", "2025-01-13T04:00"),)
    hours = (("09:00", "10:00"),)
    got = _week_query(
        zone="America/New_York",
        weekly=weekly(*range(7), hours=hours),
        busy=booked,
        coach_daily_cap=1,
    )
    assert got == [d for d in ALL_DAYS if d != "2025-01-12"]
    got = _week_query(
        zone="America/New_York",
        weekly=weekly(*range(7), hours=hours),
        busy=booked,
        coach_weekly_cap=1,
    )
    assert got == ALL_DAYS[7:]


# --------------------------------------------------------------------------- midnight


def test_interval_until_midnight_and_slot_crossing_into_the_next_day() -> None:
    hours_mon = weekly(MON, hours=(("23:00", "24:00"),))
    hours_tue = weekly(TUE, hours=(("00:00", "01:00"),))
    got = slots(weekly=hours_mon + hours_tue, range_end="2025-01-08T00:00")
    assert got == ["2025-01-06T23:00", "2025-01-06T23:30", "2025-01-07T00:00"]
    # first_slot finds the crossing slot when it is the first one
    q = query(
        weekly=hours_mon + hours_tue,
        range_start=z("2025-01-06T23:15"),
        range_end=z("2025-01-08T00:00"),
    )
    assert first_slot(q) == z("2025-01-06T23:30")
    # without the next day's hours the session cannot cross midnight
    assert slots(weekly=hours_mon, range_end="2025-01-08T00:00") == ["2025-01-06T23:00"]


def test_whole_days_make_one_long_open_stretch() -> None:
    got = slots(
        weekly=weekly(MON, TUE, hours=(("00:00", "24:00"),)),
        duration=30 * 60,
        step=6 * 60,
        range_end="2025-01-08T00:00",
    )
    assert got == day("2025-01-06", "00:00", "06:00", "12:00", "18:00")


# --------------------------------------------------------------------------- zones and DST


def ny(*days: int, hours: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"zone": "America/New_York", "weekly": weekly(*days, hours=hours)}


def test_new_york_spring_forward() -> None:
    # 2025-03-09 (Sunday): 02:00 EST -> 03:00 EDT. 02:00 and 02:30 don't exist.
    kw = ny(SUN, hours=(("01:00", "05:00"),)) | {
        "range_start": "2025-03-09T00:00",
        "range_end": "2025-03-10T00:00",
    }
    # 01:00 EST = 06:00Z, 01:30 EST = 06:30Z, 03:00 EDT = 07:00Z, 03:30 = 07:30Z, 04:00 = 08:00Z
    assert slots(**kw) == day("2025-03-09", "06:00", "06:30", "07:00", "07:30", "08:00")
    # the 01:30 slot ends at 03:30 wall, 60 real minutes later (07:30Z)
    assert "2025-03-09T06:30" not in slots(
        **kw, busy=(busy("2025-03-09T07:29", "2025-03-09T07:30"),)
    )
    assert "2025-03-09T06:30" in slots(**kw, busy=(busy("2025-03-09T07:30", "2025-03-09T07:31"),))
    # an interval inside the gap has no candidates of its own
    kw2 = kw | ny(SUN, hours=(("02:00", "04:00"),))
    assert slots(**kw2) == ["2025-03-09T07:00"]
    assert slots(**(kw | ny(SUN, hours=(("02:00", "03:00"),)))) == []


def test_new_york_fall_back() -> None:
    # 2025-11-02 (Sunday): 02:00 EDT -> 01:00 EST. 01:00-02:00 happens twice
    # (05:00Z-06:00Z EDT, then 06:00Z-07:00Z EST).
    kw = ny(SUN, hours=(("01:00", "02:00"),)) | {
        "range_start": "2025-11-02T00:00",
        "range_end": "2025-11-03T00:00",
    }
    # 01:30 counts once, at its first occurrence (05:30Z)
    assert slots(**kw) == day("2025-11-02", "05:00", "05:30")
    assert slots(**kw, duration=30) == day("2025-11-02", "05:00", "05:30")
    # the interval is open for two real hours
    assert slots(**kw, duration=120) == ["2025-11-02T05:00"]
    assert slots(**kw, duration=121) == []
    # 02:00 and 02:30 EST come after the repeated hour
    kw3 = kw | ny(SUN, hours=(("01:00", "03:00"),))
    assert slots(**kw3, duration=30) == day("2025-11-02", "05:00", "05:30", "07:00", "07:30")


def test_london() -> None:
    # 2025-03-30: 01:00 GMT -> 02:00 BST
    kw = {
        "zone": "Europe/London",
        "range_start": "2025-03-30T00:00",
        "range_end": "2025-03-31T00:00",
    }
    got = slots(**kw, weekly=weekly(SUN, hours=(("00:00", "03:00"),)), duration=30)
    assert got == day("2025-03-30", "00:00", "00:30", "01:00", "01:30")  # 02:00 BST = 01:00Z
    # 2025-10-26: 02:00 BST -> 01:00 GMT; 01:00-02:00 wall is open from 00:00Z to 02:00Z
    kw = {
        "zone": "Europe/London",
        "range_start": "2025-10-26T00:00",
        "range_end": "2025-10-27T00:00",
    }
    assert slots(**kw, weekly=weekly(SUN, hours=(("01:00", "02:00"),)), duration=120) == [
        "2025-10-26T00:00"
    ]
    # summer time: 09:00 BST = 08:00Z
    kw = {
        "zone": "Europe/London",
        "range_start": "2025-07-07T00:00",
        "range_end": "2025-07-08T00:00",
    }
    assert slots(**kw)[0] == "2025-07-07T08:00"


def test_lord_howe_half_hour_shift() -> None:
    # +11 -> +10:30 on 2025-04-06 at 02:00: 01:30-02:00 happens twice.
    kw = {
        "zone": "Australia/Lord_Howe",
        "range_start": "2025-04-05T00:00",
        "range_end": "2025-04-06T12:00",
    }
    hours = weekly(SUN, hours=(("01:00", "02:00"),))
    # 01:00 (+11) = 14:00Z, 01:30 first occurrence = 14:30Z; open until 15:30Z (90 real minutes)
    assert slots(**kw, weekly=hours) == day("2025-04-05", "14:00", "14:30")
    assert slots(**kw, weekly=hours, duration=90) == ["2025-04-05T14:00"]
    assert slots(**kw, weekly=hours, duration=91) == []
    # +10:30 -> +11 on 2025-10-05 at 02:00: 02:00-02:30 doesn't exist.
    kw = {
        "zone": "Australia/Lord_Howe",
        "range_start": "2025-10-04T00:00",
        "range_end": "2025-10-05T12:00",
    }
    hours = weekly(SUN, hours=(("01:30", "03:00"),))
    # 01:30 = 15:00Z, 01:45 = 15:15Z, 02:30 (+11) = 15:30Z; 02:45 would end at 03:15
    assert slots(**kw, weekly=hours, step=15, duration=30) == day(
        "2025-10-04", "15:00", "15:15", "15:30"
    )


def test_kolkata_half_hour_offset() -> None:
    got = slots(zone="Asia/Kolkata", weekly=weekly(MON, hours=(("09:00", "10:00"),)), duration=30)
    assert got == day("2025-01-06", "03:30", "04:00")
    # Monday 00:00-05:30 IST is still Sunday in UTC
    got = slots(
        zone="Asia/Kolkata",
        weekly=weekly(MON, hours=(("00:00", "01:00"),)),
        duration=30,
        range_start="2025-01-05T00:00",
        range_end="2025-01-07T00:00",
    )
    assert got == day("2025-01-05", "18:30", "19:00")


def test_chatham() -> None:
    # +12:45 -> +13:45 on 2025-09-28 at 02:45: 02:45-03:45 doesn't exist.
    kw = {
        "zone": "Pacific/Chatham",
        "range_start": "2025-09-27T00:00",
        "range_end": "2025-09-28T12:00",
    }
    hours = weekly(SUN, hours=(("02:00", "05:00"),))
    # 02:00 = 13:15Z, 02:30 = 13:45Z, 04:00 (+13:45) = 14:15Z; 04:30 would end at 05:30
    assert slots(**kw, weekly=hours) == day("2025-09-27", "13:15", "13:45", "14:15")
    # +13:45 -> +12:45 on 2025-04-06 at 03:45: 02:45-03:45 happens twice; 02:00-05:00 wall is
    # open for four real hours (12:15Z-16:15Z).
    kw = {
        "zone": "Pacific/Chatham",
        "range_start": "2025-04-05T00:00",
        "range_end": "2025-04-06T12:00",
    }
    got = slots(**kw, weekly=hours, duration=120, step=60)
    assert got == day("2025-04-05", "12:15", "13:15")
    assert slots(**kw, weekly=hours, duration=240, step=60) == ["2025-04-05T12:15"]
    # 03:00-04:00 wall: open 13:15Z-14:00Z, then closed while the wall shows 02:45-03:00 again
    hours = weekly(SUN, hours=(("03:00", "04:00"),))
    assert slots(**kw, weekly=hours, step=60) == []
    assert slots(**kw, weekly=hours, step=60, duration=45) == ["2025-04-05T13:15"]


# --------------------------------------------------------------------------- precision, errors


def test_second_and_microsecond_precision() -> None:
    assert slots(busy=(busy("2025-01-06T08:00", "2025-01-06T09:00:01"),))[0] == "2025-01-06T09:30"
    assert slots(now="2025-01-06T08:59:59.999999")[0] == "2025-01-06T09:00"
    assert slots(now="2025-01-06T09:00:00.000001")[0] == "2025-01-06T09:30"
    q = query(
        weekly=weekly(MON, hours=(("09:00", "09:10"),)), step=timedelta(seconds=90), duration=5
    )
    assert compute_slots(q) == [
        z("2025-01-06T09:00:00"),
        z("2025-01-06T09:01:30"),
        z("2025-01-06T09:03:00"),
        z("2025-01-06T09:04:30"),
    ]
    # a step with microseconds: starts keep them
    q = query(step=timedelta(minutes=59, seconds=59, microseconds=500_000), duration=60)
    assert compute_slots(q)[1] == z("2025-01-06T09:59:59.500000")
    assert first_slot(query(range_start=z("2025-01-06T09:00:00.5"))) == z("2025-01-06T09:30")


def test_inputs_in_other_zones_are_accepted() -> None:
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    q = query(now=datetime(2025, 1, 6, 10, 15, tzinfo=paris))  # 09:15Z
    assert compute_slots(q) == [
        z("2025-01-06T09:30"),
        z("2025-01-06T10:00"),
        z("2025-01-06T10:30"),
        z("2025-01-06T11:00"),
    ]


def test_invalid_queries() -> None:
    with pytest.raises(ValueError):
        compute_slots(query(step=timedelta(0)))
    with pytest.raises(ValueError):
        compute_slots(query(duration=timedelta(0)))
    with pytest.raises(ValueError):
        compute_slots(query(buffer_before=timedelta(minutes=-1)))
    with pytest.raises(ValueError):
        compute_slots(query(weekly=(WeeklyRule(MON, WallInterval(600, 600)),)))
    with pytest.raises(ValueError):
        compute_slots(query(weekly=(WeeklyRule(MON, WallInterval(600, 1441)),)))
    with pytest.raises(ValueError):
        compute_slots(query(weekly=(WeeklyRule(7, WallInterval(600, 660)),)))


def test_first_slot_none_and_far_away() -> None:
    assert first_slot(query(weekly=())) is None
    # the only open day is 40 days away
    override = DateOverride(date(2025, 2, 15), (iv("10:00", "11:00"),))
    q = query(weekly=(), overrides=(override,), range_end=z("2025-03-01T00:00"))
    assert first_slot(q) == z("2025-02-15T10:00")
    assert compute_slots(q) == [z("2025-02-15T10:00")]


def test_engine_imports_no_django() -> None:
    root = Path(__file__).resolve().parents[3]
    code = (
        "import sys, pkgutil, importlib, tandem.availability.engine as e\n"
        "for m in pkgutil.iter_modules(e.__path__):\n"
        "    importlib.import_module(e.__name__ + '.' + m.name)\n"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": ""},
    )
    assert out.stdout.strip() == "False"
