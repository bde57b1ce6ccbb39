"""Score bookable slots for one client. Pure Python: no Django, no settings, no database.

docs/recommendations.md explains the model in words; the numbers live here. Each component is
a value in [0, 1]; a slot's score is their weighted mean (weights depend on urgency) times 100.
A component that has nothing to go on (no preferred times given, no sessions to space from)
is left out and the remaining weights are renormalised, so it neither helps nor hurts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

Urgency = Literal["low", "normal", "high"]
URGENCIES: tuple[Urgency, ...] = ("low", "normal", "high")
Component = Literal["time", "day", "soon", "spacing", "load"]
COMPONENTS: tuple[Component, ...] = ("time", "day", "soon", "spacing", "load")

# Each row sums to 1. High urgency: soonness dominates, spacing hardly matters (someone who
# needs help now should not be pushed a week out to keep a rhythm). Low urgency: fit and rhythm.
WEIGHTS: dict[Urgency, dict[Component, float]] = {
    "low": {"time": 0.30, "day": 0.20, "soon": 0.05, "spacing": 0.25, "load": 0.20},
    "normal": {"time": 0.30, "day": 0.20, "soon": 0.20, "spacing": 0.15, "load": 0.15},
    "high": {"time": 0.15, "day": 0.05, "soon": 0.60, "spacing": 0.05, "load": 0.15},
}
# Soonness halves every this many days from now.
HALF_LIFE_DAYS: dict[Urgency, float] = {"low": 14.0, "normal": 7.0, "high": 2.0}

# Time fit just outside a preferred window: NEAR_EDGE at the edge, falling to 0 NEAR_MINUTES
# away; inside, it rises from NEAR_EDGE to 1 with the share of the session inside.
NEAR_EDGE = 0.4
NEAR_MINUTES = 180

# Spacing: (gap in days, value) points, linear between, flat outside. Sessions within a day
# of each other are clustering; about a week apart is the rhythm coaching usually wants; a
# long gap after the last session is fine but loses a little momentum.
SPACING_AFTER_PREVIOUS: tuple[tuple[float, float], ...] = (
    (1.0, 0.0),
    (7.0, 1.0),
    (14.0, 1.0),
    (28.0, 0.8),
)
# Before the client's next session only closeness matters.
SPACING_BEFORE_NEXT: tuple[tuple[float, float], ...] = ((1.0, 0.0), (7.0, 1.0))

# The coach's day is full (load value 0) at this many other active bookings.
LOAD_SATURATION = 4
# At most this many recommendations per local day (client's zone) while other days have slots.
MAX_PER_DAY = 2
# A component earns a reason when its value reaches this.
REASON_THRESHOLD = 0.6

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A preferred part of the day: wall-clock minutes [start, end) in the client's zone.

    end may be 1440 (24:00); start > end wraps past midnight (night is 21:00-06:00).
    """

    start: int
    end: int
    name: str = ""  # a named day part ("morning"), or "" for an explicit range

    def __post_init__(self) -> None:
        if not (0 <= self.start < 1440 and 0 < self.end <= 1440 and self.start != self.end):
            raise ValueError(f"bad time window {self.start}-{self.end}")

    def pieces(self) -> tuple[tuple[int, int], ...]:
        if self.start < self.end:
            return ((self.start, self.end),)
        return ((self.start, 1440), (0, self.end))

    @property
    def label(self) -> str:
        if self.name:
            return DAY_PART_LABELS[self.name]
        return f"{_hm(self.start)}–{_hm(self.end)}"


DAY_PARTS: dict[str, TimeWindow] = {
    "early": TimeWindow(6 * 60, 9 * 60, "early"),
    "morning": TimeWindow(9 * 60, 12 * 60, "morning"),
    "afternoon": TimeWindow(12 * 60, 17 * 60, "afternoon"),
    "evening": TimeWindow(17 * 60, 21 * 60, "evening"),
    "night": TimeWindow(21 * 60, 6 * 60, "night"),
}
DAY_PART_LABELS = {
    "early": "early morning",
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "night",
}


# The client's waking hours unless they state others: nobody is offered 03:00 because the
# coach is on the other side of the world. A slot must lie wholly inside them (or wholly
# inside a time the client asked for, such as "night"), on the wall clock of `tz`.
DEFAULT_WAKING = TimeWindow(7 * 60, 22 * 60)


@dataclass(frozen=True, slots=True)
class Preferences:
    tz: str = "UTC"  # the client's IANA zone: preferred times and days are in it
    preferred_times: tuple[TimeWindow, ...] = ()
    preferred_days: frozenset[int] = frozenset()  # 0 = Monday .. 6 = Sunday
    urgency: Urgency = "normal"
    waking: TimeWindow = DEFAULT_WAKING


@dataclass(frozen=True, slots=True)
class Candidate:
    start: datetime  # aware
    end: datetime  # aware, > start


