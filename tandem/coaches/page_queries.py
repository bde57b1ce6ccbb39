"""Read-only helpers for the public coach pages: viewer zone, directory cards, week picker.

Nothing here writes. The slot engine is reached only through `availability_hook` (availability
builds on coaches), one call per week shown (plus one "when is the next free time?" call when
a week is empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from tandem.core.errors import InvalidInput, NotFound
from tandem.core.money import format_money
from tandem.core.timezones import available_zones, canonical_zone

from . import availability_hook, selectors
from .models import CoachProfile, SessionType

# Zones the picker always offers (plus the viewer's and the coach's own).
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
# The picker's dates stay where date arithmetic cannot overflow (and the engine is sane).
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2100, 12, 31)
WEEK = timedelta(days=7)

ZoneSource = Literal["profile", "param", "default"]


# --- Zones ------------------------------------------------------------------------------------


def zone_or_none(value: Any) -> str | None:
    """The current IANA name of `value`, or None when it is not a zone we know."""
    if not isinstance(value, str) or "\x00" in value:
        return None
    value = value.strip()
    if not value or len(value) > 64 or value not in available_zones():
        return None
    return canonical_zone(value)


@dataclass(frozen=True)
class ViewerZone:
    """The zone times are shown in and where it came from."""

    name: str
    source: ZoneSource
    # A `tz` parameter was given (valid or not): the browser-zone detection has run already.
    param_given: bool = False
    # The `tz` parameter was given but is not a zone we know (it was ignored).
    param_refused: bool = False

    @property
    def info(self) -> ZoneInfo:
        return ZoneInfo(self.name)


def _profile_zone(user: Any) -> str | None:
    if getattr(user, "is_authenticated", False):
        return zone_or_none(getattr(user, "timezone", ""))
    return None


def directory_zone(user: Any, tz_param: str | None) -> ViewerZone:
    """The directory's zone: the signed-in user's, else the `tz` parameter, else UTC."""
    given = tz_param is not None
    param = zone_or_none(tz_param)
    refused = given and param is None and bool(str(tz_param).strip())
    profile = _profile_zone(user)
    if profile:
        return ViewerZone(profile, "profile", given, refused)
    if param:
        return ViewerZone(param, "param", given, refused)
    return ViewerZone("UTC", "default", given, refused)


def picker_zone(user: Any, tz_param: str | None) -> ViewerZone:
    """The slot picker's zone: the `tz` parameter (the zone switcher) first, then as above."""
    param = zone_or_none(tz_param)
    if param:
        return ViewerZone(param, "param", True, False)
    fallback = directory_zone(user, None)
    given = tz_param is not None
    refused = given and bool(str(tz_param).strip())
    return ViewerZone(fallback.name, fallback.source, given, refused)


