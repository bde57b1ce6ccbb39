"""Availability: every write to a coach's rules, and the only bridge from rows to the engine.

Reads that feed the engine live here too (not in selectors) because turning rows into a
`SlotQuery` *is* the rule: which bookings block time, how caps are counted, which dates'
overrides matter. Pages, the API, the directory and the tasks all call these functions.

Refused input raises `InvalidAvailability` (HTTP 400, code "invalid_availability") whose
`fields` map a path into the request body to machine-readable codes, e.g.
``{"weekly.3": ["overlaps"], "time_off.0.end": ["end_before_start"]}``. Paths use the API's
names (`start`/`end`, not `start_minute`). The codes:

    required, unknown_field, wrong_type, invalid, too_long, too_many, nul_character,
    invalid_time (not "HH:MM" in 00:00..24:00), out_of_range, end_before_start, overlaps,
    duplicate_date, naive_datetime, not_minute_aligned, negative, too_large,
    unknown_zone, window_too_long

Decisions:
- Weekly and override intervals are [start, end) in wall-clock minutes, 0 <= start < end <=
  1440; intervals of one weekday (or one override) may touch but not overlap. Hours across
  midnight are two intervals (22:00-24:00 and 00:00-02:00 the next day); the engine lets a
  session run from one into the other.
- Time off may lie partly or wholly in the past: a PUT replaces the whole set, and a client
  that reads the rules and writes them back must not be refused for last month's holiday.
  Its instants must be timezone-aware and minute-aligned.
- Caps are null (no cap) or 0..1000; 0 closes the coach for booking.
- Each booking blocks [blocked_start, blocked_end) (its buffers included). Caps count a
  booking on the local date/ISO week of the *session* start, not of its leading buffer: a
  booking whose buffer starts earlier is passed as two busy intervals, the blocked range
  (not counted) and the session itself (counted), which block exactly the same time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core import sql
from tandem.core.errors import InvalidInput
from tandem.core.timezones import available_zones, canonical_zone

from . import engine
from .engine.types import (
    BusyInterval,
    SlotQuery,
    UtcRange,
    WallInterval,
    WeeklyRule,
)
from .engine.types import DateOverride as EngineOverride
from .models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval

MAX_RANGE = timedelta(days=92)
DEFAULT_RANGE = timedelta(days=7)
MAX_WEEKLY = 7 * 48
MAX_OVERRIDES = 1000
MAX_INTERVALS_PER_OVERRIDE = 48
MAX_TIME_OFF = 500
MAX_REASON = 200
MAX_CAP = 1000
# Far enough for any real calendar, near enough that date arithmetic never overflows.
MIN_YEAR, MAX_YEAR = 2000, 2100
REFRESH_BATCH = 200

MESSAGES = {
    "required": "This field is required.",
    "unknown_field": "Unknown field.",
    "wrong_type": "Wrong type.",
    "invalid": "Not a valid value.",
    "too_long": "Too long.",
    "too_many": "Too many entries.",
    "nul_character": "Text may not contain NUL characters.",
    "invalid_time": 'Use a wall time "HH:MM" between 00:00 and 24:00.',
    "out_of_range": "Out of range.",
    "end_before_start": "The end must be after the start.",
    "overlaps": "Overlaps another interval of the same day.",
    "duplicate_date": "This date already has an override.",
    "naive_datetime": "Give a time zone offset (e.g. 2027-03-28T09:00:00+01:00 or ...Z).",
    "not_minute_aligned": "Use whole minutes.",
    "negative": "Must be zero or more.",
    "too_large": "Too large.",
    "unknown_zone": "Not an IANA time zone.",
    "window_too_long": f"At most {MAX_RANGE.days} days at once.",
    "not_found": "Not found.",
}


class InvalidAvailability(InvalidInput):
    """The availability input is not valid."""

    status = 400
    code = "invalid_availability"

    @classmethod
    def from_fields(cls, fields: dict[str, list[str]]) -> InvalidAvailability:
        path, codes = next(iter(fields.items()))
        message = f"{path}: {MESSAGES.get(codes[0], codes[0])}"
        if len(fields) > 1:
            message += f" (and {len(fields) - 1} more)"
        return cls(message, fields=fields)


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, path: str, code: str) -> None:
        codes = self.fields.setdefault(path, [])
        if code not in codes:
            codes.append(code)

    def merge(self, exc: InvalidAvailability) -> None:
        for path, codes in exc.fields.items():
            for code in codes:
                self.add(path, code)

    def raise_if_any(self) -> None:
        if self.fields:
            raise InvalidAvailability.from_fields(self.fields)


# --- Input ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklyInput:
    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class IntervalInput:
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class OverrideInput:
    date: date
    intervals: Sequence[IntervalInput] = ()


@dataclass(frozen=True, slots=True)
class TimeOffInput:
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Rules:
    """A coach's validated rules, as the engine takes them (plus time-off reasons)."""

    weekly: tuple[WeeklyRule, ...] = ()
    overrides: tuple[EngineOverride, ...] = ()
    time_off: tuple[TimeOffInput, ...] = ()  # UTC, cleaned
    daily_cap: int | None = None
    weekly_cap: int | None = None


