"""One clock per user: 24-hour ("14:30") or 12-hour ("2:30 PM").

A user's `time_format` is "auto", "12h" or "24h". Auto follows the user's locale: the
profile's language with the country of their time zone (the tz database's zone.tab), since
the profile has no region of its own: English in the United States, Canada, India,
Australia... reads 12-hour; everywhere else, and a zone with no country (UTC), 24-hour.

Like Django's current time zone, the format is *activated* per request (middleware) or per
recipient (`override`, for emails and notifications), and read by the template filter `when`
(templatetags/clock.py), by `format_clock` here, and, through `<body data-time-format>`, by
the one JavaScript formatter (static/tandem/tandem.js: `tandemTime`).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from asgiref.local import Local
from django.utils import dateformat

from .timezones import canonical_zone

AUTO, H12, H24 = "auto", "12h", "24h"
CHOICES = [(AUTO, "Automatic (from my language and time zone)"), (H24, "24-hour (14:30)"),
           (H12, "12-hour (2:30 PM)")]  # fmt: skip

# Countries whose English-speaking users read the 12-hour clock (CLDR's preferred hour
# cycle "h" for the region).
TWELVE_HOUR_COUNTRIES = frozenset(
    {"US", "CA", "AU", "NZ", "IN", "PK", "BD", "PH", "MY", "SG", "EG", "SA"}
)

_active = Local()


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO country code, from the tz database's zone.tab."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / "zone.tab"
        if path.is_file():
            countries: dict[str, str] = {}
            for line in path.read_text().splitlines():
                parts = line.split("\t")
                if len(parts) >= 3 and not line.startswith("#"):
                    countries[parts[2]] = parts[0]
            return countries
    return {}


def zone_country(zone: str) -> str:
    countries = _zone_countries()
    return countries.get(zone) or countries.get(canonical_zone(zone), "")


def resolve(time_format: str, *, locale: str, zone: str) -> str:
    """ "12h" or "24h" for a user's setting, language and time zone."""
    if time_format in (H12, H24):
        return time_format
    language = (locale or "").split("-")[0].lower()
    if language == "en" and zone_country(zone) in TWELVE_HOUR_COUNTRIES:
        return H12
    return H24


def active() -> str:
    return getattr(_active, "value", H24)


def activate(time_format: str) -> None:
    _active.value = time_format if time_format in (H12, H24) else H24


def deactivate() -> None:
    if hasattr(_active, "value"):
        del _active.value


@contextmanager
def override(time_format: str) -> Iterator[None]:
    """Render for someone else (an email's recipient) with their clock."""
    previous = getattr(_active, "value", None)
    activate(time_format)
    try:
        yield
    finally:
        if previous is None:
            deactivate()
        else:
            _active.value = previous


def pattern(fmt: str, time_format: str | None = None) -> str:
    """A Django date format with its "H:i" rewritten for the clock ("g:i A" for 12-hour)."""
    if (time_format or active()) == H12:
        return fmt.replace("H:i", "g:i A")
    return fmt


def format_clock(moment: datetime, fmt: str = "H:i", time_format: str | None = None) -> str:
    """Format a (local) datetime with a Django date format, in the user's clock."""
    return dateformat.format(moment, pattern(fmt, time_format))
