"""Reads for availability pages and the API (the engine's inputs are loaded in services)."""

import uuid
from dataclasses import dataclass

from django.db.models import Prefetch

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile, SessionType

from .models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval


def listed_coach(ref: str) -> CoachProfile | None:
    """A coach clients can see, by public id or slug; unlisted coaches do not exist."""
    coaches = CoachProfile.objects.select_related("user").filter(
        is_verified=True, is_active=True, user__is_active=True
    )
    try:
        return coaches.filter(public_id=uuid.UUID(ref)).first()
    except ValueError:
        pass
    # A slug is short and has no NUL (PostgreSQL refuses NUL in a query: a 500, not a 404).
    if len(ref) > 60 or "\x00" in ref:
        return None
    return coaches.filter(slug=ref).first()


def coach_profile_of(user: User) -> CoachProfile | None:
    """The signed-in user's own coach profile (listed or not), if they have one."""
    if not user.is_authenticated:
        return None
    return CoachProfile.objects.select_related("user").filter(user=user).first()


def session_type_of(
    coach: CoachProfile, ref: str | None, *, active_only: bool = True
) -> SessionType | None:
    """One of this coach's session types by public id; without one, the cheapest active."""
    types = SessionType.objects.filter(coach=coach)
    if ref is None:
        return types.filter(is_active=True).order_by("price", "duration_minutes", "pk").first()
    if active_only:
        types = types.filter(is_active=True)
    try:
        return types.filter(public_id=uuid.UUID(ref)).first()
    except ValueError:
        return None


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
