"""Property test: the engine against a brute-force oracle written from types.py's docstring.

The oracle knows nothing of the engine's internals: it walks every UTC minute of the window and
asks zoneinfo for its wall time, builds candidate starts from local dates and wall times
(existence by round-tripping local -> UTC -> local, fold=0 = first occurrence), and checks every
rule minute by minute (prefix sums over per-minute flags, only to make the checks O(1)).
All generated instants are minute-aligned and the zones' offsets are whole minutes, so minute
resolution is exact here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MIN = timedelta(minutes=1)
ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
]
# Local dates of the DST changes of those zones in 2025-2027 (checked by
# test_transition_dates_are_real below).
TRANSITIONS = {
    "America/New_York": [
        "2025-03-09",
        "2025-11-02",
        "2026-03-08",
        "2026-11-01",
        "2027-03-14",
        "2027-11-07",
    ],
    "Europe/London": [
        "2025-03-30",
        "2025-10-26",
        "2026-03-29",
        "2026-10-25",
        "2027-03-28",
        "2027-10-31",
    ],
    "Australia/Lord_Howe": [
        "2025-04-06",
        "2025-10-05",
        "2026-04-05",
        "2026-10-04",
        "2027-04-04",
        "2027-10-03",
    ],
    "Pacific/Chatham": [
        "2025-04-06",
        "2025-09-28",
        "2026-04-05",
        "2026-09-27",
        "2027-04-04",
        "2027-09-26",
    ],
}
ALL_TRANSITION_DATES = sorted({d for ds in TRANSITIONS.values() for d in ds})


def to_min(dt: datetime) -> int:
    return (dt - EPOCH) // ONE_MIN


def from_min(m: int) -> datetime:
    return EPOCH + m * ONE_MIN


def oracle(q: SlotQuery) -> list[datetime]:
    tz = ZoneInfo(q.zone)
    lo = max(q.range_start, q.now + q.min_notice)
    hi = min(q.range_end, q.now + q.window)
    if lo >= hi:
        return []
    lo_m, hi_m = to_min(lo), to_min(hi)
    dur, step = q.duration // ONE_MIN, q.step // ONE_MIN
    bb, ba = q.buffer_before // ONE_MIN, q.buffer_after // ONE_MIN

    overrides: dict[date, list[WallInterval]] = {}
    for o in q.overrides:
        overrides.setdefault(o.date, []).extend(o.intervals)

    def open_hours(d: date) -> list[WallInterval]:
        if d in overrides:
            return overrides[d]
        return [r.interval for r in q.weekly if r.weekday == d.weekday()]

    # per-minute flags over [base, top)
    base, top = lo_m - bb - 1, hi_m + dur + ba + 1
    off_minutes: set[int] = set()
    for r in q.time_off:
        off_minutes.update(range(max(to_min(r.start), base), min(to_min(r.end), top)))
    busy_minutes: set[int] = set()
    for b in q.busy:
        busy_minutes.update(range(max(to_min(b.start), base), min(to_min(b.end), top)))
    open_prefix = [0]
    busy_prefix = [0]
    for m in range(base, top):
        local = from_min(m).astimezone(tz)
        minute_of_day = local.hour * 60 + local.minute
        is_open = m not in off_minutes and any(
            iv.start_minute <= minute_of_day < iv.end_minute for iv in open_hours(local.date())
        )
        open_prefix.append(open_prefix[-1] + is_open)
        busy_prefix.append(busy_prefix[-1] + (m in busy_minutes))

    def all_open(a: int, b: int) -> bool:
        return open_prefix[b - base] - open_prefix[a - base] == b - a

    def no_busy(a: int, b: int) -> bool:
        return busy_prefix[b - base] - busy_prefix[a - base] == 0

    # caps: busy intervals counted by the local date / ISO week of their start
    coach_day: Counter[date] = Counter()
    coach_week: Counter[tuple[int, int]] = Counter()
    type_day: Counter[date] = Counter()
    type_week: Counter[tuple[int, int]] = Counter()
    for b in q.busy:
        if not b.counts_toward_caps:
            continue
        d = b.start.astimezone(tz).date()
        wk = d.isocalendar()[:2]
        coach_day[d] += 1
        coach_week[wk] += 1
        if q.session_type_id is not None and b.session_type_id == q.session_type_id:
            type_day[d] += 1
            type_week[wk] += 1

    def under_caps(d: date) -> bool:
        wk = d.isocalendar()[:2]
        if q.coach_daily_cap is not None and coach_day[d] >= q.coach_daily_cap:
            return False
        if q.coach_weekly_cap is not None and coach_week[wk] >= q.coach_weekly_cap:
            return False
        if q.session_type_id is not None:
            if q.type_daily_cap is not None and type_day[d] >= q.type_daily_cap:
                return False
            if q.type_weekly_cap is not None and type_week[wk] >= q.type_weekly_cap:
                return False
        return True

    slots = set()
    d = lo.astimezone(tz).date() - timedelta(days=1)
    last = hi.astimezone(tz).date() + timedelta(days=1)
    while d <= last:
        midnight = datetime.combine(d, time(0))
        for iv in open_hours(d):
            for w in range(iv.start_minute, iv.end_minute, step):
                naive = midnight + timedelta(minutes=w)
                utc = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
                if utc.astimezone(tz).replace(tzinfo=None) != naive:
                    continue  # this wall time does not exist that day
                s = to_min(utc)
                if not lo_m <= s < hi_m:
                    continue
                if not all_open(s, s + dur):
                    continue
                if not no_busy(s - bb, s + dur + ba):
                    continue
                if not under_caps(d):
                    continue
                slots.add(utc)
        d += timedelta(days=1)
    return sorted(slots)


def test_transition_dates_are_real() -> None:
    for zone, days in TRANSITIONS.items():
        tz = ZoneInfo(zone)
        for day in days:
            d = date.fromisoformat(day)
            before = datetime.combine(d, time(0), tz).utcoffset()
            after = datetime.combine(d + timedelta(days=1), time(0), tz).utcoffset()
            assert before != after, (zone, day)


# --------------------------------------------------------------------------- strategies

MINUTE_POINTS = [0, 15, 60, 90, 105, 120, 150, 165, 180, 225, 540, 600, 720, 1380, 1410, 1425, 1440]
minute_point = st.one_of(st.sampled_from(MINUTE_POINTS), st.integers(0, 1440))


@st.composite
def day_intervals(draw: st.DrawFn) -> list[WallInterval]:
    """Wall intervals of one day: often adjacent (consecutive cut points), sometimes overlapping."""
    points = sorted(set(draw(st.lists(minute_point, min_size=2, max_size=6))))
    ivs = [WallInterval(a, b) for a, b in pairwise(points) if draw(st.integers(0, 3)) > 0]
    if draw(st.integers(0, 3)) == 0:
        a = draw(st.integers(0, 1439))
        ivs.append(WallInterval(a, draw(st.integers(a + 1, 1440))))
    return ivs


@st.composite
def queries(draw: st.DrawFn) -> SlotQuery:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 4)) > 0:
        anchor_days = TRANSITIONS.get(zone, ALL_TRANSITION_DATES)
        anchor = datetime.combine(
            date.fromisoformat(draw(st.sampled_from(anchor_days))), time(0), UTC
        )
        start = anchor + timedelta(minutes=draw(st.integers(-5 * 1440, 1440)))
    else:
        start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(0, 3 * 365 * 1440))
        )
    length = timedelta(minutes=draw(st.integers(1440, 10 * 1440)))
    end = start + length
    now = start - timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    min_notice = timedelta(
        minutes=draw(st.sampled_from([0, 0, 60, 720, 1440])) + draw(st.integers(0, 90))
    )
    window = timedelta(minutes=draw(st.one_of(st.just(60 * 1440), st.integers(1440, 12 * 1440))))

    weekly = []
    for weekday in draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)):
        weekly += [WeeklyRule(weekday, iv) for iv in draw(day_intervals())]
    for weekday in draw(st.lists(st.integers(0, 6), max_size=3)):  # whole days: cross midnight
        weekly.append(WeeklyRule(weekday, WallInterval(0, 1440)))

    local_start = start.astimezone(ZoneInfo(zone)).date()
    overrides = []
    for offset in draw(st.lists(st.integers(-1, 11), max_size=3)):
        ivs = draw(st.one_of(st.just([]), day_intervals()))
        overrides.append(DateOverride(local_start + timedelta(days=offset), tuple(ivs)))

    def instant(slack_days: int) -> datetime:
        total = int(length / ONE_MIN)
        return start + timedelta(
            minutes=draw(st.integers(-slack_days * 1440, total + slack_days * 1440))
        )

    time_off = []
    for _ in range(draw(st.integers(0, 3))):
        a = instant(1)
        time_off.append(UtcRange(a, a + timedelta(minutes=draw(st.integers(1, 2 * 1440)))))

    busy = []
    for _ in range(draw(st.integers(0, 6))):
        a = instant(8)
        busy.append(
            BusyInterval(
                a,
                a + timedelta(minutes=draw(st.sampled_from([0, 30, 60, 75, 90, 240]))),
                draw(st.sampled_from(["a", "b", None])),
                draw(st.integers(0, 3)) > 0,
            )
        )

    cap = st.sampled_from([None, None, None, None, 0, 1, 2, 3, 4])
    return SlotQuery(
        zone=zone,
        weekly=tuple(weekly),
        overrides=tuple(overrides),
        time_off=tuple(time_off),
        busy=tuple(busy),
        duration=timedelta(
            minutes=draw(st.one_of(st.sampled_from([15, 30, 60]), st.integers(15, 180)))
        ),
        step=timedelta(minutes=draw(st.integers(5, 120))),
        now=now,
        range_start=start,
        range_end=end,
        buffer_before=timedelta(minutes=draw(st.integers(0, 30))),
        buffer_after=timedelta(minutes=draw(st.integers(0, 30))),
        min_notice=min_notice,
        window=window,
        session_type_id=draw(st.sampled_from(["a", "b"])),
        type_daily_cap=draw(cap),
        type_weekly_cap=draw(cap),
        coach_daily_cap=draw(cap),
        coach_weekly_cap=draw(cap),
    )


@settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(queries())
def test_engine_matches_oracle(q: SlotQuery) -> None:
    expected = oracle(q)
    got = compute_slots(q)
    assert got == expected
    assert first_slot(q) == (expected[0] if expected else None)
    # Each candidate is judged on its own, so starting the range at a slot keeps exactly the
    # slots from there on: this exercises first_slot from many starting points (slots crossing
    # midnight, DST changes, ...).
    for k in sorted({1, len(expected) // 3, len(expected) // 2, len(expected) - 1}):
        if 0 < k < len(expected):
            later = replace(q, range_start=expected[k])
            assert first_slot(later) == expected[k]
            just_before = expected[k] - ONE_MIN
            want = expected[k - 1] if expected[k - 1] >= just_before else expected[k]
            assert first_slot(replace(q, range_start=just_before)) == want
    if len(expected) > 1:
        assert compute_slots(replace(q, range_start=expected[1])) == expected[1:]
