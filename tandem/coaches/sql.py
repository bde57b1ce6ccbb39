"""Coaches' hand-written SQL: the one statement every booking request starts with.

A bookable coach (by public id or slug) with one of their active session types and the
coach's user, in one statement: on the booking path the ORM's query compilation cost more
CPU than the read (bench/README.md). Everything else in coaches uses the ORM. Values and
instances go through `tandem.core.sql`, which converts them exactly as the ORM would; it
only reads, so no model signal is skipped.
"""

from __future__ import annotations

import functools
import uuid
from typing import cast

from tandem.accounts.models import User
from tandem.core import sql

from .models import CoachProfile, SessionType

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


def bookable_coach_and_type(
    coach_key: uuid.UUID | str, type_id: uuid.UUID
) -> tuple[CoachProfile, SessionType] | None:
    """The verified, active coach with an active account whose public id (a UUID) or slug
    (a str) is `coach_key`, and their active session type `type_id`; both with the
    relations loaded (type.coach, coach.user)."""
    by_slug = not isinstance(coach_key, uuid.UUID)
    key = coach_key if by_slug else sql.param(CoachProfile, "public_id", coach_key)
    rows = sql.fetch(
        _coach_and_type_statement(by_slug), [sql.param(SessionType, "public_id", type_id), key]
    )
    if not rows:
        return None
    row, width = rows[0], _TYPE.width
    session_type = cast(SessionType, _TYPE.build(row[:width]))
    coach = cast(CoachProfile, _COACH.build(row[width : width + _COACH.width]))
    coach.user = cast(User, _USER.build(row[width + _COACH.width :]))
    session_type.coach = coach
    return coach, session_type
