"""Rows to engine: availability's one hand-written statement, and the engine's question.

Turning rows into a `SlotQuery` *is* the rule: which rows block time, how caps are counted,
which dates' overrides matter. `slots.py` asks its questions through here; nothing else in
availability writes SQL by hand (the benchmark that justifies it: bench/README.md).

Each booking blocks [blocked_start, blocked_end) (its buffers included). Caps count a booking
on the local date/ISO week of the *session* start, not of its leading buffer: a booking whose
buffer starts earlier is passed as two busy intervals, the blocked range (not counted) and the
session itself (counted), which block exactly the same time. Busy rows come from the apps
above through the seam in `busy_time.py` (booking's bookings and holds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from tandem.coaches.models import CoachProfile, SessionType
from tandem.core import sql

from . import busy_time
from .busy_time import BusyRequest, BusyView
from .engine.types import BusyInterval, SlotQuery, UtcRange, WallInterval, WeeklyRule
from .engine.types import DateOverride as EngineOverride


@dataclass
class Rows:
    """One coach's loaded rules and busy time, before they become a `SlotQuery`."""

    weekly: list[WeeklyRule] = field(default_factory=list)
    overrides: dict[date, list[WallInterval]] = field(default_factory=dict)
    time_off: list[UtcRange] = field(default_factory=list)
    busy: list[BusyInterval] = field(default_factory=list)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("aware datetimes only")
    return value.astimezone(UTC)


def has_caps(coach: CoachProfile, session_type: SessionType) -> bool:
    return any(
        cap is not None
        for cap in (
            coach.daily_cap,
            coach.weekly_cap,
            session_type.daily_cap,
            session_type.weekly_cap,
        )
    )


@dataclass(frozen=True, slots=True)
class Span:
    """What to load for a set of (coach, session type, range) searches."""

    start: datetime  # earliest possible slot start considered
    end: datetime  # latest possible slot start considered
    reach: timedelta  # longest duration + buffers among the session types
    caps: bool  # some cap applies: load whole local weeks of bookings

    @classmethod
    def of(
        cls,
        searches: Sequence[tuple[CoachProfile, SessionType, datetime, datetime]],
        now: datetime,
    ) -> Span | None:
        lows, highs, reaches, caps = [], [], [], False
        for coach, session_type, start, end in searches:
            lo = max(start, now + timedelta(minutes=session_type.min_notice_minutes))
            hi = min(end, now + timedelta(days=session_type.booking_window_days))
            if lo >= hi:
                continue
            lows.append(lo)
            highs.append(hi)
            reaches.append(
                timedelta(
                    minutes=session_type.duration_minutes
                    + session_type.buffer_before_minutes
                    + session_type.buffer_after_minutes
                )
            )
            caps = caps or has_caps(coach, session_type)
        if not lows:
            return None
        return cls(min(lows), max(highs), max(reaches), caps)

    def dates(self) -> tuple[date, date]:
        # Local dates in any zone (UTC-12..+14) of every instant a session could touch.
        return (self.start - timedelta(days=2)).date(), (self.end + self.reach).date() + timedelta(
            days=2
        )

    def instants(self) -> tuple[datetime, datetime]:
        return self.start - self.reach, self.end + self.reach


# Every busy branch selects the same columns (the contract in busy_time.py).
_BUSY_COLUMNS = (
    'coach_id, NULL, NULL, session_type_id, NULL, start, "end", blocked_start, blocked_end'
)


