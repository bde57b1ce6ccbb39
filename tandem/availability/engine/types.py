"""The availability engine's inputs and outputs: plain frozen dataclasses, no Django.

Semantics (the oracle in the tests implements exactly these, minute by minute):

- Wall-clock rules are in the coach's zone. A local date's open hours are its override's
  intervals if the date has an override (no intervals: closed), else the weekly intervals of
  its weekday. Intervals are [start_minute, end_minute) after local midnight; end 1440 = 24:00.
- An instant is *open* if its wall-clock time in the zone (date and minute of day) falls inside
  an open interval of that local date, and it is not inside any time-off range. So in a
  fall-back hour both real hours are open when the wall hour is; a spring-forward gap is
  simply absent.
- Candidate starts: for each open interval [a, b) of each local date, the wall times
  a, a + step, a + 2*step, ... < b. A wall time that does not exist that day (gap) is skipped;
  one that occurs twice (fold) counts once, at its first occurrence. Candidates from several
  intervals are merged (no duplicates).
- A candidate start s (UTC) is a slot when:
  * every instant of [s, s + duration) is open (the session may cross from one open interval
    into a contiguous one, and across a DST change it has its real length);
  * [s - buffer_before, s + duration + buffer_after) overlaps no busy interval (busy intervals
    already include the buffers of the bookings they stand for);
  * s >= now + min_notice and s < now + window;
  * s is within [range_start, range_end);
  * caps: counting the busy intervals with `counts_toward_caps` whose start falls on the same
    local date (zone of the coach) as s: fewer than coach_daily_cap, and, counting only those of
    this session type, fewer than type_daily_cap; likewise per ISO week (Monday to Sunday,
    local) for the weekly caps. None means no cap.
- Output: slot starts as aware UTC datetimes, ascending, no duplicates.

Details where the rules above leave a choice (the engine and the oracle test both follow them):

- All ranges are half-open [start, end): time off, busy intervals, the query range; a busy
  interval that merely touches [s - buffer_before, s + duration + buffer_after) does not block.
  A busy interval with end <= start blocks nothing (but still counts toward caps).
- Instants are exact to the microsecond: "minute of day" means the wall time itself, so an
  instant is open iff its wall time t satisfies start_minute:00 <= t < end_minute:00. duration
  and step may be any positive timedeltas (the grid is a + k * step, exactly).
- A candidate's local date (for caps) is the date whose interval produced it. Caps count a busy
  interval by its `start` as given (i.e. including the booking's buffer_before).
- Type caps apply only when `session_type_id` is not None; they count busy intervals whose
  `session_type_id` equals it (a busy interval with session_type_id None never matches).
- Several overrides for the same date: their intervals are combined (the date is closed only if
  they all are). Weekly rules or override intervals that overlap each keep their own grid.
- ValueError for duration <= 0, step <= 0, a negative buffer, a weekday outside 0..6 or an
  interval outside 0 <= start_minute < end_minute <= 1440. Datetimes must be aware (any zone:
  they are instants); an unknown zone raises zoneinfo.ZoneInfoNotFoundError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True, slots=True)
class WallInterval:
    start_minute: int  # 0..1439
    end_minute: int  # start_minute < end_minute <= 1440


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    weekday: int  # 0 = Monday .. 6 = Sunday
    interval: WallInterval


@dataclass(frozen=True, slots=True)
class DateOverride:
    date: date
    intervals: tuple[WallInterval, ...] = ()  # empty: closed all day


@dataclass(frozen=True, slots=True)
class UtcRange:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC, > start


@dataclass(frozen=True, slots=True)
class BusyInterval:
    start: datetime  # aware UTC; already widened by the booking's buffers
    end: datetime
    session_type_id: str | None = None
    counts_toward_caps: bool = True


@dataclass(frozen=True, slots=True)
class SlotQuery:
    zone: str  # IANA name of the coach's zone
    weekly: tuple[WeeklyRule, ...]
    overrides: tuple[DateOverride, ...]
    time_off: tuple[UtcRange, ...]
    busy: tuple[BusyInterval, ...]
    duration: timedelta
    step: timedelta
    now: datetime  # aware UTC
    range_start: datetime  # aware UTC
    range_end: datetime  # aware UTC
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    window: timedelta = timedelta(days=60)
    session_type_id: str | None = None
    type_daily_cap: int | None = None
    type_weekly_cap: int | None = None
    coach_daily_cap: int | None = None
    coach_weekly_cap: int | None = None
