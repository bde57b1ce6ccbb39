"""Booking emails: requests, confirmations, reschedules, cancellations, declines, expiries.

`send_booking_emails` runs in a job after the change committed. It loads the booking fresh and
sends nothing if the booking has since moved on (a "confirmed" mail for a booking that is
cancelled by now would only confuse; the cancellation has its own mail). Each recipient gets
it only if their notification preferences allow email for the kind of change (notifications
answers through booking's seam, services/notifications_hook.py).

Calendar invitations ride along only for sessions that are, or were, in calendars:
- confirmed, and rescheduled while confirmed: METHOD:REQUEST (same UID, the current SEQUENCE);
- cancelled after having been confirmed: METHOD:CANCEL.
A pending request gets no invitation: nothing should sit in the coach's calendar before they
accept, and leaving it out of the client's keeps a decline or an expiry from needing a CANCEL.
The calendar feed shows pending requests as TENTATIVE instead.

Running twice (jobs run at least once, docs/jobs.md): after each recipient's mail is handed to
the mail server, a record is kept in the database (tandem/core/effects.py, keyed by booking,
kind, SEQUENCE, role and recipient), and a rerun skips recipients already recorded — so a retry
after one recipient failed, or after the worker was killed, does not mail the other again.
The record survives the worker and the cache. It is written after sending, so a worker killed
between the SMTP server's acceptance and the record sends that one mail again on the rerun —
with the same Message-ID (derived from the same key), which mail systems treat as one
message: a duplicate copy is the lesser harm next to a lost one.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, InterfaceError
from django.template.loader import render_to_string
from django.utils import dateformat, translation

from tandem.accounts.models import User
from tandem.coaches.models import SessionType
from tandem.core import effects, timefmt

from . import ical
from .links import book_again_url, session_url
from .models import Booking, BookingEvent
from .selectors import booking_with_parties
from .services import notifications_hook
from .services.policy import CANCEL_REASONS

logger = logging.getLogger(__name__)

S = Booking.Status


@dataclass(frozen=True, slots=True)
class _Kind:
    # The booking must still be in one of these statuses for the mail to make sense.
    statuses: tuple[str, ...]
    recipients: tuple[str, ...]  # "coach", "client"


KINDS: dict[str, _Kind] = {
    "requested": _Kind((S.PENDING,), ("coach", "client")),
    "confirmed": _Kind((S.CONFIRMED,), ("coach", "client")),
    "rescheduled": _Kind((S.PENDING, S.CONFIRMED), ("coach", "client")),
    "cancelled": _Kind((S.CANCELLED,), ("coach", "client")),
    "declined": _Kind((S.DECLINED,), ("client",)),
    "expired": _Kind((S.EXPIRED,), ("client",)),
}

# Subjects by (kind, role); {date} is the session's day in the recipient's zone.
_SUBJECTS = {
    ("requested", "coach"): "New request from {client} — accept or decline",
    ("requested", "client"): "Request sent: {session} with {coach} on {date}",
    ("confirmed", "coach"): "Confirmed: {session} with {client} on {date}",
    ("confirmed", "client"): "Confirmed: {session} with {coach} on {date}",
    ("rescheduled", "coach"): "Rescheduled: {session} with {client}, now on {date}",
    ("rescheduled", "client"): "Rescheduled: {session} with {coach}, now on {date}",
    ("cancelled", "coach"): "Cancelled: {session} with {client} on {date}",
    ("cancelled", "client"): "Cancelled: {session} with {coach} on {date}",
    ("declined", "client"): "Request declined: {session} with {coach} on {date}",
    ("expired", "client"): "Request expired: {session} with {coach} on {date}",
}


def email_key(booking: Booking, kind: str, role: str, recipient_id: int) -> str:
    """Names one email (its effect record and its Message-ID): one per booking version."""
    return f"booking-email:{booking.pk}:{kind}:{booking.sequence}:{role}:{recipient_id}"


class BookingEmailsFailed(Exception):
    """At least one recipient's mail could not be sent (the job fails; the rest went out)."""


