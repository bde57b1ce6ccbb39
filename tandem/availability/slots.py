"""Availability's questions about slots: which starts are bookable, and who is free when.

Pages, the API, booking's checks, the directory (through coaches' availability hook) and
dispatch ask here. Every function loads its rows with one statement (`loader.load_rows`),
however many coaches it is asked about, and leaves the arithmetic to the pure engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType

from . import engine
from .busy_time import BusyView
from .engine.types import SlotQuery, UtcRange
from .loader import Rows, Span, as_utc, has_caps, load_rows, slot_query
from .validation import (
    FieldErrors,
    InvalidAvailability,
    OverrideInput,
    Rules,
    SlotRange,
    TimeOffInput,
    WeeklyInput,
    parse_slot_range,
    validate_rules,
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
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    span = Span.of([(coach, session_type, start, end)], now)
    if rules is not None and span is not None:
        span = Span(
            span.start,
            span.end,
            span.reach,
            any(c is not None for c in (rules.daily_cap, rules.weekly_cap))
            or has_caps(coach, session_type),
        )
    view = BusyView(now=now, client_id=client_id, exclude_booking_id=exclude_booking_id)
    rows = load_rows([coach.pk], span, rules=rules is None, view=view)[coach.pk] if span else Rows()
    caps = None
    if rules is not None:
        rows.weekly = list(rules.weekly)
        rows.overrides = {o.date: list(o.intervals) for o in rules.overrides}
        rows.time_off = [UtcRange(o.start, o.end) for o in rules.time_off]
        caps = (rules.daily_cap, rules.weekly_cap)
    return slot_query(coach, session_type, rows, start=start, end=end, now=now, caps=caps)


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


def first_slot(
    *,
    coach: CoachProfile,
    session_type: SessionType,
    start: datetime,
    end: datetime,
    now: datetime,
    client_id: int | None = None,
    exclude_booking_id: int | None = None,
) -> datetime | None:
    """The earliest bookable start (UTC) of this session type in [start, end), if any."""
    query = build_query(
        coach,
        session_type,
        start=start,
        end=end,
        now=now,
        client_id=client_id,
        exclude_booking_id=exclude_booking_id,
    )
    return engine.first_slot(query)


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
    errors = FieldErrors()
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
    for session_type in (
        coach_selectors.active_session_types()
        .filter(coach_id__in=coach_ids)
        .order_by("coach_id", "price", "duration_minutes", "name", "pk")
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
    now = as_utc(now)
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
    span = Span.of(searches, now)
    rows = load_rows([c.pk for c, *_ in searches], span, view=BusyView(now=now)) if span else {}
    for coach, session_type, start, end in searches:
        query = slot_query(
            coach, session_type, rows.get(coach.pk, Rows()), start=start, end=end, now=now
        )
        result[coach.pk] = (engine.first_slot(query), session_type)
    return result


def has_slot_between(
    coaches: Sequence[CoachProfile], start: datetime, end: datetime, *, now: datetime
) -> dict[int, bool]:
    """Whether each coach has a slot of any active session type starting in [start, end)."""
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    if not coaches:
        return {}
    types = _active_types([c.pk for c in coaches])
    searches = [
        (coach, session_type, start, end)
        for coach in coaches
        for session_type in types.get(coach.pk, [])
    ]
    result = {coach.pk: False for coach in coaches}
    span = Span.of(searches, now)
    if span is None:
        return result
    rows = load_rows(sorted({c.pk for c, *_ in searches}), span, view=BusyView(now=now))
    for coach, session_type, _, _ in searches:
        if result[coach.pk]:
            continue
        query = slot_query(
            coach, session_type, rows.get(coach.pk, Rows()), start=start, end=end, now=now
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
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    result: dict[tuple[int, int], datetime | None] = {(c.pk, t.pk): None for c, t in searches}
    span = Span.of([(coach, session_type, start, end) for coach, session_type in searches], now)
    if span is None:
        return result
    view = BusyView(now=now, client_id=client_id)
    rows = load_rows(sorted({c.pk for c, _ in searches}), span, view=view)
    for coach, session_type in searches:
        query = slot_query(
            coach, session_type, rows.get(coach.pk, Rows()), start=start, end=end, now=now
        )
        result[(coach.pk, session_type.pk)] = engine.first_slot(query)
    return result
