"""Read-only helpers for the booking pages (wizard, My sessions, session detail, reschedule,
cancel): zones, the client's live hold, suggested times, the history timeline, which buttons a
page offers and links into the wizard.

Nothing here writes or decides a rule. Which actions a page *offers* mirrors the services'
guards so that people are not shown buttons that can only fail; the services still decide.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse

from tandem.accounts.models import User
from tandem.coaches import page_queries as coach_pages
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import ServiceError

from .models import Booking, BookingEvent, Hold
from .recommend.service import recommend_slots
from .rules import request_has_lapsed
from .services.policy import CANCEL_REASONS, is_coach_of, session_rights

if TYPE_CHECKING:
    from .recommend.scoring import Scored

SUGGESTIONS = 5

# Bootstrap badge classes per status: colour plus the status's own words (never colour alone).
STATUS_TONES = {
    Booking.Status.PENDING: "text-bg-warning",
    Booking.Status.CONFIRMED: "text-bg-success",
    Booking.Status.COMPLETED: "text-bg-primary",
    Booking.Status.NO_SHOW: "text-bg-danger",
    Booking.Status.CANCELLED: "text-bg-secondary",
    Booking.Status.DECLINED: "text-bg-secondary",
    Booking.Status.EXPIRED: "text-bg-secondary",
}

# How a cancellation lands on the other side (services.policy.impact): alert colour, words.
IMPACTS = {
    "high": ("danger", "exclamation-octagon", "High impact", "less than 24 hours away"),
    "medium": ("warning", "exclamation-triangle", "Medium impact", "less than 3 days away"),
    "low": ("info", "info-circle", "Low impact", "more than 3 days away"),
}


# --- Zones ----------------------------------------------------------------------------------


def viewer_zone(user: Any, tz_param: str | None = None) -> coach_pages.ViewerZone:
    """The zone a page shows times in: a valid `tz` parameter, else the profile's, else UTC."""
    return coach_pages.picker_zone(user, tz_param)


def safe_zone(name: str) -> str:
    """`name` if it is a zone we know (stored zones are validated; this is belt and braces)."""
    return coach_pages.zone_or_none(name) or "UTC"


def parse_start(value: Any) -> datetime | None:
    """An ISO 8601 instant with an offset (what the slot buttons send), or None."""
    if not isinstance(value, str) or not value or len(value) > 40 or "\x00" in value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None or not coach_pages.MIN_DATE <= moment.date() <= coach_pages.MAX_DATE:
        return None
    return moment


def parse_week(value: Any) -> date | None:
    """A week parameter (its first day, YYYY-MM-DD), or None when absent or not a date."""
    if not isinstance(value, str) or len(value.strip()) != 10 or "\x00" in value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if coach_pages.MIN_DATE <= day <= coach_pages.MAX_DATE else None


def local_day(moment: datetime, zone: coach_pages.ViewerZone) -> date:
    return moment.astimezone(zone.info).date()


# --- The wizard ------------------------------------------------------------------------------


def live_hold(client: User, coach: CoachProfile, hold_id: uuid.UUID) -> Hold | None:
    """The client's hold with this coach by id (expired or not), or None."""
    return (
        Hold.objects.select_related("session_type")
        .filter(client=client, coach=coach, public_id=hold_id)
        .first()
    )


def session_type_of(coach: CoachProfile, public_id: Any) -> SessionType | None:
    """One of the coach's bookable session types (prefetched by coach_get_listed)."""
    wanted = str(public_id).strip().lower()
    return next(
        (t for t in getattr(coach, "active_session_types", []) if str(t.public_id) == wanted),
        None,
    )


def suggested_times(
    *,
    coach: CoachProfile,
    session_type: SessionType | None,
    client: User,
    zone: str,
    now: datetime,
    exclude_booking_id: int | None = None,
) -> list[Scored]:
    """Up to five recommended slots (recommend.Scored, best first) with their reasons.

    A page still works without them: a refused parameter shows no suggestions, not an error.
    """
    if session_type is None:
        return []

    try:
        return recommend_slots(
            coach=coach,
            session_type=session_type,
            client=client,
            tz=zone,
            preferred_times=None,
            preferred_days=None,
            urgency=None,
            now=now,
            limit=SUGGESTIONS,
            exclude_booking_id=exclude_booking_id,
        )
    except ServiceError:
        return []


def wizard_url(
    coach: CoachProfile,
    *,
    session_type: SessionType | str | None = None,
    start: datetime | None = None,
    tz: str | None = None,
    week: str | None = None,
) -> str:
    """The wizard's slot step, optionally with a time already chosen (`start`)."""
    query: dict[str, str] = {}
    if session_type is not None:
        query["session_type"] = str(getattr(session_type, "public_id", session_type))
    if week:
        query["week"] = week
    if tz:
        query["tz"] = tz
    if start is not None:
        query["start"] = start.isoformat()
    url = reverse("book", kwargs={"slug": coach.slug})
    return f"{url}?{urlencode(query)}" if query else url


# --- Sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actions:
    """The buttons a session page offers its viewer."""

    reschedule: bool
    cancel: bool
    answer: bool  # accept / decline a request
    finish: bool  # mark completed / no-show
    calendar: bool  # download the .ics


def actions_for(booking: Booking, viewer: User, now: datetime) -> Actions:
    coach = is_coach_of(booking, viewer)
    # Reschedule and cancel are the policy's own answer (deadlines included), as the API's.
    rights = session_rights(booking, viewer, now)
    return Actions(
        reschedule=rights.can_reschedule,
        cancel=rights.can_cancel,
        answer=coach
        and booking.status == Booking.Status.PENDING
        and not request_has_lapsed(booking, now),
        finish=coach and booking.status == Booking.Status.CONFIRMED and booking.end <= now,
        calendar=booking.status not in Booking.CANCELLED_STATUSES,
    )


def other_party(booking: Booking, viewer: User) -> tuple[str, str]:
    """(name, zone) of the person on the other side of the booking."""
    if is_coach_of(booking, viewer):
        return booking.client.name, safe_zone(booking.client.timezone)
    return coach_pages.display_name(booking.coach), safe_zone(booking.coach.timezone)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    label: str
    at: datetime
    actor: str
    from_status: str
    to_status: str
    from_start: datetime | None
    to_start: datetime | None
    reason: str
    message: str

    @property
    def moved(self) -> bool:
        return self.kind == BookingEvent.Kind.RESCHEDULED and self.from_start is not None


def _status_label(value: str) -> str:
    try:
        return Booking.Status(value).label
    except ValueError:
        return value


def timeline(booking: Booking, events: list[BookingEvent], viewer: User) -> list[TimelineEntry]:
    entries = []
    for event in events:
        if event.actor_id is None:
            actor = "Tandem"  # the system: an unanswered request expired
        elif event.actor_id == viewer.pk:
            actor = "You"
        else:
            actor = event.actor.name if event.actor else "Someone"
        entries.append(
            TimelineEntry(
                kind=event.kind,
                label=event.get_kind_display(),
                at=event.at,
                actor=actor,
                from_status=_status_label(event.from_status) if event.from_status else "",
                to_status=_status_label(event.to_status),
                from_start=event.from_start,
                to_start=event.to_start,
                reason=CANCEL_REASONS.get(event.reason_code, event.reason_code),
                message=event.message,
            )
        )
    return entries