_HHMM = re.compile(r"(\d{2}):(\d{2})")


def parse_wall_time(value: object) -> int:
    """ "HH:MM" (00:00..24:00) → minutes after midnight; ValueError otherwise."""
    match = _HHMM.fullmatch(value) if isinstance(value, str) and len(value) == 5 else None
    if match is None:
        raise ValueError(MESSAGES["invalid_time"])
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(MESSAGES["invalid_time"])
    return hours * 60 + minutes


def format_wall_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_intervals(
    errors: _Errors,
    prefix: str,
    items: Sequence[tuple[int, object, object]],
) -> list[tuple[int, int, int]]:
    """Check (index, start, end) triples; returns the valid ones, reporting overlaps."""
    valid: list[tuple[int, int, int]] = []
    for index, start, end in items:
        ok = True
        if not _is_int(start):
            errors.add(f"{prefix}.{index}.start", "wrong_type")
            ok = False
        elif not 0 <= start < 1440:
            errors.add(f"{prefix}.{index}.start", "out_of_range")
            ok = False
        if not _is_int(end):
            errors.add(f"{prefix}.{index}.end", "wrong_type")
            ok = False
        elif not 0 < end <= 1440:
            errors.add(f"{prefix}.{index}.end", "out_of_range")
            ok = False
        if ok and end <= start:  # type: ignore[operator]
            errors.add(f"{prefix}.{index}.end", "end_before_start")
            ok = False
        if ok:
            valid.append((index, start, end))  # type: ignore[arg-type]
    reach = -1
    for index, start, end in sorted(valid, key=lambda item: (item[1], item[2], item[0])):
        if start < reach:
            errors.add(f"{prefix}.{index}", "overlaps")
        reach = max(reach, end)
    return valid


def _check_instant(errors: _Errors, path: str, value: object) -> datetime | None:
    if not isinstance(value, datetime):
        errors.add(path, "wrong_type")
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        errors.add(path, "naive_datetime")
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        errors.add(path, "out_of_range")
        return None
    if value.second or value.microsecond:
        errors.add(path, "not_minute_aligned")
        return None
    return value.astimezone(UTC)


def _check_cap(errors: _Errors, path: str, value: object) -> int | None:
    if value is None:
        return None
    if not _is_int(value):
        errors.add(path, "wrong_type")
    elif value < 0:  # type: ignore[operator]
        errors.add(path, "negative")
    elif value > MAX_CAP:  # type: ignore[operator]
        errors.add(path, "too_large")
    else:
        return value  # type: ignore[return-value]
    return None


