"""The availability editor's form: the whole rule set as posted by the page, and back.

The page posts one form for everything (weekly rows, date overrides, time off, caps). This
module only *parses* it into the service's inputs (times, dates, numbers) and maps the
service's field paths ("weekly.3.end", "overrides.0.intervals.1", "time_off.2.start") back to
the row the coach sees, so an error shows next to the right row. Whether the rules are valid
(overlaps, order, ranges, caps) is for availability.validation.validate_rules alone.

Form field names:
    weekly-<weekday>-start / -end          repeated, one pair per interval, in page order
    override-<key>-date, -closed, -start / -end (repeated)
    timeoff-<key>-start / -end             datetime-local in the coach's zone, -reason
    daily_cap, weekly_cap                  empty: no cap
<key> is any small number the page chose; blocks are taken in key order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import zip_longest
from typing import Any
from zoneinfo import ZoneInfo

from django.http import QueryDict

from . import validation
from .models import WEEKDAYS
from .selectors import SavedRules

# Messages for codes the page shows differently from the API's (validation.MESSAGES).
PAGE_MESSAGES = {
    "invalid_time": "Enter a time such as 09:00.",
    "invalid_date": "Enter a date.",
    "invalid_datetime": "Enter a date and time.",
    "required": "Fill in both times, or remove the row.",
    "wrong_type": "Enter a whole number.",
    "out_of_range": "Out of range.",
    "end_before_start": "The end must be after the start (an end of 00:00 means midnight).",
}
KEY = re.compile(r"^(override|timeoff)-(\d{1,6})-(date|start)$")


def message(code: str) -> str:
    return PAGE_MESSAGES.get(code) or validation.MESSAGES.get(code, code)


@dataclass
class Row:
    """One interval row: its raw values and what is wrong with it."""

    dom_id: str
    start: str = ""
    end: str = ""
    position: int = 1  # 1-based, among the rows of its day or date
    errors: list[str] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)  # "start", "end"


@dataclass
class Day:
    weekday: int
    name: str
    rows: list[Row] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"weekly-{self.weekday}"


@dataclass
class OverrideBlock:
    key: int
    date: str = ""
    closed: bool = False
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    date_errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"override-{self.key}"


@dataclass
class TimeOffBlock:
    key: int
    start: str = ""
    end: str = ""
    reason: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)  # start, end, reason, ""


@dataclass
class Problem:
    """One line of the error summary: where, what, and the input to jump to."""

    where: str
    text: str
    anchor: str


@dataclass
class Grid:
    zone: str
    days: list[Day]
    overrides: list[OverrideBlock] = field(default_factory=list)
    time_off: list[TimeOffBlock] = field(default_factory=list)
    daily_cap: str = ""
    weekly_cap: str = ""
    cap_errors: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Parsed values (None where a value could not be parsed) and the service-path index.
    _weekly: list[tuple[Row, validation.WeeklyInput]] = field(default_factory=list)
    _overrides: list[tuple[OverrideBlock, date | None, list[tuple[Row, Any]]]] = field(
        default_factory=list
    )
    _time_off: list[tuple[TimeOffBlock, validation.TimeOffInput | None]] = field(
        default_factory=list
    )
    _caps: dict[str, int | None] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.problems)

    @property
    def caps(self) -> list[tuple[str, str, str, list[str]]]:
        """(field name, label, value, errors) of the coach-wide caps."""
        return [
            ("daily_cap", "Sessions per day", self.daily_cap, self.cap_errors.get("daily_cap", [])),
            (
                "weekly_cap",
                "Sessions per week (Monday to Sunday)",
                self.weekly_cap,
                self.cap_errors.get("weekly_cap", []),
            ),
        ]

    @property
    def next_override_key(self) -> int:
        return max((b.key for b in self.overrides), default=-1) + 1

    @property
    def next_timeoff_key(self) -> int:
        return max((b.key for b in self.time_off), default=-1) + 1

    def service_kwargs(self) -> dict[str, Any]:
        """The service's inputs; only call when the grid parsed without errors."""
        assert not self.has_errors
        return {
            "weekly": [value for _, value in self._weekly],
            "overrides": [
                validation.OverrideInput(day, [value for _, value in rows])  # type: ignore[arg-type]
                for _, day, rows in self._overrides
            ],
            "time_off": [value for _, value in self._time_off],
            "daily_cap": self._caps.get("daily_cap"),
            "weekly_cap": self._caps.get("weekly_cap"),
        }

    # --- Errors ---------------------------------------------------------------------------

    def _row_error(self, row: Row, where: str, code: str, part: str | None) -> None:
        """An error on one row; `where` names its day or date ("Monday")."""
        where = f"{where}, hours {row.position}"
        text = message(code)
        if text not in row.errors:
            row.errors.append(text)
        row.invalid.update([part] if part in ("start", "end") else ["start", "end"])
        anchor = f"{row.dom_id}-{part if part == 'end' else 'start'}"
        self.problems.append(Problem(where, text, anchor))

    def attach(self, fields: dict[str, list[str]]) -> None:
        """Put the service's field errors next to the rows they are about."""
        for path, codes in fields.items():
            parts = path.split(".")
            for code in codes:
                if not self._attach_one(parts, code):
                    self.problems.append(Problem("Availability", message(code), "weekly-title"))

    def _attach_one(self, parts: list[str], code: str) -> bool:
        head = parts[0]
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tail = parts[2:]
        if head in ("daily_cap", "weekly_cap") and len(parts) == 1:
            self.cap_errors.setdefault(head, []).append(message(code))
            label = "Daily limit" if head == "daily_cap" else "Weekly limit"
            self.problems.append(Problem(label, message(code), f"id_{head}"))
            return True
        if head == "weekly" and index is not None and index < len(self._weekly):
            row, value = self._weekly[index]
            self._row_error(row, WEEKDAYS[value.weekday][1], code, tail[0] if tail else None)
            return True
        if head == "overrides" and index is not None and index < len(self._overrides):
            block, _, rows = self._overrides[index]
            where = f"Date override {block.date or index + 1}"
            if tail[:1] == ["date"]:
                block.date_errors.append(message(code))
                self.problems.append(Problem(where, message(code), f"override-{block.key}-date"))
                return True
            if tail[:1] == ["intervals"] and len(tail) > 1 and tail[1].isdigit():
                j = int(tail[1])
                if j < len(rows):
                    self._row_error(rows[j][0], where, code, tail[2] if len(tail) > 2 else None)
                    return True
            block.errors.append(message(code))
            self.problems.append(Problem(where, message(code), f"override-{block.key}-date"))
            return True
        if head == "time_off" and index is not None and index < len(self._time_off):
            off_block, _ = self._time_off[index]
            part = tail[0] if tail and tail[0] in ("start", "end", "reason") else ""
            off_block.errors.setdefault(part, []).append(message(code))
            anchor = f"timeoff-{off_block.key}-{part or 'start'}"
            self.problems.append(Problem(f"Time off {index + 1}", message(code), anchor))
            return True
        return False