def utc_offset_label(zone: str, at: datetime) -> str:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_choices(*extra: str, at: datetime) -> list[tuple[str, str]]:
    """(name, "name (UTC+hh:mm)") for the common zones and `extra`, ordered by offset."""
    names = {zone for zone in (*COMMON_ZONES, *extra) if zone_or_none(zone)}

    def offset(name: str) -> timedelta:
        return at.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)

    ordered = sorted(names, key=lambda name: (offset(name), name))
    return [(name, f"{name} ({utc_offset_label(name, at)})") for name in ordered]


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local date, in UTC (a midnight lost to DST starts it later)."""
    # zoneinfo reads a wall time inside a gap with the offset from before it (fold=0), which
    # lands after the gap, on the same date: 00:00 in a zone that springs forward at midnight
    # becomes 01:00.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def today_in(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()


# --- Money and names ---------------------------------------------------------------------------


def display_name(coach: CoachProfile) -> str:
    return coach.user.display_name.strip() or coach.slug


def initials(name: str) -> str:
    letters = [word[0] for word in name.split() if word[:1].isalnum()]
    return ("".join(letters[:1] + letters[1:][-1:]) or "?").upper()


def price_label(session_type: SessionType) -> str:
    if not session_type.price:
        return "Free"
    return format_money(session_type.price, session_type.currency)


@dataclass(frozen=True)
class PriceSummary:
    has_free: bool
    from_price: str | None  # the cheapest paid session, formatted; None if every one is free


def price_summary(session_types: list[SessionType]) -> PriceSummary | None:
    if not session_types:
        return None
    paid = [t for t in session_types if t.price > 0]
    cheapest = min(paid, key=lambda t: t.price) if paid else None
    return PriceSummary(
        has_free=len(paid) < len(session_types),
        from_price=format_money(cheapest.price, cheapest.currency) if cheapest else None,
    )


# --- Directory cards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachCard:
    coach: CoachProfile
    name: str
    initials: str
    photo_url: str | None
    price: PriceSummary | None
    next_available: datetime | None
    next_session_type: SessionType | None


def directory_cards(coaches: list[CoachProfile], *, now: datetime) -> list[CoachCard]:
    """What a card shows, for coaches from selectors.coach_directory (relations prefetched).

    One call to next_available_for for the whole page: a constant number of queries.
    """
    upcoming = selectors.next_available_for(coaches, now=now) if coaches else {}
    cards = []
    for coach in coaches:
        at, session_type = upcoming.get(coach.pk, (None, None))
        name = display_name(coach)
        cards.append(
            CoachCard(
                coach=coach,
                name=name,
                initials=initials(name),
                photo_url=coach.photo.url if coach.photo else None,
                price=price_summary(list(getattr(coach, "active_session_types", []))),
                next_available=at,
                next_session_type=session_type,
            )
        )
    return cards


def local_date_window(
    first: date | None, last: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """ "Available between first and last" (whole local days, both included) as UTC instants."""
    start = local_midnight(first, zone) if first else None
    end = local_midnight(last + timedelta(days=1), zone) if last else None
    return start, end


# --- The week picker ---------------------------------------------------------------------------


class BadPickerParameter(InvalidInput):
    """A slot picker parameter (week, tz) that is not valid."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class PickerRequest:
    session_type: SessionType | None
    week: date | None  # None: from today
    zone: ViewerZone
    problems: tuple[str, ...] = ()


def _parse_week(value: str) -> date:
    value = value.strip()
    if "\x00" in value or len(value) != 10:
        raise ValueError(value)
    day = date.fromisoformat(value)
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(value)
    return day


def picker_request(coach: CoachProfile, params: Any, user: Any, *, strict: bool) -> PickerRequest:
    """Read session_type, week and tz. Strict (the partial): a bad value is an error
    (InvalidInput, NotFound for an unknown session type); lenient (the page): it is ignored,
    with a note saying so."""
    problems: list[str] = []
    types: list[SessionType] = list(getattr(coach, "active_session_types", []))
    chosen = types[0] if types else None
    ref = params.get("session_type")
    if ref:
        match = next((t for t in types if str(t.public_id) == str(ref).strip().lower()), None)
        if match is not None:
            chosen = match
        elif strict:
            raise NotFound("No such session type.")
        else:
            problems.append("That session type is not offered any more; showing another one.")

    week: date | None = None
    raw_week = params.get("week")
    if raw_week:
        try:
            week = _parse_week(raw_week)
        except ValueError:
            message = "Give the week as a date, such as 2026-03-02."
            if strict:
                raise BadPickerParameter(message, fields={"week": [message]}) from None
            problems.append("That week is not a date we can show; showing this week.")

    zone = picker_zone(user, params.get("tz"))
    if zone.param_refused:
        message = f"Unknown time zone; showing times in {zone.name}."
        if strict:
            raise BadPickerParameter(
                "Choose a time zone from the list.",
                fields={"tz": ["Choose a time zone from the list."]},
            )
        problems.append(message)
    return PickerRequest(chosen, week, zone, tuple(problems))


@dataclass(frozen=True)
class PickerDay:
    day: date
    slots: list[datetime]  # UTC; the template shows them in the picker's zone
    is_today: bool


