"""What a booking change means for notifications: its reminders move with it, and both
sides get a notification-centre entry (and a push, if they want one).

Emails about the change are the booking's own (they carry calendar invitations,
tandem/booking/emails.py), sent only to those whose preferences allow email for the kind
(`wants_booking_email`).

Booking reaches both functions only through its seam, tandem/booking/services/
notifications_hook.py, which NotificationsConfig.ready fills in.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from tandem.booking.selectors import booking_with_parties
from tandem.core import timefmt

from ..kinds import BOOKING_CHANGE_KINDS, EMAIL
from .fanout import notify
from .preferences import wants
from .reminders import reminders_sync

_TITLES = {
    "requested": "{client} asks for {session} on {date}",
    "confirmed": "{session} with {other} on {date} is booked",
    "accepted": "{coach} accepted {session} on {date}",
    "rescheduled": "{session} with {other} moved to {date}",
    "cancelled": "{session} with {other} on {date} is cancelled",
    "declined": "{coach} declined {session} on {date}",
    "expired": "Your request for {session} on {date} lapsed",
}
_FOR_CLIENT_ONLY = {"declined", "expired", "accepted"}
_FOR_COACH_ONLY = {"requested"}


def booking_changed(booking_id: int, change: str, *, now: datetime | None = None) -> None:
    """Run after each booking change (from its job): safe to run twice."""
    reminders_sync(booking_id, now=now)
    kind = BOOKING_CHANGE_KINDS.get(change)
    booking = booking_with_parties(booking_id)
    if kind is None or booking is None:
        return
    coach_user, client = booking.coach.user, booking.client
    recipients = [(coach_user, client), (client, coach_user)]
    if change in _FOR_CLIENT_ONLY:
        recipients = [(client, coach_user)]
    elif change in _FOR_COACH_ONLY:
        recipients = [(coach_user, client)]
    url = reverse("session_detail", kwargs={"booking_id": booking.public_id})
    for user, other in recipients:
        date = _local_date(booking.start, user.timezone, user.clock)
        title = _TITLES[change].format(
            client=client.name,
            coach=coach_user.name,
            other=other.name,
            session=booking.session_type.name,
            date=date,
        )
        notify(
            user_ids=[user.pk],
            kind=kind,
            key=f"booking:{booking.pk}:{booking.sequence}:{change}",
            title=title,
            url=url,
            skip_channels=frozenset({EMAIL}),
            now=now,
        )


def wants_booking_email(user_id: int, change: str) -> bool:
    """This user's preferences allow email about a booking change of this kind."""
    return wants(user_id, BOOKING_CHANGE_KINDS[change], EMAIL)


def _local_date(moment: datetime, zone_name: str, clock: str) -> str:
    import zoneinfo

    try:
        zone = zoneinfo.ZoneInfo(zone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = moment.astimezone(zone)
    # The same words as the pages ("Tue 8 Dec, 14:30"), in the recipient's clock.
    return f"{timefmt.format_clock(local, 'D j M, H:i', clock)} ({zone.key})"