def send_booking_emails(booking_id: int, kind: str, previous_start_iso: str | None = None) -> None:
    """Email the people concerned about a change of kind `kind` to booking `booking_id`."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"Unknown booking email kind: {kind!r}")
    booking = booking_with_parties(booking_id)
    if booking is None:
        logger.info("Booking %s is gone; no %s emails", booking_id, kind)
        return
    if booking.status not in spec.statuses:
        logger.info("Booking %s is %s now; %s emails are stale", booking_id, booking.status, kind)
        return
    previous_start = _parse_instant(previous_start_iso)
    # Only a booking that was confirmed ever had an invitation to withdraw.
    was_confirmed = kind == "cancelled" and _was_confirmed(booking)
    method = _invitation_method(booking, kind, was_confirmed=was_confirmed)
    extra = {
        "was_request": kind == "cancelled" and not was_confirmed,
        "decline_message": _decline_message(booking) if kind == "declined" else "",
    }

    failed = []
    for role in spec.recipients:
        recipient = booking.coach.user if role == "coach" else booking.client
        key = email_key(booking, kind, role, recipient.pk)
        if effects.effect_done(key) or not notifications_hook.wants_email(recipient.pk, kind):
            continue
        message = _message(booking, kind, role, recipient, previous_start, method, extra)
        # One recipient's failure (a refused address, a server hiccup) must not cost the
        # other their mail; the job still fails at the end so the failure is visible.
        try:
            effects.send_email_once(key, message)
        except (DatabaseError, InterfaceError):
            raise  # the database went away: the whole job is retried (core/jobs.py)
        except Exception:
            logger.exception("Could not send the %s email for booking %s", kind, booking_id)
            failed.append(role)
    if failed:
        raise BookingEmailsFailed(f"{kind} email for booking {booking_id} not sent to {failed}")


def _invitation_method(booking: Booking, kind: str, *, was_confirmed: bool) -> ical.Method | None:
    if kind == "confirmed" or (kind == "rescheduled" and booking.status == S.CONFIRMED):
        return "REQUEST"
    if kind == "cancelled" and was_confirmed:
        return "CANCEL"
    return None


def _was_confirmed(booking: Booking) -> bool:
    return booking.events.filter(to_status=S.CONFIRMED).exists()


def _decline_message(booking: Booking) -> str:
    if booking.cancel_message:
        return booking.cancel_message
    # A coach's note with a decline may live only in the history.
    event = booking.events.filter(kind=BookingEvent.Kind.DECLINED).order_by("-at", "-pk").first()
    return event.message if event else ""


def _message(
    booking: Booking,
    kind: str,
    role: str,
    recipient: User,
    previous_start: datetime | None,
    method: ical.Method | None,
    extra: dict[str, Any],
) -> EmailMultiAlternatives:
    with translation.override(recipient.locale or "en"):
        context = _context(booking, kind, role, recipient, previous_start, method) | extra
        subject = _SUBJECTS[kind, role].format(
            client=booking.client.name,
            coach=booking.coach.user.name,
            session=booking.session_type.name,
            date=context["date"],
        )
        # Optional lines leave blank runs behind in a plain-text template; close them up.
        text = re.sub(r"\n{3,}", "\n\n", render_to_string(f"booking/email/{kind}.txt", context))
        html = render_to_string(f"booking/email/{kind}.html", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "[Tandem] ")
    message = EmailMultiAlternatives(
        # Names are user input: one line, or the header would be refused.
        subject=prefix + " ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((" ".join(recipient.name.split()), recipient.email))],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    if method:
        message.attach(_invitation_part(ical.invitation(booking, method, recipient), method))
    return message


def _invitation_part(body: bytes, method: ical.Method) -> MIMEText:
    # Built by hand: Django's attach() takes the MIME type's parameters as part of the
    # subtype, and calendar apps look for `method=` on the Content-Type to offer RSVP buttons.
    part = MIMEText(body.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def _context(
    booking: Booking,
    kind: str,
    role: str,
    recipient: User,
    previous_start: datetime | None,
    method: ical.Method | None,
) -> dict[str, Any]:
    zone = _zone(recipient)
    coach_user = booking.coach.user
    other = booking.client if role == "coach" else coach_user
    session_type = booking.session_type
    is_video = session_type.location_kind == SessionType.Location.VIDEO
    previous_when = ""
    if previous_start is not None:
        previous_end = previous_start + (booking.end - booking.start)
        previous_when = format_span(previous_start, previous_end, zone, recipient.clock)
    return {
        "kind": kind,
        "role": role,
        "recipient_name": recipient.name,
        "other_name": other.name,
        "coach_name": coach_user.name,
        "client_name": booking.client.name,
        "session_name": session_type.name,
        "duration_minutes": session_type.duration_minutes,
        "date": dateformat.format(booking.start.astimezone(zone), "l j F"),
        "when": format_span(booking.start, booking.end, zone, recipient.clock),
        "previous_when": previous_when,
        "is_video": is_video,
        "meeting_url": booking.meeting_url if is_video else "",
        "place": "" if is_video else (session_type.location_detail or "In person"),
        # The client's notes are for the coach; the client wrote them and needs no copy.
        "notes": booking.notes if role == "coach" else "",
        "session_url": session_url(booking),
        "book_again_url": book_again_url(booking),
        "answer_by": (
            format_instant(booking.pending_expires_at, zone, recipient.clock)
            if booking.pending_expires_at
            else ""
        ),
        "canceller": _canceller(booking, recipient),
        "reason": CANCEL_REASONS.get(booking.cancel_reason, booking.cancel_reason),
        "cancel_message": booking.cancel_message,
        "late": booking.late_cancellation,
        "cancel_free_hours": booking.coach.cancel_free_hours,
        "has_invitation": method is not None,
        "site_url": settings.TANDEM_SITE_URL.rstrip("/"),
    }


def _canceller(booking: Booking, recipient: User) -> str:
    if booking.cancelled_by_id is None:
        return "Tandem"
    if booking.cancelled_by_id == recipient.pk:
        return "You"
    if booking.cancelled_by_id == booking.client_id:
        return booking.client.name
    if booking.cancelled_by_id == booking.coach.user_id:
        return booking.coach.user.name
    return "Tandem staff"


def format_span(
    start: datetime, end: datetime, zone: zoneinfo.ZoneInfo, clock: str = timefmt.H24
) -> str:
    """E.g. "Wednesday 3 March 2027, 10:00-11:00 (Europe/Berlin)" (with an en dash), in the
    recipient's clock ("10:00 AM-11:00 AM" for a 12-hour reader)."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    day = dateformat.format(start, "l j F Y")
    first, last = (timefmt.format_clock(t, "H:i", clock) for t in (start, end))
    if start.date() == end.date():
        return f"{day}, {first}–{last} ({zone.key})"
    # Past midnight in this zone: say which day it ends.
    end_day = dateformat.format(end, "l j F Y")
    return f"{day}, {first} – {end_day}, {last} ({zone.key})"


def format_instant(moment: datetime, zone: zoneinfo.ZoneInfo, clock: str = timefmt.H24) -> str:
    local = moment.astimezone(zone)
    return f"{timefmt.format_clock(local, 'l j F Y, H:i', clock)} ({zone.key})"


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    # The services send aware UTC instants; a naive one can only mean UTC too.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
