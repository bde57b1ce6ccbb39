"""Slot computation: `compute_slots` and `first_slot` (semantics: types.py's docstring).

Everything is done in integer microseconds since the Unix epoch:

- UTC instants are `t`; *wall* instants are `t + offset`, i.e. the local wall clock read as if
  it were UTC, so local date number n (days since 1970-01-01) spans [n * DAY, (n + 1) * DAY).
- The zone's UTC offset history is sampled once per (zone, year) and cached as sorted
  transition lists (`_ZoneTable`), so a query only bisects it to get the offset *segments*
  [u0, u1) (constant offset) that cover its range.
- Open hours: the merged wall intervals of each local date are mapped to UTC span by span per
  segment (in a fall-back both occurrences are open, a spring-forward gap maps to nothing),
  then time off is subtracted with a sorted sweep.
- Allowed starts: s is a slot start iff [s, s + duration) lies in one open span (open spans are
  maximal), s avoids the forbidden set derived from busy intervals and buffers, and
  lo <= s < hi. All three are unions of integer intervals, combined by sweeps.
- Candidates: each open wall interval's grid a, a + step, ... is an arithmetic progression;
  per *piece* (a wall range with the first-occurrence offset) it maps to a UTC progression,
  intersected with the allowed spans arithmetically. Caps depend only on the candidate's
  local date and ISO week, so a capped date is skipped whole.

Datetimes are only built for the output.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .types import DateOverride, SlotQuery, WallInterval, WeeklyRule

US = 1_000_000
MINUTE = 60 * US
DAY = 86_400 * US
_DAY_S = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Offsets are sampled this far apart (seconds) and transitions located by binary search. Any
# pair of transitions that returns to the same offset within this span would be missed; no
# zone does that (real transitions are months apart).
_SAMPLE_S = 6 * 3600
_from_ts = datetime.fromtimestamp


def _dt_us(dt: datetime) -> int:
    d = dt - _EPOCH  # TypeError for naive datetimes, as it should
    return (d.days * _DAY_S + d.seconds) * US + d.microseconds


def _td_us(td: timedelta) -> int:
    return (td.days * _DAY_S + td.seconds) * US + td.microseconds


def _us_dt(t: int) -> datetime:
    sec, us = divmod(t, US)
    dt = _from_ts(sec, UTC)
    return dt.replace(microsecond=us) if us else dt


def _year_start_s(year: int) -> int:
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY_S


def _year_of(t: int) -> int:
    return (_EPOCH + timedelta(microseconds=t)).year


# --------------------------------------------------------------------------- zone offsets


class _ZoneTable:
    """A zone's UTC offsets over a range of whole UTC years, as sorted transition lists.

    `starts[i]` (µs) is where offset `offsets[i]` (µs) begins; it holds until `starts[i + 1]`
    (or `end`). starts[0] is the start of the first covered year.
    """

    __slots__ = ("_lock", "data", "tz")

    def __init__(self, name: str) -> None:
        self.tz = ZoneInfo(name)
        self._lock = threading.Lock()
        # (first_year, last_year, starts, offsets, end, min_offset, max_offset)
        self.data: tuple[int, int, list[int], list[int], int, int, int] | None = None

    def _off_s(self, t: int) -> int:
        off = _from_ts(t, self.tz).utcoffset()
        assert off is not None
        return off.days * _DAY_S + off.seconds

    def _build(self, y0: int, y1: int) -> tuple[int, int, list[int], list[int], int, int, int]:
        t, end = _year_start_s(y0), _year_start_s(y1 + 1)
        off = self._off_s(t)
        starts, offsets = [t], [off]
        while t < end:
            nt = min(t + _SAMPLE_S, end)
            noff = self._off_s(nt)
            while noff != off:  # one or more changes in (t, nt]: find them in order
                lo, hi = t, nt  # off(lo) == off != off(hi)
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if self._off_s(mid) == off:
                        lo = mid
                    else:
                        hi = mid
                t, off = hi, self._off_s(hi)
                starts.append(t)
                offsets.append(off)
            t = nt
        starts_us = [s * US for s in starts]
        offsets_us = [o * US for o in offsets]
        return (y0, y1, starts_us, offsets_us, end * US, min(offsets_us), max(offsets_us))

    def covering(self, lo: int, hi: int) -> tuple[int, int, list[int], list[int], int, int, int]:
        """The table, extended if needed to cover the UTC instants [lo, hi] (µs)."""
        data = self.data
        if data is not None and data[2][0] <= lo and hi < data[4]:
            return data
        with self._lock:
            data = self.data
            y0, y1 = _year_of(lo), _year_of(hi)
            if data is not None:
                if data[0] <= y0 and y1 <= data[1]:
                    return data
                y0, y1 = min(y0, data[0]), max(y1, data[1])
            data = self._build(y0, y1)
            self.data = data
            return data


_ZONES: dict[str, _ZoneTable] = {}
_ZONES_LOCK = threading.Lock()


def _zone_table(name: str) -> _ZoneTable:
    table = _ZONES.get(name)
    if table is None:
        with _ZONES_LOCK:
            table = _ZONES.get(name)
            if table is None:
                table = _ZONES[name] = _ZoneTable(name)
    return table


def _segments(table: _ZoneTable, lo: int, hi: int) -> tuple[list[tuple[int, int, int]], int, int]:
    """Constant-offset UTC segments (u0, u1, offset) covering [lo, hi), plus min/max offset."""
    _, _, starts, offsets, end, _, _ = table.covering(lo, hi)
    i = bisect_right(starts, lo) - 1
    n = len(starts)
    segs = []
    u0 = lo
    while u0 < hi:
        u1 = starts[i + 1] if i + 1 < n else end
        if u1 > hi:
            u1 = hi
        segs.append((u0, u1, offsets[i]))
        u0 = u1
        i += 1
    offs = [s[2] for s in segs]
    return segs, min(offs), max(offs)


def _pieces(segs: list[tuple[int, int, int]]) -> tuple[list[int], list[int], list[int]]:
    """Wall ranges with the offset of their first occurrence: (starts, ends, offsets), sorted.

    A wall instant that is in no piece does not exist (gap); one in a fall-back overlap is
    only in the piece of its first (earliest UTC) occurrence.
    """
    covered: list[tuple[int, int]] = []  # union of earlier segments' wall ranges, sorted
    pieces: list[tuple[int, int, int]] = []
    for u0, u1, off in segs:
        w0, w1 = u0 + off, u1 + off
        # the parts of [w0, w1) not covered yet
        cur = w0
        for c0, c1 in covered:
            if c1 <= cur:
                continue
            if c0 >= w1:
                break
            if c0 > cur:
                pieces.append((cur, c0, off))
            cur = max(cur, c1)
            if cur >= w1:
                break
        if cur < w1:
            pieces.append((cur, w1, off))
        covered = _merge_pairs([*covered, (w0, w1)])
    pieces.sort()
    return [p[0] for p in pieces], [p[1] for p in pieces], [p[2] for p in pieces]


# --------------------------------------------------------------------------- interval helpers


def _merge_pairs(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching [start, end) pairs; drops empty ones."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(pairs):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _subtract(
    xs: list[int], ys: list[int], fs: list[int], fe: list[int]
) -> tuple[list[int], list[int]]:
    """Sorted disjoint [xs, ys) minus sorted merged [fs, fe)."""
    if not fs:
        return xs, ys
    os_: list[int] = []
    oe: list[int] = []
    m = len(fs)
    j = bisect_right(fe, xs[0]) if xs else 0
    for x, y in zip(xs, ys, strict=True):
        while j < m and fe[j] <= x:
            j += 1
        k = j
        cur = x
        while k < m and fs[k] < y:
            if fs[k] > cur:
                os_.append(cur)
                oe.append(fs[k])
            if fe[k] > cur:
                cur = fe[k]
                if cur >= y:
                    break
            k += 1
        if cur < y:
            os_.append(cur)
            oe.append(y)
    return os_, oe


def _check_interval(iv: WallInterval) -> tuple[int, int]:
    a, b = iv.start_minute, iv.end_minute
    if not (0 <= a < b <= 1440):
        raise ValueError(f"invalid wall interval {a}..{b} (need 0 <= start < end <= 1440)")
    return a * MINUTE, b * MINUTE


# --------------------------------------------------------------------------- prepared query


class _Prepared:
    __slots__ = (
        "busy_counted",
        "cap_cd",
        "cap_cw",
        "cap_td",
        "cap_tw",
        "dur",
        "fe",
        "fs",
        "hi",
        "lo",
        "ov_merged",
        "ov_raw",
        "step",
        "table",
        "te",
        "ts",
        "weekly_merged",
        "weekly_raw",
    )

    def __init__(self, q: SlotQuery) -> None:
        self.dur = dur = _td_us(q.duration)
        self.step = step = _td_us(q.step)
        bb, ba = _td_us(q.buffer_before), _td_us(q.buffer_after)
        if dur <= 0 or step <= 0:
            raise ValueError("duration and step must be positive")
        if bb < 0 or ba < 0:
            raise ValueError("buffers must not be negative")
        now = _dt_us(q.now)
        self.lo = lo = max(_dt_us(q.range_start), now + _td_us(q.min_notice))
        self.hi = hi = min(_dt_us(q.range_end), now + _td_us(q.window))
        self.table = _zone_table(q.zone)
        self.weekly_raw, self.weekly_merged = _weekly(q.weekly)  # validates the intervals
        self.ov_raw, self.ov_merged = _overrides(q.overrides)
        if lo >= hi:
            return

        tos = _merge_pairs([(_dt_us(r.start), _dt_us(r.end)) for r in q.time_off])
        self.ts = [p[0] for p in tos]
        self.te = [p[1] for p in tos]

        # s is forbidden by busy [p, e) iff s - bb < e and s + dur + ba > p, i.e. for integer s:
        # s in [p - dur - ba + 1, e + bb).
        before = dur + ba - 1
        f_lo, f_hi = lo - bb, hi + before  # busy intervals outside can't matter
        busy = []
        counted = []
        type_id = q.session_type_id
        caps = (
            q.coach_daily_cap is not None
            or q.coach_weekly_cap is not None
            or (
                type_id is not None
                and (q.type_daily_cap is not None or q.type_weekly_cap is not None)
            )
        )
        epoch = _EPOCH
        for b in q.busy:
            d = b.start - epoch
            p = (d.days * _DAY_S + d.seconds) * US + d.microseconds
            d = b.end - epoch
            e = (d.days * _DAY_S + d.seconds) * US + d.microseconds
            if p < e and e > f_lo and p < f_hi:
                busy.append((p - before, e + bb))
            if caps and b.counts_toward_caps:
                counted.append((p, type_id is not None and b.session_type_id == type_id))
        forb = _merge_pairs(busy)
        self.fs = [p[0] for p in forb]
        self.fe = [p[1] for p in forb]
        counted.sort()
        self.busy_counted = counted
        self.cap_cd, self.cap_cw = q.coach_daily_cap, q.coach_weekly_cap
        if type_id is None:
            self.cap_td = self.cap_tw = None
        else:
            self.cap_td, self.cap_tw = q.type_daily_cap, q.type_weekly_cap

    def local_date(self, t: int) -> int:
        """Local date number of the UTC instant t."""
        _, _, starts, offsets, _, _, _ = self.table.covering(t, t)
        return (t + offsets[bisect_right(starts, t) - 1]) // DAY

    def blocked_dates(self, d0: int, d1: int) -> set[int]:
        """The local dates in [d0, d1] on which a cap is reached."""
        cd, cw, td, tw = self.cap_cd, self.cap_cw, self.cap_td, self.cap_tw
        if cd is None and cw is None and td is None and tw is None:
            return set()
        # whole ISO weeks around [d0, d1], widened by two days for any offset
        w0 = (d0 + 3) // 7 * 7 - 3
        w1 = (d1 + 3) // 7 * 7 - 3 + 7
        counted = self.busy_counted
        i = bisect_left(counted, ((w0 - 2) * DAY, False))
        limit = (w1 + 2) * DAY
        daily: dict[int, int] = {}
        weekly: dict[int, int] = {}
        tdaily: dict[int, int] = {}
        tweekly: dict[int, int] = {}
        ncounted = len(counted)
        if i < ncounted and counted[i][0] < limit:
            _, _, starts, offsets, _, _, _ = self.table.covering(counted[i][0], limit)
            nstarts = len(starts)
            k = bisect_right(starts, counted[i][0]) - 1
            get = dict.get
            while i < ncounted:
                p, same_type = counted[i]
                if p >= limit:
                    break
                i += 1
                while k + 1 < nstarts and starts[k + 1] <= p:
                    k += 1
                n = (p + offsets[k]) // DAY
                wk = (n + 3) // 7
                daily[n] = get(daily, n, 0) + 1
                weekly[wk] = get(weekly, wk, 0) + 1
                if same_type:
                    tdaily[n] = get(tdaily, n, 0) + 1
                    tweekly[wk] = get(tweekly, wk, 0) + 1
        blocked = set()
        for n in range(d0, d1 + 1):
            wk = (n + 3) // 7
            if (
                (cd is not None and daily.get(n, 0) >= cd)
                or (cw is not None and weekly.get(wk, 0) >= cw)
                or (td is not None and tdaily.get(n, 0) >= td)
                or (tw is not None and tweekly.get(wk, 0) >= tw)
            ):
                blocked.add(n)
        return blocked

    def date_span(self) -> tuple[int, int]:
        """Local dates that can hold a candidate in [lo, hi) (a day of margin each side)."""
        return self.local_date(self.lo) - 1, self.local_date(self.hi - 1) + 1

    def scan(self, d0: int, d1: int) -> list[int]:
        """Slot starts (µs, unsorted, maybe repeated) of the candidates of local dates d0..d1."""
        dur, step, lo, hi = self.dur, self.step, self.lo, self.hi
        # Open hours are needed from the day before d0 up to the date of the end of a session
        # starting at the end of d1 (plus one day of margin).
        o0 = d0 - 1
        o1 = d1 + 2 + (dur + DAY - 1) // DAY
        segs, _, _ = _segments(self.table, (o0 - 2) * DAY, (o1 + 3) * DAY)

        # merged open wall intervals of dates o0..o1
        ws: list[int] = []
        we: list[int] = []
        ov, weekly = self.ov_merged, self.weekly_merged
        for n in range(o0, o1 + 1):
            ivs = ov.get(n)
            if ivs is None:
                ivs = weekly[(n + 3) % 7]
            base = n * DAY
            for a, b in ivs:
                a += base
                b += base
                if we and we[-1] >= a:
                    if b > we[-1]:
                        we[-1] = b
                else:
                    ws.append(a)
                    we.append(b)

        # to UTC spans (every occurrence), merged
        xs: list[int] = []
        ys: list[int] = []
        nw = len(ws)
        for u0, u1, off in segs:
            i = bisect_right(we, u0 + off)
            w1 = u1 + off
            while i < nw and ws[i] < w1:
                x = ws[i] - off
                if x < u0:
                    x = u0
                y = we[i] - off
                if y > u1:
                    y = u1
                if ys and ys[-1] >= x:
                    if y > ys[-1]:
                        ys[-1] = y
                else:
                    xs.append(x)
                    ys.append(y)
                i += 1
        if not xs:
            return []
        xs, ys = _subtract(xs, ys, self.ts, self.te)

        # allowed starts: [x, y - dur] within [lo, hi), minus the busy-forbidden set
        als: list[int] = []
        ale: list[int] = []
        for x, y in zip(xs, ys, strict=True):
            y = y - dur + 1
            if x < lo:
                x = lo
            if y > hi:
                y = hi
            if x < y:
                als.append(x)
                ale.append(y)
        if not als:
            return []
        als, ale = _subtract(als, ale, self.fs, self.fe)
        if not als:
            return []

        # candidates
        ps, pe, po = _pieces(segs)
        npieces = len(ps)
        nal = len(ale)
        blocked = self.blocked_dates(d0, d1)
        ov, weekly = self.ov_raw, self.weekly_raw
        out: list[int] = []
        extend = out.extend
        for n in range(d0, d1 + 1):
            if n in blocked:
                continue
            ivs = ov.get(n)
            if ivs is None:
                ivs = weekly[(n + 3) % 7]
            base = n * DAY
            for a, b in ivs:
                w0 = base + a
                w1 = base + b
                k = bisect_right(pe, w0)
                while k < npieces and ps[k] < w1:
                    p0, p1, off = ps[k], pe[k], po[k]
                    k += 1
                    x0 = w0 if p0 < w0 else p0
                    x1 = w1 if p1 > w1 else p1
                    # grid indices j with x0 <= w0 + j * step < x1
                    jf = -((w0 - x0) // step)
                    jl = -((w0 - x1) // step)
                    if jf >= jl:
                        continue
                    s0 = w0 - off + jf * step
                    s1 = w0 - off + jl * step
                    j = bisect_right(ale, s0)
                    while j < nal:
                        y0 = als[j]
                        if y0 >= s1:
                            break
                        y1 = ale[j]
                        j += 1
                        start = s0 if y0 <= s0 else s0 - ((s0 - y0) // step) * step
                        stop = s1 if y1 > s1 else y1
                        if start < stop:
                            extend(range(start, stop, step))
        return out


def _weekly(
    weekly: tuple[WeeklyRule, ...],
) -> tuple[list[list[tuple[int, int]]], list[list[tuple[int, int]]]]:
    raw: list[set[tuple[int, int]]] = [set() for _ in range(7)]
    for rule in weekly:
        if not 0 <= rule.weekday <= 6:
            raise ValueError(f"invalid weekday {rule.weekday}")
        raw[rule.weekday].add(_check_interval(rule.interval))
    return [sorted(r) for r in raw], [_merge_pairs(list(r)) for r in raw]


def _overrides(
    overrides: tuple[DateOverride, ...],
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, list[tuple[int, int]]]]:
    raw: dict[int, set[tuple[int, int]]] = {}
    for o in overrides:
        ivs = raw.setdefault(o.date.toordinal() - _EPOCH_ORDINAL, set())
        for iv in o.intervals:
            ivs.add(_check_interval(iv))
    return (
        {n: sorted(r) for n, r in raw.items()},
        {n: _merge_pairs(list(r)) for n, r in raw.items()},
    )


# --------------------------------------------------------------------------- public API


def compute_slots(query: SlotQuery) -> list[datetime]:
    """All slot starts of the query, as aware UTC datetimes, ascending and unique."""
    prep = _Prepared(query)
    if prep.lo >= prep.hi:
        return []
    d0, d1 = prep.date_span()
    starts = sorted(set(prep.scan(d0, d1)))
    if any(t % US for t in starts):
        return [_us_dt(t) for t in starts]
    return [_from_ts(t // US, UTC) for t in starts]


def first_slot(query: SlotQuery) -> datetime | None:
    """The earliest slot start of the query (compute_slots(query)[0]) or None.

    Scans local dates in growing chunks (1, 1, 2, 4, ... days) and stops as soon as no later
    date can hold an earlier instant than the best start found.
    """
    prep = _Prepared(query)
    if prep.lo >= prep.hi:
        return None
    d0, d1 = prep.date_span()
    max_off = prep.table.covering(prep.lo, prep.hi)[6]
    best: int | None = None
    size = 1
    d = d0
    while d <= d1:
        e = min(d + size - 1, d1)
        starts = prep.scan(d, e)
        if starts:
            m = min(starts)
            if best is None or m < best:
                best = m
        # instants of local date e + 1 onwards are >= (e + 1) * DAY - max_off
        if best is not None and (e + 1) * DAY - max_off >= best:
            break
        d = e + 1
        if d > d0 + 1:
            size *= 2
    return None if best is None else _us_dt(best)
