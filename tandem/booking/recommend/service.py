"""Slot recommendations from rows: the bridge between the database and the pure scorer.

Queries: the availability engine's inputs (a fixed number, see availability/loader.py),
the client's sessions with the coach (2) and the coach's load per local date (1), however
many slots or bookings there are.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from tandem.accounts.models import User
from tandem.availability.slots import slots_for
from tandem.booking.models import Booking
from tandem.booking.rules import lapsed_requests
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import InvalidInput
from tandem.core.timezones import available_zones

from .params import Values, parse_request
from .scoring import SPACING_AFTER_PREVIOUS, Candidate, Context, Preferences, Scored, score_slots

DEFAULT_HORIZON_DAYS = 28
MAX_HORIZON_DAYS = 92  # the slots API's longest range
MAX_CANDIDATES = 2000  # the earliest this many slots are scored; later ones rarely win anyway
# Sessions further than this from every candidate all score the same on spacing, so only the
# latest one before this reach is loaded (it decides whether spacing applies at all).
SPACING_REACH = timedelta(days=SPACING_AFTER_PREVIOUS[-1][0])


def recommend_slots(
    *,
    coach: CoachProfile,
    session_type: SessionType,
    client: User | None,
    tz: str | None,
    preferred_times: Values,
    preferred_days: Values,
    urgency: str | None,
    now: datetime,
    limit: int | str = 5,
    horizon_days: int | None = None,
    exclude_booking_id: int | None = None,
) -> list[Scored]:
    """The best `limit` slots of this session type for `client` (None: someone anonymous).

    Raw values are validated (InvalidInput, 400, with per-field codes). `tz` None means the
    client's zone, else the coach's. `exclude_booking_id` is a booking being rescheduled: it
    neither spaces the new time nor counts toward the coach's load.
    """
    request = parse_request(
        tz=tz,
        default_tz=default_zone(coach, client),
        preferred_times=preferred_times,
        preferred_days=preferred_days,
        urgency=urgency,
        limit=limit,
    )
    return recommend(
        coach=coach,
        session_type=session_type,
        client=client,
        prefs=request.prefs,
        now=now,
        limit=request.limit,
        horizon_days=horizon_days,
        exclude_booking_id=exclude_booking_id,
    )


def default_zone(coach: CoachProfile, client: User | None) -> str:
    """Where local times are read when the request names no zone."""
    return client.timezone if client is not None else coach.timezone


def recommend(
    *,
    coach: CoachProfile,
    session_type: SessionType,
    client: User | None,
    prefs: Preferences,
    now: datetime,
    limit: int,
    horizon_days: int | None = None,
    exclude_booking_id: int | None = None,
) -> list[Scored]:
    """recommend_slots with preferences already parsed."""
    days = min(session_type.booking_window_days, DEFAULT_HORIZON_DAYS)
    if horizon_days is not None:
        if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise InvalidInput("Out of range.", fields={"horizon_days": ["out_of_range"]})
        days = horizon_days
    end = now + timedelta(days=days)
    starts = slots_for(
        coach=coach,
        session_type=session_type,
        start=now,
        end=end,
        now=now,
        # The client's own hold and the booking being moved do not block their new time.
        client_id=client.pk if client is not None else None,
        exclude_booking_id=exclude_booking_id,
    )
    duration = timedelta(minutes=session_type.duration_minutes)
    candidates = [Candidate(start, start + duration) for start in starts[:MAX_CANDIDATES]]
    if not candidates:
        return []
    coach_tz = coach.timezone if coach.timezone in available_zones() else "UTC"
    context = Context(
        coach_tz=coach_tz,
        client_sessions=_client_sessions(coach, client, now, end, exclude_booking_id),
        load_by_local_date=_load(coach, coach_tz, now, end, exclude_booking_id),
    )
    return score_slots(candidates, prefs, context, now, limit)


def _bookings(
    coach: CoachProfile, now: datetime, exclude_booking_id: int | None
) -> QuerySet[Booking]:
    # A request the coach left unanswered past its expiry holds nothing (as for slots).
    bookings = Booking.objects.filter(coach=coach).exclude(lapsed_requests(now))
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return bookings


def _client_sessions(
    coach: CoachProfile,
    client: User | None,
    now: datetime,
    end: datetime,
    exclude_booking_id: int | None,
) -> tuple[datetime, ...]:
    """Starts of the client's sessions with the coach that can matter for spacing (2 queries)."""
    if client is None or not client.is_authenticated:
        return ()
    statuses = (*Booking.ACTIVE_STATUSES, Booking.Status.COMPLETED)
    sessions = _bookings(coach, now, exclude_booking_id).filter(client=client, status__in=statuses)
    lo, hi = now - SPACING_REACH, end + SPACING_REACH
    near = list(
        sessions.filter(start__gte=lo, start__lt=hi)
        .order_by("start")
        .values_list("start", flat=True)
    )
    older = sessions.filter(start__lt=lo).order_by("-start").values_list("start", flat=True)[:1]
    return (*older, *near)


def _load(
    coach: CoachProfile,
    coach_tz: str,
    now: datetime,
    end: datetime,
    exclude_booking_id: int | None,
) -> dict:
    """The coach's active bookings per local date over the horizon (1 query)."""
    rows = (
        _bookings(coach, now, exclude_booking_id)
        .filter(status__in=Booking.ACTIVE_STATUSES)
        # A day's margin each side covers the first and last local dates in any zone.
        .filter(Q(start__gte=now - timedelta(days=1)) & Q(start__lt=end + timedelta(days=1)))
        .annotate(day=TruncDate("start", tzinfo=ZoneInfo(coach_tz)))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}