def load_rows(
    coach_ids: Sequence[int], span: Span, *, rules: bool = True, view: BusyView | None = None
) -> dict[int, Rows]:
    """Rules and busy time for many coaches in one round trip.

    Hand-written (see tandem/core/sql.py): this runs inside every booking's transaction, and
    compiling its five ORM queries cost more CPU than the rest of the booking together.
    Each UNION branch is one kind of row: w(eekly), o(verride), t(ime off), and from the busy
    sources b(usy, counted toward caps: bookings) and h(eld, not counted: holds).
    """
    view = view or BusyView()
    params: list[object] = []
    ids = ", ".join(["%s"] * len(coach_ids))
    lo, hi = span.instants()
    # The first branch types every column (PostgreSQL resolves UNION types pair by pair,
    # and a NULL in the first two branches would otherwise become text).
    branches = [
        "SELECT 'x' AS kind, CAST(NULL AS integer) AS coach_id, CAST(NULL AS integer) AS a,"
        " CAST(NULL AS integer) AS b, CAST(NULL AS integer) AS type_id, CAST(NULL AS date) AS d,"
        " CAST(NULL AS timestamptz) AS t1, CAST(NULL AS timestamptz) AS t2,"
        " CAST(NULL AS timestamptz) AS t3, CAST(NULL AS timestamptz) AS t4 WHERE 1 = 0"
    ]
    if rules:
        first, last = span.dates()
        branches.append(
            "SELECT 'w', coach_id, weekday, start_minute, end_minute, NULL, NULL, NULL, NULL,"
            f" NULL FROM availability_weeklyinterval WHERE coach_id IN ({ids})"
        )
        params += coach_ids
        # A closed date (no intervals) comes back once, with NULL minutes.
        branches.append(
            "SELECT 'o', o.coach_id, i.start_minute, i.end_minute, NULL, o.date, NULL, NULL,"
            " NULL, NULL FROM availability_dateoverride o LEFT OUTER JOIN"
            " availability_overrideinterval i ON i.override_id = o.id"
            f" WHERE o.coach_id IN ({ids}) AND o.date >= %s AND o.date <= %s"
        )
        params += [*coach_ids, sql.day(first), sql.day(last)]
        branches.append(
            "SELECT 't', coach_id, NULL, NULL, NULL, NULL, start, \"end\", NULL, NULL"
            f' FROM availability_timeoff WHERE coach_id IN ({ids}) AND "end" > %s AND start < %s'
        )
        params += [*coach_ids, sql.instant(lo), sql.instant(hi)]
    # With caps: every booking of the local days and ISO weeks the range touches, in any zone.
    week = timedelta(days=8)
    caps_window = (span.start - week, span.end + week) if span.caps else None
    request = BusyRequest(coach_ids, ids, lo, hi, caps_window, view)
    for busy in busy_time.branches(request):
        kind = "b" if busy.counted else "h"
        branches.append(f"SELECT '{kind}', {_BUSY_COLUMNS} FROM {busy.from_where}")
        params += busy.params
    rows: dict[int, Rows] = defaultdict(Rows)
    for kind, coach_id, a, b, c, day, t1, t2, t3, t4 in sql.fetch(
        " UNION ALL ".join(branches), params
    ):
        found = rows[coach_id]
        if kind == "w":  # weekday, start minute, end minute
            found.weekly.append(WeeklyRule(a, WallInterval(b, c)))
        elif kind == "o":
            intervals = found.overrides.setdefault(sql.read_day(day), [])
            if a is not None:
                intervals.append(WallInterval(a, b))
        elif kind == "t":
            found.time_off.append(UtcRange(sql.read_instant(t1), sql.read_instant(t2)))
        elif kind == "b":
            found.busy.extend(
                _busy(
                    str(c),  # the session type
                    sql.read_instant(t1),
                    sql.read_instant(t2),
                    sql.read_instant(t3),
                    sql.read_instant(t4),
                )
            )
        else:  # Holds block time but are not sessions: they don't count toward caps.
            found.busy.append(
                BusyInterval(sql.read_instant(t3), sql.read_instant(t4), str(c), False)
            )
    return rows


def _busy(
    type_id: str, start: datetime, end: datetime, blocked_start: datetime, blocked_end: datetime
) -> list[BusyInterval]:
    if blocked_start == start:
        return [BusyInterval(blocked_start, blocked_end, type_id, True)]
    # Counted on the session's own date; the buffer blocks but is not counted.
    return [
        BusyInterval(blocked_start, blocked_end, type_id, False),
        BusyInterval(start, end, type_id, True),
    ]


def slot_query(
    coach: CoachProfile,
    session_type: SessionType,
    rows: Rows,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    caps: tuple[int | None, int | None] | None = None,
) -> SlotQuery:
    """The engine's question for one coach and session type, from its loaded rows."""
    daily_cap, weekly_cap = caps if caps is not None else (coach.daily_cap, coach.weekly_cap)
    return SlotQuery(
        zone=coach.timezone,
        weekly=tuple(sorted(rows.weekly, key=lambda r: (r.weekday, r.interval.start_minute))),
        overrides=tuple(
            EngineOverride(day, tuple(intervals))
            for day, intervals in sorted(rows.overrides.items())
        ),
        time_off=tuple(sorted(rows.time_off, key=lambda r: (r.start, r.end))),
        busy=tuple(sorted(rows.busy, key=lambda b: (b.start, b.end))),
        duration=timedelta(minutes=session_type.duration_minutes),
        step=timedelta(minutes=session_type.slot_step_minutes),
        now=now,
        range_start=start,
        range_end=end,
        buffer_before=timedelta(minutes=session_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=session_type.buffer_after_minutes),
        min_notice=timedelta(minutes=session_type.min_notice_minutes),
        window=timedelta(days=session_type.booking_window_days),
        session_type_id=str(session_type.pk),
        type_daily_cap=session_type.daily_cap,
        type_weekly_cap=session_type.weekly_cap,
        coach_daily_cap=daily_cap,
        coach_weekly_cap=weekly_cap,
    )
