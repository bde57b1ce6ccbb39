"""Availability input: checking a coach's rules and a slots request, before anything runs.

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

The pages' forms, the API's schemas and the writes (`services.availability_replace`) all check
rules with `validate_rules`; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tandem.core.errors import InvalidInput
from tandem.core.timezones import available_zones, canonical_zone

from .engine.types import DateOverride as EngineOverride
from .engine.types import WallInterval, WeeklyRule

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


class FieldErrors:
    """Problems collected across a whole input, raised together as one InvalidAvailability."""

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
    errors: FieldErrors,
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


def _check_instant(errors: FieldErrors, path: str, value: object) -> datetime | None:
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


def _check_cap(errors: FieldErrors, path: str, value: object) -> int | None:
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
    errors = FieldErrors()

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
        for weekday, items in sorted(by_day.items()):
            for _, start_minute, end_minute in sorted(_check_intervals(errors, "weekly", items)):
                weekly_rules.append(WeeklyRule(weekday, WallInterval(start_minute, end_minute)))

    override_rules: list[EngineOverride] = []
    if len(overrides) > MAX_OVERRIDES:
        errors.add("overrides", "too_many")
    else:
        seen: set[date] = set()
        for index, override in enumerate(overrides):
            day: date | None = override.date
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
            if len(override.intervals) > MAX_INTERVALS_PER_OVERRIDE:
                errors.add(f"overrides.{index}.intervals", "too_many")
                continue
            valid = _check_intervals(
                errors,
                f"overrides.{index}.intervals",
                [(j, i.start_minute, i.end_minute) for j, i in enumerate(override.intervals)],
            )
            if day is not None:
                intervals = tuple(WallInterval(s, e) for _, s, e in sorted(valid, key=_by_start))
                override_rules.append(EngineOverride(day, intervals))

    offs: list[TimeOffInput] = []
    if len(time_off) > MAX_TIME_OFF:
        errors.add("time_off", "too_many")
    else:
        for index, off in enumerate(time_off):
            off_start = _check_instant(errors, f"time_off.{index}.start", off.start)
            off_end = _check_instant(errors, f"time_off.{index}.end", off.end)
            if off_start is not None and off_end is not None and off_end <= off_start:
                errors.add(f"time_off.{index}.end", "end_before_start")
            reason = off.reason
            if not isinstance(reason, str):
                errors.add(f"time_off.{index}.reason", "wrong_type")
                continue
            if "\x00" in reason:
                errors.add(f"time_off.{index}.reason", "nul_character")
            reason = reason.strip()
            if len(reason) > MAX_REASON:
                errors.add(f"time_off.{index}.reason", "too_long")
            if off_start is not None and off_end is not None:
                offs.append(TimeOffInput(off_start, off_end, reason))

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
    errors = FieldErrors()
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
