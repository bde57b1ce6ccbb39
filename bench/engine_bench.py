"""Benchmark of the pure availability engine (no Django needed).

Run: .venv/bin/python bench/engine_bench.py [--calls N]

Scenario (fixed seed): America/New_York coach, a 60-day range that crosses the March DST
change, 5 intervals every weekday, 20 date overrides, 10 time-off ranges, 300 busy intervals,
60-minute sessions, 15- and 30-minute steps, buffers 10/10, notice 12 h, all four caps set.
Target: p50 <= 2 ms per compute_slots call. A naive per-candidate implementation (datetime +
zoneinfo for every candidate, the session walked minute by minute, busy and time off scanned
linearly) runs on the same scenario for comparison and must give the same slots.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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

TARGET_US = 2000.0
ZONE = "America/New_York"
START = datetime(2025, 2, 20, 5, 0, tzinfo=UTC)  # 00:00 EST; March 9 is in the range
DAYS = 60
TYPES = ("intro", "deep", "check")


def scenario(step_minutes: int, seed: int = 20250220) -> SlotQuery:
    rng = random.Random(seed)
    tz = ZoneInfo(ZONE)
    hours = [
        (8 * 60, 9 * 60 + 30),
        (10 * 60, 12 * 60),
        (13 * 60, 14 * 60 + 30),
        (15 * 60, 17 * 60),
        (18 * 60, 19 * 60 + 30),
    ]
    weekly = tuple(WeeklyRule(d, WallInterval(a, b)) for d in range(5) for a, b in hours)
    first_day = START.astimezone(tz).date()
    override_days = rng.sample(range(DAYS), 20)
    overrides = []
    for i, offset in enumerate(sorted(override_days)):
        d = first_day + timedelta(days=offset)
        if i % 4 == 0:
            overrides.append(DateOverride(d))  # closed
        else:
            a = rng.randrange(7 * 60, 11 * 60, 15)
            overrides.append(
                DateOverride(
                    d,
                    (
                        WallInterval(a, a + 180),
                        WallInterval(a + 240, a + 240 + rng.choice([90, 120, 240])),
                    ),
                )
            )
    time_off = []
    for _ in range(10):
        at = START + timedelta(minutes=rng.randrange(0, DAYS * 1440, 15))
        time_off.append(
            UtcRange(at, at + timedelta(minutes=rng.choice([60, 120, 240, 1440, 2 * 1440])))
        )
    busy = []
    for _ in range(300):
        d = first_day + timedelta(days=rng.randrange(DAYS))
        local = datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(
            minutes=rng.randrange(7 * 60, 20 * 60, 15)
        )
        s = local.astimezone(UTC) - timedelta(minutes=10)
        e = s + timedelta(minutes=rng.choice([30, 45, 60, 90]) + 20)
        busy.append(BusyInterval(s, e, rng.choice((*TYPES, None)), rng.random() < 0.8))
    return SlotQuery(
        zone=ZONE,
        weekly=weekly,
        overrides=tuple(overrides),
        time_off=tuple(time_off),
        busy=tuple(busy),
        duration=timedelta(minutes=60),
        step=timedelta(minutes=step_minutes),
        now=START - timedelta(hours=6),
        range_start=START,
        range_end=START + timedelta(days=DAYS),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=10),
        min_notice=timedelta(hours=12),
        window=timedelta(days=90),
        session_type_id="intro",
        type_daily_cap=4,
        type_weekly_cap=14,
        coach_daily_cap=8,
        coach_weekly_cap=40,
    )


def naive_slots(q: SlotQuery) -> list[datetime]:
    """The straightforward way: datetimes and zoneinfo for every candidate and every minute."""
    tz = ZoneInfo(q.zone)
    one = timedelta(minutes=1)
    lo = max(q.range_start, q.now + q.min_notice)
    hi = min(q.range_end, q.now + q.window)
    overrides: dict[date, list[WallInterval]] = {}
    for o in q.overrides:
        overrides.setdefault(o.date, []).extend(o.intervals)

    def hours(d: date) -> list[WallInterval]:
        if d in overrides:
            return overrides[d]
        return [r.interval for r in q.weekly if r.weekday == d.weekday()]

    def is_open(t: datetime) -> bool:
        local = t.astimezone(tz)
        m = local.hour * 60 + local.minute
        if not any(iv.start_minute <= m < iv.end_minute for iv in hours(local.date())):
            return False
        return not any(r.start <= t < r.end for r in q.time_off)

    day_n: Counter[date] = Counter()
    week_n: Counter[tuple[int, int]] = Counter()
    tday_n: Counter[date] = Counter()
    tweek_n: Counter[tuple[int, int]] = Counter()
    for b in q.busy:
        if b.counts_toward_caps:
            d = b.start.astimezone(tz).date()
            day_n[d] += 1
            week_n[d.isocalendar()[:2]] += 1
            if b.session_type_id == q.session_type_id:
                tday_n[d] += 1
                tweek_n[d.isocalendar()[:2]] += 1

    def capped(d: date) -> bool:
        wk = d.isocalendar()[:2]
        return (
            (q.coach_daily_cap is not None and day_n[d] >= q.coach_daily_cap)
            or (q.coach_weekly_cap is not None and week_n[wk] >= q.coach_weekly_cap)
            or (q.type_daily_cap is not None and tday_n[d] >= q.type_daily_cap)
            or (q.type_weekly_cap is not None and tweek_n[wk] >= q.type_weekly_cap)
        )

    out = set()
    d = lo.astimezone(tz).date() - timedelta(days=1)
    while d <= hi.astimezone(tz).date() + timedelta(days=1):
        if not capped(d):
            for iv in hours(d):
                w = timedelta(minutes=iv.start_minute)
                while w < timedelta(minutes=iv.end_minute):
                    naive = datetime(d.year, d.month, d.day) + w
                    s = naive.replace(tzinfo=tz).astimezone(UTC)
                    w += q.step
                    if s.astimezone(tz).replace(tzinfo=None) != naive or not lo <= s < hi:
                        continue
                    e = s + q.duration
                    if any(
                        b.start < e + q.buffer_after and b.end > s - q.buffer_before for b in q.busy
                    ):
                        continue
                    t = s
                    while t < e and is_open(t):
                        t += one
                    if t >= e:
                        out.add(s)
        d += timedelta(days=1)
    return sorted(out)


def measure(fn: Callable[[], object], calls: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / 1000)
    return times


def pct(times: list[float], p: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def report(label: str, times: list[float]) -> float:
    p50 = statistics.median(times)
    verdict = "OK" if p50 <= TARGET_US else "OVER TARGET"
    print(
        f"  {label:<26} p50 {p50:8.1f} µs   p95 {pct(times, 95):8.1f} µs   "
        f"mean {statistics.fmean(times):8.1f} µs   ({len(times)} calls)   {verdict}"
    )
    return p50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--naive-calls", type=int, default=5)
    args = parser.parse_args()

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: nproc={nproc}  cpu={cpu}  "
        f"python={platform.python_version()} ({platform.python_implementation()})"
    )
    print(f"target: p50 <= {TARGET_US:.0f} µs per compute_slots call\n")

    for step in (15, 30):
        q = scenario(step)
        got = compute_slots(q)
        naive = naive_slots(q)
        assert got == naive, "engine and naive implementation disagree"
        assert first_slot(q) == got[0]
        days = len({s.astimezone(ZoneInfo(ZONE)).date() for s in got})
        print(
            f"step {step} min: {len(got)} slots on {days} local days; "
            f"{len(q.weekly)} weekly intervals, {len(q.overrides)} overrides, "
            f"{len(q.time_off)} time off, {len(q.busy)} busy"
        )
        p50 = report("compute_slots", measure(partial(compute_slots, q), args.calls))
        report("first_slot", measure(partial(first_slot, q), args.calls))
        late = SlotQuery(
            **{f: getattr(q, f) for f in q.__dataclass_fields__}
            | {"range_start": got[len(got) // 2]}
        )
        report("first_slot (mid-range)", measure(partial(first_slot, late), args.calls))
        base = report(
            "naive baseline", measure(partial(naive_slots, q), args.naive_calls, warmup=1)
        )
        print(f"  speed-up compute_slots vs naive (p50): {base / p50:.0f}x\n")


if __name__ == "__main__":
    main()
