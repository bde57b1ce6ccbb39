"""Availability writes: a coach's rules, and the directory's next-available time after a change.

Every write to a coach's weekly hours, date overrides, time off and caps goes through
`availability_replace` (pages and API alike), which checks the rules with
`validation.validate_rules` first: refused input saves nothing. Reads live in `slots.py`
(slot questions) and `selectors.py` (the saved rules); the hand-written statement that loads
rows for the engine is in `loader.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tandem.coaches import selectors as coach_selectors
from tandem.coaches import services as coach_services
from tandem.coaches.models import CoachProfile

# tasks.py calls these services: both sides import the other as a module, never its names,
# so either may be imported first.
from . import tasks
from .models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval
from .slots import next_available_for
from .validation import OverrideInput, Rules, TimeOffInput, WeeklyInput, validate_rules

REFRESH_BATCH = 200


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
    coach_services.coach_lock(coach.pk)
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
    coach_services.coach_caps_set(
        coach=coach, daily_cap=rules.daily_cap, weekly_cap=rules.weekly_cap
    )
    schedule_refresh_next_available([coach.pk])
    return rules


def schedule_refresh_next_available(coach_ids: Iterable[int]) -> None:
    """After the current transaction commits, recompute these coaches' next_available_at.

    Call it from any service that changes what a coach can be booked for (rules, session
    types, bookings, zone, verification).
    """
    ids = sorted({int(pk) for pk in coach_ids})
    if ids:
        # robust: the change is committed either way; a full queue must not turn it into a 500.
        transaction.on_commit(lambda: tasks.refresh_next_available_task.enqueue(ids), robust=True)


def refresh_next_available(coach_ids: Iterable[int]) -> None:
    """Recompute and store CoachProfile.next_available_at (nothing else) for these coaches."""
    ids = sorted({int(pk) for pk in coach_ids})
    for offset in range(0, len(ids), REFRESH_BATCH):
        batch = ids[offset : offset + REFRESH_BATCH]
        coaches = coach_selectors.coaches_for_next_available(batch)
        found = next_available_for(coaches, now=timezone.now())
        changed = []
        for coach in coaches:
            value = found[coach.pk][0]
            if coach.next_available_at != value:
                coach.next_available_at = value
                changed.append(coach)
        if changed:
            coach_services.next_available_store(changed)


def stale_next_available_ids(*, now: datetime, everyone: bool = False) -> list[int]:
    """Listed coaches whose next_available_at needs recomputing.

    Stale: a value in the past, or no value while the coach has an active session type (a
    coach without one stays null). `everyone`: every listed coach with a value or a type.
    """
    return coach_selectors.coach_ids_with_stale_next_available(now=now, everyone=everyone)
