"""Bookings as their participants see them (the API's shape; pages reuse the pieces)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tandem.accounts.models import User

from .models import Booking, BookingEvent
from .services.policy import CANCEL_REASONS, SHORT_NOTICE_GRACE, impact, is_coach_of, session_rights


def role_of(booking: Booking, user: User) -> str:
    return "coach" if is_coach_of(booking, user) else "client"


def _side(booking: Booking, user: User | None) -> str | None:
    if user is None:
        return None
    return "coach" if booking.coach.user_id == user.pk else "client"


def booking_data(
    booking: Booking, viewer: User, now: datetime, history: list[BookingEvent] | None = None
) -> dict[str, Any]:
    coach_user = booking.coach.user
    data: dict[str, Any] = {
        "id": booking.public_id,
        "status": booking.status,
        "status_label": booking.get_status_display(),
        "role": role_of(booking, viewer),
        "start": booking.start,
        "end": booking.end,
        "coach": {
            "id": booking.coach.public_id,
            "slug": booking.coach.slug,
            "name": coach_user.display_name,
            "timezone": booking.coach.timezone,
        },
        "client": {
            "id": booking.client.public_id,
            "name": booking.client.display_name,
            "timezone": booking.client.timezone,
        },
        "session_type": {
            "id": booking.session_type.public_id,
            "name": booking.session_type.name,
            "duration_minutes": booking.session_type.duration_minutes,
        },
        "notes": booking.notes,
        "price": f"{booking.price:.2f}",
        "currency": booking.currency,
        "meeting_url": booking.meeting_url,
        "pending_expires_at": booking.pending_expires_at,
        "sequence": booking.sequence,
        "cancellation": None,
        "policy": None,
        "created_at": booking.created_at,
        "updated_at": booking.updated_at,
    }
    if booking.status == Booking.Status.CANCELLED and booking.cancelled_at:
        data["cancellation"] = {
            "at": booking.cancelled_at,
            "by": "coach" if booking.cancelled_by_id == coach_user.pk else "client",
            "reason_code": booking.cancel_reason,
            "reason": CANCEL_REASONS.get(booking.cancel_reason, booking.cancel_reason),
            "message": booking.cancel_message,
            "late": booking.late_cancellation,
        }
    # What the viewer may do now: the same answer the session page's buttons follow.
    rights = session_rights(booking, viewer, now)
    data["can_reschedule"] = rights.can_reschedule
    data["can_cancel"] = rights.can_cancel
    if booking.is_active and booking.start > now:
        data["policy"] = {
            "free_cancel_until": rights.free_cancel_until,
            "free_cancel_passed": rights.free_cancel_until < now,
            "cancel_now_is_late": rights.can_cancel and not rights.cancel_is_free,
            "short_notice": rights.short_notice,
            "short_notice_grace_minutes": int(SHORT_NOTICE_GRACE.total_seconds() // 60),
            "reschedule_until": rights.reschedule_until,
            "reschedule_passed": rights.reschedule_until is not None
            and rights.reschedule_until < now,
            "reschedule_min_hours": rights.reschedule_closed_hours,
            "impact": impact(booking, now),
        }
    if history is not None:
        data["history"] = [
            {
                "kind": event.kind,
                "at": event.at,
                "by": _side(booking, event.actor),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "from_start": event.from_start,
                "to_start": event.to_start,
                "reason_code": event.reason_code,
                "message": event.message,
            }
            for event in history
        ]
    return data
