"""Reminders follow their booking: one durable delivery per (booking version, lead time,
channel, recipient), created when a booking is confirmed or moved, cancelled when it moves
or ends — and checked again at the instant of sending, so a reminder is never sent for a
time that no longer holds.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tandem.booking.emails import format_span
from tandem.booking.models import Booking
from tandem.booking.selectors import booking_with_parties

from ..kinds import KINDS
from ..models import Delivery
from .preferences import channels_for
from .schedules import offsets_for

S = Delivery.Status


def reminder_key(booking: Booking, offset: int, user_id: int, channel: str) -> str:
    return f"reminder:{booking.pk}:{booking.sequence}:{offset}:{user_id}:{channel}"


def still_holds(delivery: Delivery, booking: Booking | None) -> bool:
    """The booking this reminder was made for is still confirmed, at the same time."""
    return (
        booking is not None
        and booking.status == Booking.Status.CONFIRMED
        and booking.sequence == delivery.booking_sequence
        and booking.start == delivery.session_start
    )


def reminders_sync(booking_id: int, *, now: datetime | None = None) -> int:
    """Bring a booking's pending reminders in line with it; returns how many were created.

    Safe to run any number of times: stale ones are cancelled, the current version's are
    created once (their keys are unique)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_with_parties(booking_id, lock=True)
        if booking is None:
            return 0
        pending = Delivery.objects.filter(booking=booking, kind="reminder", status=S.PENDING)
        confirmed = booking.status == Booking.Status.CONFIRMED
        stale = pending.exclude(booking_sequence=booking.sequence) if confirmed else pending
        stale.update(status=S.CANCELLED, last_error="the booking changed", lease_until=None)
        if not confirmed or booking.start <= now:
            return 0
        rows = _reminder_rows(booking, now)
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)


def _reminder_rows(booking: Booking, now: datetime) -> list[Delivery]:
    coach_user, client = booking.coach.user, booking.client
    offsets = offsets_for(coach_id=booking.coach_id, client_id=client.pk)
    chosen = channels_for([coach_user.pk, client.pk], "reminder")
    rows = []
    for role, user, other in (("coach", coach_user, client), ("client", client, coach_user)):
        for offset in offsets[role]:
            # The lead time is real elapsed time: 1 h before is 60 minutes before in UTC,
            # whatever a DST change does to the wall clock in between.
            due = booking.start - timedelta(minutes=offset)
            if due <= now:
                continue  # booked inside this lead time: that reminder has no moment left
            payload = _payload(booking, user, other, offset)
            for channel in sorted(chosen[user.pk] & KINDS["reminder"].default_channels):
                rows.append(
                    Delivery(
                        key=reminder_key(booking, offset, user.pk, channel),
                        user_id=user.pk,
                        channel=channel,
                        kind="reminder",
                        payload=payload,
                        booking=booking,
                        booking_sequence=booking.sequence,
                        session_start=booking.start,
                        offset_minutes=offset,
                        due_at=due,
                        created_at=now,
                    )
                )
    return rows


def lead_label(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "tomorrow" if days == 1 else f"in {days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "in 1 hour" if hours == 1 else f"in {hours} hours"
    return "in 1 minute" if minutes == 1 else f"in {minutes} minutes"


def _payload(booking: Booking, user, other, offset: int) -> dict:
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    session = booking.session_type.name
    when = format_span(booking.start, booking.end, zone, user.clock)
    return {
        "title": f"Reminder: {session} with {other.name} {lead_label(offset)}",
        "body": when,
        "url": reverse("session_detail", kwargs={"booking_id": booking.public_id}),
        "meeting_url": booking.meeting_url,
        "session_start": booking.start.isoformat(),
    }
