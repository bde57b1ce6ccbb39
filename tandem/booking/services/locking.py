"""Serialise writes that touch one coach's calendar.

On PostgreSQL the coach's row is locked (SELECT ... FOR UPDATE) for the transaction, so the
check-then-insert of holds, bookings and reschedules for one coach cannot interleave (caps
and holds need this; the exclusion constraint alone covers only overlaps). On SQLite the
IMMEDIATE transaction already holds the database's write lock; FOR UPDATE is a no-op there.
Callers must be inside transaction.atomic().

The statement is written by hand (tandem/core/sql.py): it opens every booking transaction.
"""

from __future__ import annotations

from django.db import connection

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile
from tandem.core import sql

_COACH = sql.ModelReader(CoachProfile, "c")
_USER = sql.ModelReader(User, "u")


def _statement() -> str:
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {sql.columns(CoachProfile, 'c')}, {sql.columns(User, 'u')}"
        f" FROM {sql.qn(CoachProfile._meta.db_table)} c"
        f" JOIN {sql.qn(User._meta.db_table)} u ON u.id = c.user_id WHERE c.id = %s{lock}"
    )


def lock_coach(coach_id: int) -> CoachProfile:
    """The coach's current row (with its user), locked until the transaction ends."""
    rows = sql.fetch(_statement(), [coach_id])
    if not rows:
        raise CoachProfile.DoesNotExist(f"No coach {coach_id}.")
    coach = _COACH.build(rows[0][: _COACH.width])
    coach.user = _USER.build(rows[0][_COACH.width :])
    return coach
