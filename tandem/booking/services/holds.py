"""Holds: a client's ten-minute claim on a slot while they finish booking."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import InvalidInput, NotFound

from ..models import Hold
from .locking import lock_coach
from .slots import blocked_range, checked_start, ensure_bookable

# Holds older than this are deleted by the sweep (they stopped counting at expires_at).
HOLD_RETENTION = timedelta(days=1)


def ensure_bookable_by(client: User, coach: CoachProfile, session_type: SessionType) -> None:
    if coach.user_id == client.pk:
        raise InvalidInput("You cannot book a session with yourself.", code="own_booking")
    if not (coach.is_verified and coach.is_active and coach.user.is_active):
        raise NotFound("No such coach.")
    if session_type.coach_id != coach.pk or not session_type.is_active:
        raise NotFound("No such session type.")


@transaction.atomic
def hold_create(
    *,
    client: User,
    coach: CoachProfile,
    session_type: SessionType,
    start: datetime,
    now: datetime | None = None,
) -> Hold:
    """Hold `start` for `client`; replaces their earlier hold with this coach.

    The slot leaves everyone else's /slots until the hold expires or becomes a booking.
    """
    now = now or timezone.now()
    start = checked_start(start, now=now)
    coach = lock_coach(coach.pk)
    ensure_bookable_by(client, coach, session_type)
    ensure_bookable(coach, session_type, start, now=now, client_id=client.pk)
    end, blocked_start, blocked_end = blocked_range(session_type, start)
    hold, _ = Hold.objects.update_or_create(
        client=client,
        coach=coach,
        defaults={
            # A new id each time: an id of the replaced hold must not book the new time.
            "public_id": uuid.uuid4(),
            "session_type": session_type,
            "start": start,
            "end": end,
            "blocked_start": blocked_start,
            "blocked_end": blocked_end,
            "expires_at": now + timedelta(minutes=settings.TANDEM_HOLD_MINUTES),
            "created_at": now,
        },
    )
    return hold


def hold_release(*, client: User, hold_id: uuid.UUID) -> None:
    """Give the time back before the hold expires. Someone else's hold does not exist."""
    deleted, _ = Hold.objects.filter(client=client, public_id=hold_id).delete()
    if not deleted:
        raise NotFound("No such hold.")


def holds_sweep(*, now: datetime | None = None) -> int:
    """Delete long-expired holds (they already count for nothing)."""
    now = now or timezone.now()
    deleted, _ = Hold.objects.filter(expires_at__lt=now - HOLD_RETENTION).delete()
    return deleted
