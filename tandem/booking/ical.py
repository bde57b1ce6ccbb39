"""iCalendar files for bookings: email invitations and the personal calendar feed.

Every booking is one VEVENT whose UID never changes (`<public_id>@tandem`), so a reschedule or
a cancellation updates the entry already in a calendar instead of adding a second one;
SEQUENCE is `Booking.sequence`, which the services bump on every such change, so calendars
can tell the newer version. Times are written in UTC ("Z"); calendars show them in their
owner's zone.

Invitations (METHOD:REQUEST / METHOD:CANCEL, RFC 5546) are for email. The feed has no METHOD
(publish semantics): a subscribed calendar replaces its copy with whatever the feed holds now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from tandem.accounts.models import User
from tandem.coaches.models import SessionType

from .links import session_url
from .models import Booking

PRODID = "-//Tandem//Tandem sessions//EN"
FEED_NAME = "Tandem sessions"

Method = Literal["REQUEST", "CANCEL"]

_STATUS: dict[str, str] = {  # keyed by Booking.Status, looked up by booking.status (a str)
    Booking.Status.PENDING: "TENTATIVE",
    Booking.Status.CONFIRMED: "CONFIRMED",
    # A session that took place (or was missed) still happened at that time.
    Booking.Status.COMPLETED: "CONFIRMED",
    Booking.Status.NO_SHOW: "CONFIRMED",
    Booking.Status.CANCELLED: "CANCELLED",
    Booking.Status.DECLINED: "CANCELLED",
    Booking.Status.EXPIRED: "CANCELLED",
}

# Control characters other than tab and newline: NUL and friends have no business in a
# calendar file, and some parsers stop at them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def uid(booking: Booking) -> str:
    return f"{booking.public_id}@tandem"


def invitation(booking: Booking, method: Method, recipient: User) -> bytes:
    """An invitation (REQUEST) or its withdrawal (CANCEL) for one recipient's calendar."""
    if method == "REQUEST" and _STATUS[booking.status] == "CANCELLED":
        raise ValueError("A cancelled booking can only be sent as METHOD:CANCEL.")
    calendar = _calendar()
    calendar.add("method", method)
    status = "CANCELLED" if method == "CANCEL" else _STATUS[booking.status]
    # In a message, DTSTAMP is when the message was made (RFC 5545 3.8.7.2).
    calendar.add_component(_event(booking, recipient, status=status, stamp=timezone.now()))
    return calendar.to_ical()


def feed(user: User, bookings: Iterable[Booking]) -> bytes:
    """The user's sessions, as coach and as client, for a subscribed calendar.

    Cancelled, declined and expired bookings stay in as STATUS:CANCELLED rather than being
    left out: calendars that imported an event (instead of subscribing) only learn that it is
    gone from a CANCELLED entry with the same UID.
    """
    calendar = _calendar()
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", FEED_NAME)  # RFC 7986
    calendar.add("x-wr-calname", FEED_NAME)  # what Google, Apple and Outlook actually read
    # How often subscribers should refetch (RFC 7986, and the de-facto Outlook property).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for booking in bookings:
        # Without a METHOD, DTSTAMP is when the event was last revised (RFC 5545 3.8.7.2).
        event = _event(booking, user, status=_STATUS[booking.status], stamp=booking.updated_at)
        calendar.add_component(event)
    return calendar.to_ical()


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


def _event(booking: Booking, viewer: User, *, status: str, stamp: datetime) -> Event:
    coach_user = booking.coach.user
    viewer_is_coach = coach_user.pk == viewer.pk
    other = booking.client if viewer_is_coach else coach_user
    session_type = booking.session_type

    event = Event()
    event.add("uid", uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("created", _utc(booking.created_at))
    event.add("last-modified", _utc(booking.updated_at))
    event.add("dtstart", _utc(booking.start))
    event.add("dtend", _utc(booking.end))
    event.add("summary", clean(f"{session_type.name} with {other.name}"))
    event.add("description", _description(booking, viewer_is_coach=viewer_is_coach))
    event.add("location", clean(_location(booking)))
    event.add("url", session_url(booking))
    event.add("status", status)
    event.add("transp", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
    event.add("organizer", _address(coach_user, role=None))
    event.add("attendee", _address(booking.client, role="REQ-PARTICIPANT"))
    return event


def _description(booking: Booking, *, viewer_is_coach: bool) -> str:
    lines = []
    if booking.session_type.location_kind == SessionType.Location.VIDEO:
        lines.append(f"Join the video call: {booking.meeting_url}")
    elif booking.session_type.location_detail:
        lines.append(f"Where: {booking.session_type.location_detail}")
    if booking.status == Booking.Status.PENDING:
        lines.append(
            "A request: accept or decline it on the session page."
            if viewer_is_coach
            else "A request: not confirmed by the coach yet."
        )
    # The client's notes are written for the coach; a client's calendar may be shared with
    # colleagues, so their own notes are not copied into it.
    if viewer_is_coach and booking.notes:
        lines.append(f"Notes from {booking.client.name}:\n{booking.notes}")
    lines.append(f"Session page: {session_url(booking)}")
    return clean("\n\n".join(lines))


def _location(booking: Booking) -> str:
    session_type = booking.session_type
    if session_type.location_kind == SessionType.Location.VIDEO:
        return booking.meeting_url
    return session_type.location_detail or "In person"


def _address(user: User, *, role: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    # A parameter value cannot hold a line break; icalendar quotes the rest (RFC 6868).
    address.params["CN"] = " ".join(clean(user.name).split())
    if role:
        address.params["ROLE"] = role
        address.params["PARTSTAT"] = "ACCEPTED"
        # Replies would go to the coach's mailbox, and nothing reads them: ask for none.
        address.params["RSVP"] = "FALSE"
    return address


def clean(text: str) -> str:
    """Text safe for a calendar: no control characters, one kind of line break.

    Commas, semicolons and backslashes are escaped by icalendar itself.
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
