"""Parse and validate recommendation parameters (query strings or Python values).

Every problem is collected and raised once as InvalidInput (400, code "invalid") whose
`fields` map a parameter to machine-readable codes: invalid, unknown_zone, nul_character,
too_long, too_many, out_of_range. No Django here: the API and other services call the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from tandem.core.errors import InvalidInput
from tandem.core.timezones import available_zones, canonical_zone

from .scoring import DAY_PARTS, DEFAULT_WAKING, URGENCIES, Preferences, TimeWindow, Urgency

MAX_LENGTH = 200  # any one parameter, before splitting
MAX_TIME_WINDOWS = 8
MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 1, 20, 5

_RANGE = re.compile(r"([0-9]{1,2}):([0-9]{2}) *- *([0-9]{1,2}):([0-9]{2})")
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
_DAY_NAMES = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}

Values = str | Iterable[str | int] | None


@dataclass(frozen=True, slots=True)
class Request:
    prefs: Preferences
    limit: int


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, code: str) -> None:
        codes = self.fields.setdefault(field, [])
        if code not in codes:
            codes.append(code)

    def raise_if_any(self) -> None:
        if self.fields:
            raise InvalidInput("Some parameters are not valid.", fields=self.fields)


def parse_request(
    *,
    tz: str | None,
    default_tz: str,
    preferred_times: Values = None,
    preferred_days: Values = None,
    urgency: str | None = None,
    limit: int | str | None = None,
    waking_hours: str | None = None,
) -> Request:
    """Preferences and limit from raw values. `tz` None (or blank) means `default_tz`;
    `waking_hours` None (or blank) the default 07:00-22:00."""
    errors = _Errors()
    zone = _zone(tz, default_tz, errors)
    windows = _times(preferred_times, errors)
    days = _days(preferred_days, errors)
    level = _urgency(urgency, errors)
    count = _limit(limit, errors)
    waking = _waking(waking_hours, errors)
    errors.raise_if_any()
    return Request(
        prefs=Preferences(
            tz=zone, preferred_times=windows, preferred_days=days, urgency=level, waking=waking
        ),
        limit=count,
    )


def _waking(value: str | None, errors: _Errors) -> TimeWindow:
    """One "HH:MM-HH:MM" range (may wrap past midnight, e.g. 09:00-01:00)."""
    if value is None:
        return DEFAULT_WAKING
    text = _text(value, "waking_hours", errors)
    if not text:
        return DEFAULT_WAKING
    window = _time_range(text)
    if window is None:
        errors.add("waking_hours", "invalid")
        return DEFAULT_WAKING
    return window


def _text(value: object, field: str, errors: _Errors) -> str | None:
    """A stripped string, or None after recording why it is refused."""
    if not isinstance(value, str):
        errors.add(field, "invalid")
        return None
    if "\x00" in value:
        errors.add(field, "nul_character")
        return None
    if len(value) > MAX_LENGTH:
        errors.add(field, "too_long")
        return None
    return value.strip()


def _items(value: Values, field: str, errors: _Errors) -> list[str] | None:
    """Comma-separated items (or an iterable of them), lower-cased, blanks dropped."""
    if value is None:
        return []
    raw = [value] if isinstance(value, str) else list(value)
    items: list[str] = []
    for part in raw:
        text = _text(str(part) if isinstance(part, int) else part, field, errors)
        if text is None:
            return None
        items.extend(item.strip().lower() for item in text.split(",") if item.strip())
    return items


def _zone(tz: str | None, default_tz: str, errors: _Errors) -> str:
    fallback = default_tz if default_tz in available_zones() else "UTC"
    if tz is None:
        return fallback
    text = _text(tz, "tz", errors)
    if text is None:
        return fallback
    if not text:
        return fallback
    if text not in available_zones():
        errors.add("tz", "unknown_zone")
        return fallback
    return canonical_zone(text)


def _times(value: Values, errors: _Errors) -> tuple[TimeWindow, ...]:
    items = _items(value, "preferred_times", errors)
    if not items:
        return ()
    windows: list[TimeWindow] = []
    for item in items:
        window = DAY_PARTS.get(item) or _time_range(item)
        if window is None:
            errors.add("preferred_times", "invalid")
        elif window not in windows:
            windows.append(window)
    if len(windows) > MAX_TIME_WINDOWS:
        errors.add("preferred_times", "too_many")
    return tuple(windows)


def _time_range(item: str) -> TimeWindow | None:
    """ "HH:MM-HH:MM" (24:00 only as an end; start > end wraps past midnight)."""
    match = _RANGE.fullmatch(item)
    if match is None:
        return None
    h0, m0, h1, m1 = (int(g) for g in match.groups())
    if h0 > 23 or m0 > 59 or m1 > 59 or h1 > 24 or (h1 == 24 and m1):
        return None
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if start == end:  # empty, or ambiguous ("00:00-00:00"): say 00:00-24:00 for all day
        return None
    return TimeWindow(start, end or 1440)  # "22:00-00:00" ends at midnight


def _days(value: Values, errors: _Errors) -> frozenset[int]:
    items = _items(value, "preferred_days", errors)
    days: set[int] = set()
    for item in items or ():
        if item in ("0", "1", "2", "3", "4", "5", "6"):
            days.add(int(item))
        elif item in _DAY_NAMES:
            days.add(_DAY_NAMES[item])
        else:
            errors.add("preferred_days", "invalid")
    return frozenset(days)


def _urgency(value: str | None, errors: _Errors) -> Urgency:
    if value is None:
        return "normal"
    text = _text(value, "urgency", errors)
    if text is None:
        return "normal"
    text = text.lower() or "normal"
    if text not in URGENCIES:
        errors.add("urgency", "invalid")
        return "normal"
    return cast(Urgency, text)


def _limit(value: int | str | None, errors: _Errors) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool):
        errors.add("limit", "invalid")
        return DEFAULT_LIMIT
    if isinstance(value, str):
        text = _text(value, "limit", errors)
        if text is None:
            return DEFAULT_LIMIT
        if _INTEGER.fullmatch(text) is None:
            errors.add("limit", "invalid")
            return DEFAULT_LIMIT
        value = int(text)
    if not isinstance(value, int):
        errors.add("limit", "invalid")
        return DEFAULT_LIMIT
    if not MIN_LIMIT <= value <= MAX_LIMIT:
        errors.add("limit", "out_of_range")
        return DEFAULT_LIMIT
    return value
