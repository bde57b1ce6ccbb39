"""Serialise writes that touch one coach's calendar.

On PostgreSQL the coach's row is locked (SELECT ... FOR UPDATE) for the transaction, so the
check-then-insert of holds, bookings and reschedules for one coach cannot interleave (caps
and holds need this; the exclusion constraint alone covers only overlaps). On SQLite the
IMMEDIATE transaction already holds the database's write lock; FOR UPDATE is a no-op there.
Callers must be inside transaction.atomic().
"""

from tandem.coaches.models import CoachProfile


def lock_coach(coach_id: int) -> CoachProfile:
    return (
        CoachProfile.objects.select_for_update(of=("self",)).select_related("user").get(pk=coach_id)
    )
