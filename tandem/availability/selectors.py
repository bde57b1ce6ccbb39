"""Reads for availability pages and the API (the engine's inputs are loaded in services)."""

import functools
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core import sql

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


_TYPE = sql.ModelReader(SessionType, "t")
_COACH = sql.ModelReader(CoachProfile, "c")
_USER = sql.ModelReader(User, "u")


@functools.cache
def _coach_and_type_statement(by_slug: bool) -> str:
    return (
        f"SELECT {sql.columns(SessionType, 't')}, {sql.columns(CoachProfile, 'c')},"
        f" {sql.columns(User, 'u')} FROM coaches_sessiontype t"
        " JOIN coaches_coachprofile c ON c.id = t.coach_id"
        f" JOIN {sql.qn(User._meta.db_table)} u ON u.id = c.user_id"
        " WHERE t.public_id = %s AND t.is_active AND c.is_verified AND c.is_active"
        f" AND u.is_active AND c.{'slug' if by_slug else 'public_id'} = %s"
    )


def listed_coach_and_type(
    coach_ref: str, type_id: uuid.UUID
) -> tuple[CoachProfile, SessionType] | None:
    """A listed coach (as `listed_coach`) and one of its active session types, in one
    hand-written statement: every booking request starts here (see tandem/core/sql.py)."""
    try:
        key: object = sql.param(CoachProfile, "public_id", uuid.UUID(coach_ref))
        by_slug = False
    except ValueError:
        if len(coach_ref) > 60 or "\x00" in coach_ref:
            return None
        key, by_slug = coach_ref, True
    rows = sql.fetch(
        _coach_and_type_statement(by_slug), [sql.param(SessionType, "public_id", type_id), key]
    )
    if not rows:
        return None
    row, width = rows[0], _TYPE.width
    session_type = _TYPE.build(row[:width])
    coach = _COACH.build(row[width : width + _COACH.width])
    coach.user = _USER.build(row[width + _COACH.width :])
    session_type.coach = coach
    return coach, session_type


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