def validate_rules(
    *,
    weekly: Sequence[WeeklyInput],
    overrides: Sequence[OverrideInput],
    time_off: Sequence[TimeOffInput],
    daily_cap: int | None,
    weekly_cap: int | None,
) -> Rules:
    """Check a full set of rules; every problem is reported at once, as field codes."""
    errors = _Errors()

    weekly_rules: list[WeeklyRule] = []
    if len(weekly) > MAX_WEEKLY:
        errors.add("weekly", "too_many")
    else:
        by_day: dict[int, list[tuple[int, object, object]]] = defaultdict(list)
        for index, item in enumerate(weekly):
            if not _is_int(item.weekday):
                errors.add(f"weekly.{index}.weekday", "wrong_type")
            elif not 0 <= item.weekday <= 6:
                errors.add(f"weekly.{index}.weekday", "out_of_range")
            else:
                by_day[item.weekday].append((index, item.start_minute, item.end_minute))
        for day, items in sorted(by_day.items()):
            for _, start, end in sorted(_check_intervals(errors, "weekly", items)):
                weekly_rules.append(WeeklyRule(day, WallInterval(start, end)))

    override_rules: list[EngineOverride] = []
    if len(overrides) > MAX_OVERRIDES:
        errors.add("overrides", "too_many")
    else:
        seen: set[date] = set()
        for index, item in enumerate(overrides):
            day = item.date
            if isinstance(day, datetime) or not isinstance(day, date):
                errors.add(f"overrides.{index}.date", "wrong_type")
                day = None
            elif not MIN_YEAR <= day.year <= MAX_YEAR:
                errors.add(f"overrides.{index}.date", "out_of_range")
                day = None
            elif day in seen:
                errors.add(f"overrides.{index}.date", "duplicate_date")
                day = None
            else:
                seen.add(day)
            if len(item.intervals) > MAX_INTERVALS_PER_OVERRIDE:
                errors.add(f"overrides.{index}.intervals", "too_many")
                continue
            valid = _check_intervals(
                errors,
                f"overrides.{index}.intervals",
                [(j, i.start_minute, i.end_minute) for j, i in enumerate(item.intervals)],
            )
            if day is not None:
                intervals = tuple(WallInterval(s, e) for _, s, e in sorted(valid, key=_by_start))
                override_rules.append(EngineOverride(day, intervals))

    offs: list[TimeOffInput] = []
    if len(time_off) > MAX_TIME_OFF:
        errors.add("time_off", "too_many")
    else:
        for index, item in enumerate(time_off):
            start = _check_instant(errors, f"time_off.{index}.start", item.start)
            end = _check_instant(errors, f"time_off.{index}.end", item.end)
            if start is not None and end is not None and end <= start:
                errors.add(f"time_off.{index}.end", "end_before_start")
            reason = item.reason
            if not isinstance(reason, str):
                errors.add(f"time_off.{index}.reason", "wrong_type")
                continue
            if "\x00" in reason:
                errors.add(f"time_off.{index}.reason", "nul_character")
            reason = reason.strip()
            if len(reason) > MAX_REASON:
                errors.add(f"time_off.{index}.reason", "too_long")
            if start is not None and end is not None:
                offs.append(TimeOffInput(start, end, reason))

    daily = _check_cap(errors, "daily_cap", daily_cap)
    weekly_c = _check_cap(errors, "weekly_cap", weekly_cap)
    errors.raise_if_any()
    return Rules(
        weekly=tuple(weekly_rules),
        overrides=tuple(sorted(override_rules, key=lambda o: o.date)),
        time_off=tuple(sorted(offs, key=lambda o: (o.start, o.end))),
        daily_cap=daily,
        weekly_cap=weekly_c,
    )


def _by_start(item: tuple[int, int, int]) -> tuple[int, int]:
    return item[1], item[2]


def validate_zone(name: object, *, field: str = "tz") -> str:
    """An IANA zone name (its current spelling), else InvalidAvailability on `field`."""
    if not isinstance(name, str):
        raise InvalidAvailability.from_fields({field: ["wrong_type"]})
    if "\x00" in name:
        raise InvalidAvailability.from_fields({field: ["nul_character"]})
    name = name.strip()
    if len(name) > 64 or name not in available_zones():
        raise InvalidAvailability.from_fields({field: ["unknown_zone"]})
    return canonical_zone(name)