@dataclass
class WeekPicker:
    coach: CoachProfile
    session_type: SessionType | None
    session_types: list[SessionType]
    zone: ViewerZone
    week_start: date
    days: list[PickerDay] = field(default_factory=list)
    prev_week: date | None = None
    next_week: date | None = None
    # Only looked up when the week shown has no slot: the next one after it, if any.
    next_available: datetime | None = None
    zones: list[tuple[str, str]] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def slot_count(self) -> int:
        return sum(len(day.slots) for day in self.days)

    def query(self, **changes: Any) -> dict[str, str]:
        """The picker's parameters (for links), with some changed ("" drops one)."""
        values = {
            "session_type": str(self.session_type.public_id) if self.session_type else "",
            "week": self.week_start.isoformat(),
            "tz": self.zone.name,
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def qs(self, **changes: Any) -> str:
        return urlencode(self.query(**changes))

    @property
    def current_qs(self) -> str:
        return self.qs()

    @property
    def prev_qs(self) -> str:
        return self.qs(week=self.prev_week) if self.prev_week else ""

    @property
    def next_qs(self) -> str:
        return self.qs(week=self.next_week) if self.next_week else ""

    @property
    def auto_zone_qs(self) -> str:
        """Without tz: slots.js adds the browser's zone."""
        return self.qs(tz="")

    @property
    def next_available_qs(self) -> str:
        if self.next_available is None:
            return ""
        day = self.next_available.astimezone(self.zone.info).date()
        return self.qs(week=day)

    @property
    def type_links(self) -> list[tuple[SessionType, str, str]]:
        """(session type, its picker query, its price) for each session type."""
        return [(t, self.qs(session_type=t.public_id), price_label(t)) for t in self.session_types]


def week_picker(
    coach: CoachProfile,
    picker: PickerRequest,
    *,
    now: datetime,
    client_id: int | None = None,
    exclude_booking_id: int | None = None,
) -> WeekPicker:
    """Seven local days of `picker.zone` from `picker.week` (today at the earliest): one
    engine call for the week's slots.

    `client_id`: this client's own hold does not hide its slot (the booking wizard, where
    they may come back to pick again); `exclude_booking_id`: a booking being rescheduled does
    not block its own time.
    """
    zone = picker.zone.info
    today = today_in(zone, now)
    start_day = max(picker.week or today, today)
    session_type = picker.session_type
    types = list(getattr(coach, "active_session_types", []))
    result = WeekPicker(
        coach=coach,
        session_type=session_type,
        session_types=types,
        zone=picker.zone,
        week_start=start_day,
        zones=zone_choices(picker.zone.name, coach.timezone, at=local_midnight(start_day, zone)),
    )
    if start_day > today:
        result.prev_week = max(start_day - WEEK, today)
    if session_type is None:
        result.days = [PickerDay(start_day + timedelta(days=i), [], False) for i in range(7)]
        return result

    last_bookable = (now + timedelta(days=session_type.booking_window_days)).astimezone(zone).date()
    if start_day + WEEK <= min(last_bookable, MAX_DATE - WEEK):
        result.next_week = start_day + WEEK

    start = local_midnight(start_day, zone)
    end = local_midnight(start_day + WEEK, zone)
    availability = availability_hook.provider()
    slots = (
        availability.slots(
            coach=coach,
            session_type=session_type,
            start=start,
            end=end,
            now=now,
            client_id=client_id,
            exclude_booking_id=exclude_booking_id,
        )
        if availability is not None
        else []
    )
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        by_day.setdefault(slot.astimezone(zone).date(), []).append(slot)
    result.days = [
        PickerDay(day, by_day.get(day, []), day == today)
        for day in (start_day + timedelta(days=i) for i in range(7))
    ]
    if not slots and result.next_week is not None and availability is not None:
        result.next_available = availability.first_slot(
            coach=coach,
            session_type=session_type,
            start=end,
            end=now + timedelta(days=session_type.booking_window_days),
            now=now,
            client_id=client_id,
            exclude_booking_id=exclude_booking_id,
        )
    return result
