"""Recommended new times with the same coach, offered when a session is cancelled or moved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tandem.accounts.models import User

from .models import Booking
from .recommend.service import recommend_slots

ALTERNATIVES = 3


def alternatives_for(
    booking: Booking, viewer: User, now: datetime, *, limit: int = ALTERNATIVES
) -> list[dict[str, Any]]:
    scored = recommend_slots(
        coach=booking.coach,
        session_type=booking.session_type,
        client=booking.client,
        tz=viewer.timezone,
        preferred_times=None,
        preferred_days=None,
        urgency="normal",
        now=now,
        limit=limit,
        exclude_booking_id=booking.pk,
    )
    return [
        {
            "start": s.start,
            "end": s.end,
            "score": s.score,
            "reasons": [{"code": r.code, "text": r.text} for r in s.reasons],
        }
        for s in scored
    ]