def blanks() -> dict[str, Any]:
    """Placeholder row and blocks for the page's <template>s (availability.js fills them)."""
    return {
        "row": Row("__ID__"),
        "override": OverrideBlock("__KEY__"),  # type: ignore[arg-type]
        "time_off": TimeOffBlock("__KEY__"),  # type: ignore[arg-type]
    }


# --- From the saved rules (the page as the coach left it) ------------------------------------


def _hm(minute: int) -> str:
    # <input type="time"> cannot show 24:00; an end of 00:00 means midnight (see _end_minute).
    return validation.format_wall_time(minute % 1440)


def _local_input(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def grid_from_saved(
    saved: SavedRules, *, zone: str, daily_cap: int | None, weekly_cap: int | None
) -> Grid:
    """The editor as the coach left it (parsed too, so the preview can use it as is)."""
    tz = ZoneInfo(zone)
    days = [Day(weekday, name) for weekday, name in WEEKDAYS]
    grid = Grid(zone=zone, days=days)
    for interval in saved.weekly:
        day = days[interval.weekday]
        row = Row(
            f"weekly-{day.weekday}-{len(day.rows)}",
            _hm(interval.start_minute),
            _hm(interval.end_minute),
            position=len(day.rows) + 1,
        )
        day.rows.append(row)
        grid._weekly.append(
            (row, validation.WeeklyInput(day.weekday, interval.start_minute, interval.end_minute))
        )
    for key, override in enumerate(saved.overrides):
        block = OverrideBlock(key, override.date.isoformat())
        rows = []
        for n, override_interval in enumerate(override.intervals.all()):
            row = Row(
                f"override-{key}-{n}",
                _hm(override_interval.start_minute),
                _hm(override_interval.end_minute),
                position=n + 1,
            )
            block.rows.append(row)
            rows.append(
                (
                    row,
                    validation.IntervalInput(
                        override_interval.start_minute, override_interval.end_minute
                    ),
                )
            )
        block.closed = not block.rows
        grid.overrides.append(block)
        grid._overrides.append((block, override.date, rows))
    for key, off in enumerate(saved.time_off):
        off_block = TimeOffBlock(
            key, _local_input(off.start, tz), _local_input(off.end, tz), off.reason
        )
        grid.time_off.append(off_block)
        grid._time_off.append((off_block, validation.TimeOffInput(off.start, off.end, off.reason)))
    grid.daily_cap = "" if daily_cap is None else str(daily_cap)
    grid.weekly_cap = "" if weekly_cap is None else str(weekly_cap)
    grid._caps = {"daily_cap": daily_cap, "weekly_cap": weekly_cap}
    return grid


# --- From a post -----------------------------------------------------------------------------


def _clean_time(value: str) -> str:
    value = value.strip()
    # Some browsers send seconds ("09:00:00") from <input type="time">.
    if len(value) == 8 and value.endswith(":00"):
        value = value[:5]
    return value


def _minute(value: str) -> int | None:
    try:
        return validation.parse_wall_time(_clean_time(value))
    except ValueError:
        return None


def _end_minute(value: str) -> int | None:
    minute = _minute(value)
    # A time input cannot say 24:00: an end of 00:00 is midnight at the end of the day.
    return 1440 if minute == 0 else minute


def _rows(post: QueryDict, prefix: str, grid: Grid, where: str) -> list[tuple[Row, Any]]:
    """The (row, IntervalInput-like (start, end) pair) of each filled interval row."""
    parsed: list[tuple[Row, Any]] = []
    pairs = zip_longest(post.getlist(f"{prefix}-start"), post.getlist(f"{prefix}-end"))
    for n, (raw_start, raw_end) in enumerate(pairs):
        row = Row(
            f"{prefix}-{n}",
            _clean_time(raw_start or "")[:20],
            _clean_time(raw_end or "")[:20],
            position=len(parsed) + 1,
        )
        if not row.start and not row.end:
            continue  # an added row left empty is no interval
        start = _minute(row.start) if row.start else None
        end = _end_minute(row.end) if row.end else None
        for part, raw, value in (("start", row.start, start), ("end", row.end, end)):
            if value is None:
                grid._row_error(row, where, "invalid_time" if raw else "required", part)
        parsed.append((row, (start, end)))
    return parsed


def _block_keys(post: QueryDict, kind: str) -> list[int]:
    keys = set()
    for name in post:
        match = KEY.match(name)
        if match and match[1] == kind:
            keys.add(int(match[2]))
    return sorted(keys)


def _local_datetime(value: str, zone: ZoneInfo) -> datetime | None:
    if not value or len(value) > 25:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return None  # a datetime-local input never sends an offset
    # Wall time in the coach's zone, then an instant.
    return parsed.replace(tzinfo=zone).astimezone(UTC)


def _cap(grid: Grid, post: QueryDict, name: str) -> None:
    raw = post.get(name, "").strip()[:20]
    setattr(grid, name, raw)
    if not raw:
        grid._caps[name] = None
        return
    try:
        grid._caps[name] = int(raw)
    except ValueError:
        grid.cap_errors.setdefault(name, []).append("Enter a whole number, or leave it empty.")
        label = "Daily limit" if name == "daily_cap" else "Weekly limit"
        grid.problems.append(Problem(label, "Enter a whole number.", f"id_{name}"))


def grid_from_post(post: QueryDict, *, zone: str) -> Grid:
    """Parse the editor's form. Problems of form (not of rule) are in grid.problems."""
    tz = ZoneInfo(zone)
    grid = Grid(zone=zone, days=[Day(weekday, name) for weekday, name in WEEKDAYS])
    for week_day in grid.days:
        for row, (start, end) in _rows(post, week_day.prefix, grid, week_day.name):
            week_day.rows.append(row)
            grid._weekly.append((row, validation.WeeklyInput(week_day.weekday, start, end)))

    for key in _block_keys(post, "override"):
        prefix = f"override-{key}"
        block = OverrideBlock(
            key,
            post.get(f"{prefix}-date", "").strip()[:20],
            closed=post.get(f"{prefix}-closed") == "on",
        )
        where = f"Date override {block.date or len(grid.overrides) + 1}"
        rows = _rows(post, prefix, grid, where)
        block.rows = [row for row, _ in rows]
        if not block.date and not rows and not block.closed:
            continue  # an added block left empty
        day: date | None = None
        try:
            day = date.fromisoformat(block.date) if len(block.date) == 10 else None
        except ValueError:
            day = None
        if day is None:
            block.date_errors.append(message("invalid_date"))
            grid.problems.append(Problem(where, message("invalid_date"), f"{prefix}-date"))
        intervals = [] if block.closed else rows
        grid.overrides.append(block)
        grid._overrides.append(
            (block, day, [(row, validation.IntervalInput(s, e)) for row, (s, e) in intervals])
        )

    for key in _block_keys(post, "timeoff"):
        prefix = f"timeoff-{key}"
        off_block = TimeOffBlock(
            key,
            post.get(f"{prefix}-start", "").strip()[:25],
            post.get(f"{prefix}-end", "").strip()[:25],
            post.get(f"{prefix}-reason", ""),
        )
        if not off_block.start and not off_block.end and not off_block.reason.strip():
            continue
        grid.time_off.append(off_block)
        off_start, off_end = (
            _local_datetime(off_block.start, tz),
            _local_datetime(off_block.end, tz),
        )
        for part, parsed in (("start", off_start), ("end", off_end)):
            if parsed is None:
                off_block.errors.setdefault(part, []).append(message("invalid_datetime"))
                grid.problems.append(
                    Problem(
                        f"Time off {len(grid.time_off)}",
                        message("invalid_datetime"),
                        f"{prefix}-{part}",
                    )
                )
        off_value = (
            validation.TimeOffInput(off_start, off_end, off_block.reason)
            if off_start is not None and off_end is not None
            else None
        )
        grid._time_off.append((off_block, off_value))

    _cap(grid, post, "daily_cap")
    _cap(grid, post, "weekly_cap")
    return grid