# "+" in an unencoded query string arrives as a space: "09:00:00 01:00" means "+01:00".
_LOST_PLUS = re.compile(r"(.*\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_instant(value: str, *, field: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 instant with an offset, or a plain date meaning local midnight in `zone`.

    A date and time without an offset is refused: guessing UTC (or the viewer's zone) would
    silently shift every slot by hours.
    """
    if "\x00" in value:
        raise InvalidAvailability.from_fields({field: ["nul_character"]})
    value = value.strip()
    if len(value) > 40:
        raise InvalidAvailability.from_fields({field: ["invalid"]})
    lost_plus = _LOST_PLUS.fullmatch(value)
    if lost_plus:
        value = f"{lost_plus[1]}+{lost_plus[2]}"
    try:
        if _DATE_ONLY.fullmatch(value):
            parsed = datetime.combine(date.fromisoformat(value), time(0), tzinfo=zone)
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidAvailability.from_fields({field: ["invalid"]}) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidAvailability.from_fields({field: ["naive_datetime"]})
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidAvailability.from_fields({field: ["out_of_range"]})
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SlotRange:
    start: datetime  # UTC
    end: datetime  # UTC
    tz: str  # the zone slots are shown in


def parse_slot_range(
    *, start: str | None, end: str | None, tz: str | None, default_tz: str, now: datetime
) -> SlotRange:
    """The range and display zone of a slots request. Defaults: now, +7 days, `default_tz`.

    `start` in the past is allowed (slots never are: notice starts counting at `now`).
    """
    errors = _Errors()
    zone_name = default_tz if default_tz in available_zones() else "UTC"
    if tz is not None:
        try:
            zone_name = validate_zone(tz, field="tz")
        except InvalidAvailability as exc:
            errors.merge(exc)
    zone = ZoneInfo(zone_name)
    start_at = now.astimezone(UTC)
    end_at: datetime | None = None
    for name, value in (("start", start), ("end", end)):
        if value is None:
            continue
        try:
            parsed = parse_instant(value, field=name, zone=zone)
        except InvalidAvailability as exc:
            errors.merge(exc)
            continue
        if name == "start":
            start_at = parsed
        else:
            end_at = parsed
    errors.raise_if_any()
    if end_at is None:
        end_at = start_at + DEFAULT_RANGE
    if end_at <= start_at:
        raise InvalidAvailability.from_fields({"end": ["end_before_start"]})
    if end_at - start_at > MAX_RANGE:
        raise InvalidAvailability.from_fields({"end": ["window_too_long"]})
    return SlotRange(start=start_at, end=end_at, tz=zone_name)


# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def availability_replace(
    *,
    coach: CoachProfile,
    weekly: Sequence[WeeklyInput],
    overrides: Sequence[OverrideInput],
    time_off: Sequence[TimeOffInput],
    daily_cap: int | None,
    weekly_cap: int | None,
) -> Rules:
    """Replace all of a coach's rules and caps at once (PUT). Refused input saves nothing."""
    rules = validate_rules(
        weekly=weekly,
        overrides=overrides,
        time_off=time_off,
        daily_cap=daily_cap,
        weekly_cap=weekly_cap,
    )
    # Serialise concurrent replacements of one coach's rules (PostgreSQL; SQLite's
    # IMMEDIATE transactions already serialise writers).
    list(CoachProfile.objects.select_for_update().filter(pk=coach.pk).values_list("pk"))
    WeeklyInterval.objects.filter(coach=coach).delete()
    DateOverride.objects.filter(coach=coach).delete()
    TimeOff.objects.filter(coach=coach).delete()
    WeeklyInterval.objects.bulk_create(
        WeeklyInterval(
            coach=coach,
            weekday=rule.weekday,
            start_minute=rule.interval.start_minute,
            end_minute=rule.interval.end_minute,
        )
        for rule in rules.weekly
    )
    created = DateOverride.objects.bulk_create(
        DateOverride(coach=coach, date=override.date) for override in rules.overrides
    )
    OverrideInterval.objects.bulk_create(
        OverrideInterval(override=row, start_minute=i.start_minute, end_minute=i.end_minute)
        for row, override in zip(created, rules.overrides, strict=True)
        for i in override.intervals
    )
    TimeOff.objects.bulk_create(
        TimeOff(coach=coach, start=off.start, end=off.end, reason=off.reason)
        for off in rules.time_off
    )
    CoachProfile.objects.filter(pk=coach.pk).update(
        daily_cap=rules.daily_cap, weekly_cap=rules.weekly_cap
    )
    coach.daily_cap, coach.weekly_cap = rules.daily_cap, rules.weekly_cap
    schedule_refresh_next_available([coach.pk])
    return rules


def schedule_refresh_next_available(coach_ids: Iterable[int]) -> None:
    """After the current transaction commits, recompute these coaches' next_available_at.

    Call it from any service that changes what a coach can be booked for (rules, session
    types, bookings, zone, verification).
    """
    from .tasks import refresh_next_available_task

    ids = sorted({int(pk) for pk in coach_ids})
    if ids:
        # robust: the change is committed either way; a full queue must not turn it into a 500.
        transaction.on_commit(lambda: refresh_next_available_task.enqueue(ids), robust=True)


def refresh_next_available(coach_ids: Iterable[int]) -> None:
    """Recompute and store CoachProfile.next_available_at (nothing else) for these coaches."""
    ids = sorted({int(pk) for pk in coach_ids})
    for offset in range(0, len(ids), REFRESH_BATCH):
        batch = ids[offset : offset + REFRESH_BATCH]
        coaches = list(
            CoachProfile.objects.filter(pk__in=batch).only(
                "pk", "timezone", "daily_cap", "weekly_cap", "next_available_at"
            )
        )
        found = next_available_for(coaches, now=timezone.now())
        changed = []
        for coach in coaches:
            value = found[coach.pk][0]
            if coach.next_available_at != value:
                coach.next_available_at = value
                changed.append(coach)
        if changed:
            CoachProfile.objects.bulk_update(changed, ["next_available_at"])


def stale_next_available_ids(*, now: datetime, everyone: bool = False) -> list[int]:
    """Listed coaches whose next_available_at needs recomputing.

    Stale: a value in the past, or no value while the coach has an active session type (a
    coach without one stays null). `everyone`: every listed coach with a value or a type.
    """
    has_type = Exists(SessionType.objects.filter(coach=OuterRef("pk"), is_active=True))
    unset = Q(next_available_at__isnull=True) & Q(has_type)
    if everyone:
        stale = unset | Q(next_available_at__isnull=False)
    else:
        stale = unset | Q(next_available_at__lt=now)
    coaches = CoachProfile.objects.filter(is_verified=True, is_active=True).filter(stale)
    return list(coaches.order_by("pk").values_list("pk", flat=True))


# --- Reads: rows to engine queries --------------------------------------------------------


@dataclass
class _Rows:
    weekly: list[WeeklyRule] = field(default_factory=list)
    overrides: dict[date, list[WallInterval]] = field(default_factory=dict)
    time_off: list[UtcRange] = field(default_factory=list)
    busy: list[BusyInterval] = field(default_factory=list)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("aware datetimes only")
    return value.astimezone(UTC)


def _has_caps(coach: CoachProfile, session_type: SessionType) -> bool:
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
class _Span:
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
    ) -> _Span | None:
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
            caps = caps or _has_caps(coach, session_type)
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


@dataclass(frozen=True, slots=True)
class BusyView:
    """Whose view of busy time: a client's own hold and the booking being moved don't block."""

    now: datetime | None = None  # holds and pending requests lapse at their expiry
    client_id: int | None = None  # this client's hold stays bookable for them
    exclude_booking_id: int | None = None  # a booking being rescheduled frees its own time


# Written out, not bound: they are the partial indexes' condition, which a plan made once
# for any parameter values (a prepared statement's generic plan) can only use if it sees them.
_ACTIVE = "(" + ", ".join(f"'{status}'" for status in Booking.ACTIVE_STATUSES) + ")"


def _load_rows(
    coach_ids: Sequence[int], span: _Span, *, rules: bool = True, view: BusyView | None = None
) -> dict[int, _Rows]:
    """Rules and busy time for many coaches in one round trip.

    Hand-written (see tandem/core/sql.py): this runs inside every booking's transaction, and
    compiling its five ORM queries cost more CPU than the rest of the booking together.
    Each UNION branch is one kind of row: w(eekly), o(verride), t(ime off), b(ooking), h(old).
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
    bookings = (
        "SELECT 'b', coach_id, NULL, NULL, session_type_id, NULL, start, \"end\","
        f" blocked_start, blocked_end FROM booking_booking WHERE coach_id IN ({ids})"
        f" AND status IN {_ACTIVE} AND ((blocked_end > %s AND blocked_start < %s)"
    )
    params += [*coach_ids, sql.instant(lo), sql.instant(hi)]
    if span.caps:
        # Every booking of the local days and ISO weeks the range touches, in any zone.
        bookings += " OR (start >= %s AND start < %s)"
        week = timedelta(days=8)
        params += [sql.instant(span.start - week), sql.instant(span.end + week)]
    bookings += ")"
    if view.now is not None:
        # A request the coach left unanswered past its expiry no longer holds the slot.
        bookings += (
            f" AND (status <> '{Booking.Status.PENDING}' OR pending_expires_at IS NULL"
            " OR pending_expires_at > %s)"
        )
        params.append(sql.instant(view.now))
    if view.exclude_booking_id is not None:
        bookings += " AND id <> %s"
        params.append(view.exclude_booking_id)
    branches.append(bookings)
    if view.now is not None:
        holds = (
            "SELECT 'h', coach_id, NULL, NULL, session_type_id, NULL, start, \"end\","
            f" blocked_start, blocked_end FROM booking_hold WHERE coach_id IN ({ids})"
            " AND expires_at > %s AND blocked_end > %s AND blocked_start < %s"
        )
        params += [*coach_ids, sql.instant(view.now), sql.instant(lo), sql.instant(hi)]
        if view.client_id is not None:
            holds += " AND client_id <> %s"
            params.append(view.client_id)
        branches.append(holds)
    rows: dict[int, _Rows] = defaultdict(_Rows)
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


def _query(
    coach: CoachProfile,
    session_type: SessionType,
    rows: _Rows,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    caps: tuple[int | None, int | None] | None = None,
) -> SlotQuery:
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


def build_query(
    coach: CoachProfile,
    session_type: SessionType,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    rules: Rules | None = None,
    client_id: int | None = None,
    exclude_booking_id: int | None = None,
) -> SlotQuery:
    """The engine's question "which slots of this type in [start, end)?", from the rows.

    With `rules`, those (validated, unsaved) rules stand in for the saved ones; bookings are
    always the real ones. Other clients' live holds block time; `client_id`'s own hold does
    not, nor does the booking `exclude_booking_id` (the one being rescheduled).
    """
    start, end, now = _utc(start), _utc(end), _utc(now)
    span = _Span.of([(coach, session_type, start, end)], now)
    if rules is not None and span is not None:
        span = _Span(
            span.start,
            span.end,
            span.reach,
            any(c is not None for c in (rules.daily_cap, rules.weekly_cap))
            or _has_caps(coach, session_type),
        )
    view = BusyView(now=now, client_id=client_id, exclude_booking_id=exclude_booking_id)
    rows = (
        _load_rows([coach.pk], span, rules=rules is None, view=view)[coach.pk] if span else _Rows()
    )
    caps = None
    if rules is not None:
        rows.weekly = list(rules.weekly)
        rows.overrides = {o.date: list(o.intervals) for o in rules.overrides}
        rows.time_off = [UtcRange(o.start, o.end) for o in rules.time_off]
        caps = (rules.daily_cap, rules.weekly_cap)
    return _query(coach, session_type, rows, start=start, end=end, now=now, caps=caps)


def slots_for(
    *,
    coach: CoachProfile,
    session_type: SessionType,
    start: datetime,
    end: datetime,
    now: datetime,
    rules: Rules | None = None,
    client_id: int | None = None,
    exclude_booking_id: int | None = None,
) -> list[datetime]:
    """Bookable slot starts (UTC) of this session type in [start, end)."""
    query = build_query(
        coach,
        session_type,
        start=start,
        end=end,
        now=now,
        rules=rules,
        client_id=client_id,
        exclude_booking_id=exclude_booking_id,
    )
    return engine.compute_slots(query)


def preview_slots(
    *,
    coach: CoachProfile,
    session_type: SessionType,
    weekly: Sequence[WeeklyInput],
    overrides: Sequence[OverrideInput],
    time_off: Sequence[TimeOffInput],
    daily_cap: int | None,
    weekly_cap: int | None,
    start: str | None,
    end: str | None,
    tz: str | None,
    default_tz: str,
    now: datetime,
) -> tuple[SlotRange, list[datetime]]:
    """The slots unsaved rules would give (with the real bookings). Saves nothing.

    The rules are checked exactly as `availability_replace` checks them; problems with the
    rules and with the range are reported together.
    """
    errors = _Errors()
    rng = rules = None
    try:
        rng = parse_slot_range(start=start, end=end, tz=tz, default_tz=default_tz, now=now)
    except InvalidAvailability as exc:
        errors.merge(exc)
    try:
        rules = validate_rules(
            weekly=weekly,
            overrides=overrides,
            time_off=time_off,
            daily_cap=daily_cap,
            weekly_cap=weekly_cap,
        )
    except InvalidAvailability as exc:
        errors.merge(exc)
    errors.raise_if_any()
    assert rng is not None and rules is not None
    starts = slots_for(
        coach=coach, session_type=session_type, start=rng.start, end=rng.end, now=now, rules=rules
    )
    return rng, starts


def _active_types(coach_ids: Sequence[int]) -> dict[int, list[SessionType]]:
    types: dict[int, list[SessionType]] = defaultdict(list)
    for session_type in SessionType.objects.filter(coach_id__in=coach_ids, is_active=True).order_by(
        "coach_id", "price", "duration_minutes", "name", "pk"
    ):
        types[session_type.coach_id].append(session_type)
    return types


def next_available_for(
    coaches: Sequence[CoachProfile], *, now: datetime
) -> dict[int, tuple[datetime | None, SessionType | None]]:
    """Each coach's earliest slot of its cheapest (then shortest) active session type.

    Keyed by CoachProfile.pk; (None, type) when that type has no slot within its booking
    window, (None, None) without an active type. Constant queries however many coaches.
    """
    now = _utc(now)
    if not coaches:
        return {}
    types = _active_types([c.pk for c in coaches])
    result: dict[int, tuple[datetime | None, SessionType | None]] = {}
    searches = []
    for coach in coaches:
        if types.get(coach.pk):
            session_type = types[coach.pk][0]
            end = now + timedelta(days=session_type.booking_window_days)
            searches.append((coach, session_type, now, end))
        else:
            result[coach.pk] = (None, None)
    span = _Span.of(searches, now)
    rows = _load_rows([c.pk for c, *_ in searches], span, view=BusyView(now=now)) if span else {}
    for coach, session_type, start, end in searches:
        query = _query(
            coach, session_type, rows.get(coach.pk, _Rows()), start=start, end=end, now=now
        )
        result[coach.pk] = (engine.first_slot(query), session_type)
    return result


def has_slot_between(
    coaches: Sequence[CoachProfile], start: datetime, end: datetime, *, now: datetime
) -> dict[int, bool]:
    """Whether each coach has a slot of any active session type starting in [start, end)."""
    start, end, now = _utc(start), _utc(end), _utc(now)
    if not coaches:
        return {}
    types = _active_types([c.pk for c in coaches])
    searches = [
        (coach, session_type, start, end)
        for coach in coaches
        for session_type in types.get(coach.pk, [])
    ]
    result = {coach.pk: False for coach in coaches}
    span = _Span.of(searches, now)
    if span is None:
        return result
    rows = _load_rows(sorted({c.pk for c, *_ in searches}), span, view=BusyView(now=now))
    for coach, session_type, _, _ in searches:
        if result[coach.pk]:
            continue
        query = _query(
            coach, session_type, rows.get(coach.pk, _Rows()), start=start, end=end, now=now
        )
        result[coach.pk] = engine.first_slot(query) is not None
    return result


def first_slots_between(
    searches: Sequence[tuple[CoachProfile, SessionType]],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    client_id: int | None = None,
) -> dict[tuple[int, int], datetime | None]:
    """The earliest slot of each (coach, session type) starting in [start, end), keyed by
    (coach pk, session type pk); None where there is none. Constant queries however many
    pairs. `client_id`'s own holds do not block (as for slots_for)."""
    start, end, now = _utc(start), _utc(end), _utc(now)
    result: dict[tuple[int, int], datetime | None] = {(c.pk, t.pk): None for c, t in searches}
    span = _Span.of([(coach, session_type, start, end) for coach, session_type in searches], now)
    if span is None:
        return result
    view = BusyView(now=now, client_id=client_id)
    rows = _load_rows(sorted({c.pk for c, _ in searches}), span, view=view)
    for coach, session_type in searches:
        query = _query(
            coach, session_type, rows.get(coach.pk, _Rows()), start=start, end=end, now=now
        )
        result[(coach.pk, session_type.pk)] = engine.first_slot(query)
    return result
