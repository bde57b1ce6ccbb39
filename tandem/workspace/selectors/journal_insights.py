"""Journal insights, pure: rows in, figures out (no ORM here, so the maths is tested alone).

Days are the client's local days (their IANA zone): an entry written at 23:30 in New York is
that day's entry even though it is already tomorrow in UTC; a DST change does not move an
entry to another day. Streaks count consecutive local days with at least one entry; the
current streak is the run that ends today, or yesterday (today is not over: a streak is not
lost before the day is).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 30
TOP_TAGS = 10


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_of(value: object) -> int:
    """30, 90 or 365 (days); anything else is the default."""
    try:
        days = int(str(value))
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


@dataclass(frozen=True, slots=True)
class MoodDay:
    day: date
    average: float
    count: int


@dataclass(frozen=True, slots=True)
class WeekCount:
    monday: date
    count: int


@dataclass(frozen=True, slots=True)
class Insights:
    days: int
    zone: str
    first_day: date
    today: date
    entries: int  # in the period
    mood: list[MoodDay] = field(default_factory=list)
    mood_average: float | None = None
    tags: list[tuple[str, int]] = field(default_factory=list)
    current_streak: int = 0
    longest_streak: int = 0
    weeks: list[WeekCount] = field(default_factory=list)

    def mood_rows(self) -> list[tuple[str, float, int]]:
        """The mood table, formatted once here (a year is 365 rows: cheap in Python, not in
        the template language)."""
        return [(m.day.strftime("%a %-d %b %Y"), m.average, m.count) for m in self.mood]

    def week_rows(self) -> list[tuple[str, int]]:
        return [(w.monday.strftime("%-d %b %Y"), w.count) for w in self.weeks]

    def chart(self) -> dict[str, object]:
        """The figures for the page's charts (json_script), the same as its tables."""
        return {
            "mood": {
                "labels": [m.day.isoformat() for m in self.mood],
                "values": [m.average for m in self.mood],
            },
            "tags": {"labels": [t for t, _ in self.tags], "values": [n for _, n in self.tags]},
            "weeks": {
                "labels": [w.monday.isoformat() for w in self.weeks],
                "values": [w.count for w in self.weeks],
            },
        }


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def streaks(days: Iterable[date], *, today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days."""
    ordered = sorted(set(days))
    longest = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    if previous is not None and timedelta(0) <= today - previous <= timedelta(days=1):
        current = run
    return current, longest


def compute(
    *,
    period_rows: Iterable[tuple[datetime, int | None, list[str]]],
    all_written: Iterable[datetime],
    zone: ZoneInfo,
    now: datetime,
    days: int,
) -> Insights:
    """Insights over the last `days` local days (today included) from (written_at, mood,
    tags) rows of that period, and streaks from every entry's written_at."""
    today = local_day(now, zone)
    first = today - timedelta(days=days - 1)
    moods: dict[date, list[int]] = defaultdict(list)
    tags: Counter[str] = Counter()
    per_week: Counter[date] = Counter()
    entries = 0
    for written_at, mood, entry_tags in period_rows:
        day = local_day(written_at, zone)
        if not first <= day <= today:
            continue
        entries += 1
        if mood is not None:
            moods[day].append(mood)
        tags.update(entry_tags)
        per_week[day - timedelta(days=day.weekday())] += 1
    mood_days = [
        MoodDay(day, round(sum(values) / len(values), 2), len(values))
        for day, values in sorted(moods.items())
    ]
    all_moods = [m for values in moods.values() for m in values]
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= today:
        weeks.append(WeekCount(monday, per_week.get(monday, 0)))
        monday += timedelta(days=7)
    written_days = (local_day(w, zone) for w in all_written)
    current, longest = streaks((d for d in written_days if d <= today), today=today)
    return Insights(
        days=days,
        zone=zone.key,
        first_day=first,
        today=today,
        entries=entries,
        mood=mood_days,
        mood_average=round(sum(all_moods) / len(all_moods), 2) if all_moods else None,
        # Most used first; ties alphabetically, so the order is stable.
        tags=sorted(tags.items(), key=lambda item: (-item[1], item[0]))[:TOP_TAGS],
        current_streak=current,
        longest_streak=longest,
        weeks=weeks,
    )
