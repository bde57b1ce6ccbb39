"""Reads for availability pages and the API (the engine's inputs are loaded by loader.py).

The coach and session type a request names are coaches' to find (coaches.selectors:
bookable_coach, bookable_coach_and_type, coach_profile_of, session_type_of)."""

from dataclasses import dataclass

from django.db.models import Prefetch

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType

from .models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval


def session_type_of(
    coach: CoachProfile, ref: str | None, *, active_only: bool = True
) -> SessionType | None:
    """One of this coach's session types by public id; without one, the cheapest active
    (what the slot pages and APIs show when no type is chosen)."""
    if ref is None:
        return coach_selectors.cheapest_active_session_type(coach)
    return coach_selectors.session_type_of(coach, ref, active_only=active_only)


@dataclass(frozen=True)
class SavedRules:
    weekly: list[WeeklyInterval]
    overrides: list[DateOverride]  # with .intervals prefetched
    time_off: list[TimeOff]


def saved_rules(coach: CoachProfile) -> SavedRules:
    """A coach's stored rules, in order (4 queries)."""
    return SavedRules(
        weekly=list(WeeklyInterval.objects.filter(coach=coach).order_by("weekday", "start_minute")),
        overrides=list(
            DateOverride.objects.filter(coach=coach)
            .order_by("date")
            .prefetch_related(
                Prefetch("intervals", queryset=OverrideInterval.objects.order_by("start_minute"))
            )
        ),
        time_off=list(TimeOff.objects.filter(coach=coach).order_by("start", "end")),
    )