@dataclass(frozen=True, slots=True)
class Context:
    coach_tz: str
    # Starts of the client's sessions with this coach, any order. Each candidate is spaced
    # from the nearest one before it and the nearest one after it (not just from "the last
    # session before now": a slot three weeks out is also near an upcoming session).
    client_sessions: tuple[datetime, ...] = ()
    # The coach's active bookings per local date (coach's zone), other than the one moved.
    load_by_local_date: Mapping[date, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "client_sessions", tuple(sorted(self.client_sessions)))

    def nearest(self, start: datetime) -> tuple[datetime | None, datetime | None]:
        """The client's nearest session starting before `start`, and at or after it."""
        sessions = self.client_sessions
        i = bisect_left(sessions, start)
        return (sessions[i - 1] if i else None, sessions[i] if i < len(sessions) else None)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # machine-readable: preferred_time, preferred_day, soon, spaced, quiet_day
    text: str  # for people


@dataclass(frozen=True, slots=True)
class Scored:
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: datetime  # in the client's zone
    local_end: datetime
    score: float  # 0..100, one decimal
    reasons: tuple[Reason, ...]  # strongest contribution first
    components: Mapping[Component, float]  # the values that were present, each in [0, 1]


# --- Components ------------------------------------------------------------------------------


def time_fit(local_start: datetime, minutes: float, windows: Sequence[TimeWindow]) -> float:
    """How well [local_start, +minutes) sits in the windows (wall clock of local_start's zone).

    The session is laid on a wall-clock line from its start's minute of day (across a DST
    change it keeps its real length); windows repeat every day.
    """
    m0 = local_start.hour * 60 + local_start.minute + local_start.second / 60
    m1 = m0 + minutes
    pieces = _merged(
        (a + shift, b + shift)
        for window in windows
        for a, b in window.pieces()
        for shift in (-1440, 0, 1440, 2880)
    )
    if not pieces:
        return 0.0
    inside = sum(max(0.0, min(b, m1) - max(a, m0)) for a, b in pieces)
    if inside > 0:
        return NEAR_EDGE + (1 - NEAR_EDGE) * min(1.0, inside / minutes)
    gap = min(a - m1 if a >= m1 else m0 - b for a, b in pieces)
    return NEAR_EDGE * max(0.0, 1 - gap / NEAR_MINUTES)


def within(local_start: datetime, minutes: float, windows: Sequence[TimeWindow]) -> bool:
    """Whether the whole session [local_start, +minutes) lies inside the windows."""
    # time_fit is 1 exactly when all of it is inside; the margin absorbs float rounding.
    return bool(windows) and time_fit(local_start, minutes, windows) >= 1 - 1e-9


def awake(local_start: datetime, minutes: float, prefs: Preferences) -> bool:
    """A slot the client can be offered: inside their waking hours, or inside a time of
    day they asked for themselves (someone asking for "night" gets night)."""
    return within(local_start, minutes, (prefs.waking,)) or within(
        local_start, minutes, prefs.preferred_times
    )


def best_window(local_start: datetime, windows: Sequence[TimeWindow]) -> TimeWindow:
    """The window the start falls in (else the first given): what a reason names."""
    m0 = local_start.hour * 60 + local_start.minute
    for window in windows:
        if any(a <= m0 < b for a, b in window.pieces()):
            return window
    return windows[0]


def soonness(hours_ahead: float, urgency: Urgency) -> float:
    return 0.5 ** (max(0.0, hours_ahead) / (24 * HALF_LIFE_DAYS[urgency]))


def curve(points: Sequence[tuple[float, float]], x: float) -> float:
    """Piecewise-linear through `points` (ascending x), flat beyond the ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def spacing(
    start: datetime, previous: datetime | None, following: datetime | None
) -> tuple[float, str, float] | None:
    """(value, which side binds: "after"/"before", gap in days), or None with no sessions."""
    sides: list[tuple[float, str, float]] = []
    if previous is not None:
        gap = (start - previous) / timedelta(days=1)
        sides.append((curve(SPACING_AFTER_PREVIOUS, gap), "after", gap))
    if following is not None:
        gap = (following - start) / timedelta(days=1)
        sides.append((curve(SPACING_BEFORE_NEXT, gap), "before", gap))
    return min(sides, key=lambda side: side[0]) if sides else None


def quietness(load: int) -> float:
    return max(0.0, 1 - load / LOAD_SATURATION)


# --- Scoring ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Eval:
    candidate: Candidate
    local_start: datetime
    values: dict[Component, float]
    spacing_side: tuple[str, float] | None
    load: int
    score: float = 0.0

    def key(self) -> tuple[float, datetime, datetime]:
        # Ties (on the score shown) go to the earlier slot.
        return (-self.score, self.candidate.start, self.candidate.end)


def score_slots(
    candidates: Iterable[Candidate],
    prefs: Preferences,
    context: Context,
    now: datetime,
    limit: int,
) -> list[Scored]:
    """The best `limit` candidates, best first, at most MAX_PER_DAY per local day while
    other days can fill the list. Candidates starting before `now`, or outside the client's
    waking hours (`awake`), are ignored."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    zone, coach_zone = ZoneInfo(prefs.tz), ZoneInfo(context.coach_tz)
    weights = WEIGHTS[prefs.urgency]
    evals: list[_Eval] = []
    for candidate in candidates:
        if candidate.start.tzinfo is None or candidate.end.tzinfo is None:
            raise ValueError("candidate datetimes must be aware")
        if candidate.start < now:
            continue
        minutes = (candidate.end - candidate.start) / timedelta(minutes=1)
        if not awake(candidate.start.astimezone(zone), minutes, prefs):
            continue
        ev = _evaluate(candidate, prefs, context, now, zone, coach_zone)
        present = [c for c in COMPONENTS if c in ev.values]
        total = sum(weights[c] for c in present)
        raw = sum(weights[c] * ev.values[c] for c in present) / total if total else 0.0
        ev.score = round(100 * raw, 1)
        evals.append(ev)
    evals.sort(key=_Eval.key)
    return [_scored(ev, prefs, now, zone) for ev in diversify(evals, limit)]


