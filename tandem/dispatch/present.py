"""Requests and offers as the API returns them (pages render the same dicts).

The client sees how far their request has got, never who declined it: a coach is named only
once they have taken the session. A coach sees the offer's session and the client's name.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse

from tandem.accounts.models import User
from tandem.booking.page_queries import wizard_url
from tandem.coaches.models import CoachProfile
from tandem.coaches.page_queries import display_name
from tandem.core.timezones import available_zones

from .models import DispatchOffer, DispatchRequest
from .selectors import ScheduledSlot
from .unfilled import unfilled_data, widen_windows


def seconds_left(deadline: datetime, now: datetime) -> int:
    return max(0, math.ceil((deadline - now).total_seconds()))


def viewer_zone(user: User) -> str:
    return user.timezone if user.timezone in available_zones() else "UTC"


def _coach(coach: CoachProfile) -> dict[str, Any]:
    return {"id": coach.public_id, "name": display_name(coach), "slug": coach.slug}


def _specialty(request: DispatchRequest) -> dict[str, str]:
    return {"slug": request.specialty.slug, "name": request.specialty.name}


def request_data(
    request: DispatchRequest,
    offers: list[DispatchOffer],
    *,
    now: datetime,
    soonest: list[ScheduledSlot] | None = None,
) -> dict[str, Any]:
    current = next((o for o in offers if o.status == DispatchOffer.Status.OFFERED), None)
    booking = request.booking
    return {
        "id": request.public_id,
        "status": request.status,
        "status_label": request.get_status_display(),
        "specialty": _specialty(request),
        "duration_minutes": request.duration_minutes,
        "within_minutes": request.window_minutes,
        "created_at": request.created_at,
        "closed_at": request.closed_at,
        "candidates": len(request.candidates),
        "unfilled_reason": unfilled_data(request, offers),
        "widen_within_minutes": widen_windows(request),
        "current": (
            {
                "rank": current.rank,
                "start": current.start,
                "expires_at": current.expires_at,
                "seconds_left": seconds_left(current.expires_at, now),
            }
            if current is not None
            else None
        ),
        "offers": [
            {
                "rank": o.rank,
                "status": o.status,
                "offered_at": o.offered_at,
                "expires_at": o.expires_at,
                "answered_at": o.answered_at,
            }
            for o in offers
        ],
        "booking": (
            {
                "id": booking.public_id,
                "start": booking.start,
                "end": booking.end,
                "coach": _coach(booking.coach),
                "session_type": booking.session_type.name,
                "url": reverse("session_detail", kwargs={"booking_id": booking.public_id}),
            }
            if booking is not None
            else None
        ),
        "soonest": [
            {
                "coach": _coach(slot.session_type.coach),
                "session_type": {
                    "id": slot.session_type.public_id,
                    "name": slot.session_type.name,
                },
                "start": slot.start,
                "end": slot.end,
                "book_url": wizard_url(
                    slot.session_type.coach, session_type=slot.session_type, start=slot.start
                ),
            }
            for slot in soonest or []
        ],
    }


def offer_data(offer: DispatchOffer, viewer: User, *, now: datetime) -> dict[str, Any]:
    zone = viewer_zone(viewer)
    request = offer.request
    booking = request.booking if offer.status == DispatchOffer.Status.ACCEPTED else None
    end = offer.start + timedelta(minutes=offer.session_type.duration_minutes)
    return {
        "id": offer.public_id,
        "status": offer.status,
        "rank": offer.rank,
        "start": offer.start,
        "end": end,
        "local_start": offer.start.astimezone(ZoneInfo(zone)),
        "tz": zone,
        "duration_minutes": offer.session_type.duration_minutes,
        "session_type": {"id": offer.session_type.public_id, "name": offer.session_type.name},
        "specialty": _specialty(request),
        "client": {"name": request.client.name},
        "offered_at": offer.offered_at,
        "expires_at": offer.expires_at,
        "seconds_left": (
            seconds_left(offer.expires_at, now)
            if offer.status == DispatchOffer.Status.OFFERED
            else 0
        ),
        "booking": (
            {
                "id": booking.public_id,
                "url": reverse("session_detail", kwargs={"booking_id": booking.public_id}),
            }
            if booking is not None
            else None
        ),
    }