def diversify(ranked: list[_Eval], limit: int) -> list[_Eval]:
    """Take the best, at most MAX_PER_DAY per client-local date; if that leaves the list
    short, top it up with the best of the rest. Returned in rank order."""
    picked: list[_Eval] = []
    skipped: list[_Eval] = []
    per_day: dict[date, int] = {}
    for ev in ranked:
        if len(picked) == limit:
            break
        day = ev.local_start.date()
        if per_day.get(day, 0) < MAX_PER_DAY:
            per_day[day] = per_day.get(day, 0) + 1
            picked.append(ev)
        else:
            skipped.append(ev)
    if len(picked) < limit:
        picked.extend(skipped[: limit - len(picked)])
        picked.sort(key=_Eval.key)
    return picked


def _evaluate(
    candidate: Candidate,
    prefs: Preferences,
    context: Context,
    now: datetime,
    zone: ZoneInfo,
    coach_zone: ZoneInfo,
) -> _Eval:
    local_start = candidate.start.astimezone(zone)
    minutes = (candidate.end - candidate.start) / timedelta(minutes=1)
    values: dict[Component, float] = {}
    if prefs.preferred_times:
        values["time"] = time_fit(local_start, minutes, prefs.preferred_times)
    if prefs.preferred_days:
        values["day"] = 1.0 if local_start.weekday() in prefs.preferred_days else 0.0
    values["soon"] = soonness((candidate.start - now) / timedelta(hours=1), prefs.urgency)
    spaced = spacing(candidate.start, *context.nearest(candidate.start))
    if spaced is not None:
        values["spacing"] = spaced[0]
    load = context.load_by_local_date.get(candidate.start.astimezone(coach_zone).date(), 0)
    values["load"] = quietness(load)
    return _Eval(
        candidate=candidate,
        local_start=local_start,
        values=values,
        spacing_side=(spaced[1], spaced[2]) if spaced else None,
        load=load,
    )


def _scored(ev: _Eval, prefs: Preferences, now: datetime, zone: ZoneInfo) -> Scored:
    return Scored(
        start=ev.candidate.start.astimezone(UTC),
        end=ev.candidate.end.astimezone(UTC),
        local_start=ev.local_start,
        local_end=ev.candidate.end.astimezone(zone),
        score=ev.score,
        reasons=_reasons(ev, prefs, now, zone),
        components=dict(ev.values),
    )


def _reasons(ev: _Eval, prefs: Preferences, now: datetime, zone: ZoneInfo) -> tuple[Reason, ...]:
    weights = WEIGHTS[prefs.urgency]
    strong = [c for c in COMPONENTS if ev.values.get(c, 0.0) >= REASON_THRESHOLD]
    # Strongest contribution first; equal ones in COMPONENTS order (sort is stable).
    strong.sort(key=lambda c: -weights[c] * ev.values[c])
    return tuple(_reason(c, ev, prefs, now, zone) for c in strong)


def _reason(c: Component, ev: _Eval, prefs: Preferences, now: datetime, zone: ZoneInfo) -> Reason:
    weekday = WEEKDAY_NAMES[ev.local_start.weekday()]
    if c == "time":
        window = best_window(ev.local_start, prefs.preferred_times)
        joiner = " " if window.name else ", "
        return Reason("preferred_time", f"{weekday}{joiner}{window.label} in your zone")
    if c == "day":
        return Reason("preferred_day", f"{weekday} is one of your preferred days")
    if c == "soon":
        return Reason("soon", _soon_text(ev.local_start, now.astimezone(zone)))
    if c == "spacing":
        assert ev.spacing_side is not None
        side, gap = ev.spacing_side
        days = _days(gap)
        if side == "after":
            return Reason("spaced", f"{days} after your last session")
        return Reason("spaced", f"{days} before your next session")
    text = "A quiet day for the coach" if ev.load == 0 else "A light day for the coach"
    return Reason("quiet_day", text)


def _soon_text(local_start: datetime, local_now: datetime) -> str:
    days = (local_start.date() - local_now.date()).days
    if days <= 0:
        return "Today"
    if days == 1:
        return "Tomorrow"
    return f"In {days} days"


def _days(gap: float) -> str:
    n = round(gap)
    return "1 day" if n == 1 else f"{n} days"


def _merged(pieces: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(pieces):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
