"""Availability API: public slots of a listed coach, and a coach's own rules and preview."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router

from tandem.accounts.auth import optional_viewer
from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import NotFound

from . import selectors, services, validation
from .schemas import AvailabilityOut, PreviewIn, RangeParams, RulesIn, SlotsOut
from .slots import preview_slots, slots_for

router = Router(tags=["availability"])


def _own_coach(request: AuthenticatedHttpRequest) -> CoachProfile:
    coach = coach_selectors.coach_profile_of(request.user, with_user=True)
    if coach is None:
        raise NotFound("You have no coach profile.")
    return coach


def _slots(
    coach: CoachProfile,
    session_type: SessionType,
    rng: validation.SlotRange,
    starts: list[datetime],
) -> dict:
    zone = ZoneInfo(rng.tz)
    duration = timedelta(minutes=session_type.duration_minutes)
    slots = []
    for start in starts:
        start = start.astimezone(UTC)
        end = start + duration
        slots.append(
            {
                "start": start,
                "end": end,
                "local_start": start.astimezone(zone),
                "local_end": end.astimezone(zone),
            }
        )
    return {
        "coach": {
            "id": coach.public_id,
            "slug": coach.slug,
            "name": coach.user.display_name,
            "timezone": coach.timezone,
        },
        "session_type": {
            "id": session_type.public_id,
            "name": session_type.name,
            "duration_minutes": session_type.duration_minutes,
        },
        "tz": rng.tz,
        "start": rng.start,
        "end": rng.end,
        "slots": slots,
    }


def _rules(coach: CoachProfile) -> dict:
    saved = selectors.saved_rules(coach)
    hm = validation.format_wall_time
    return {
        "timezone": coach.timezone,
        "weekly": [
            {"weekday": w.weekday, "start": hm(w.start_minute), "end": hm(w.end_minute)}
            for w in saved.weekly
        ],
        "overrides": [
            {
                "date": o.date,
                "intervals": [
                    {"start": hm(i.start_minute), "end": hm(i.end_minute)}
                    for i in o.intervals.all()
                ],
            }
            for o in saved.overrides
        ],
        "time_off": [
            {"start": t.start.astimezone(UTC), "end": t.end.astimezone(UTC), "reason": t.reason}
            for t in saved.time_off
        ],
        "daily_cap": coach.daily_cap,
        "weekly_cap": coach.weekly_cap,
    }


@router.get(
    "/coaches/{coach_id}/slots",
    auth=None,
    response=SlotsOut,
    summary="Bookable slots of a coach's session type",
    description=(
        "Public. `coach_id` is the coach's public id or slug; unlisted coaches and inactive "
        "session types answer 404. Slots are never in the past and respect the session "
        "type's notice, booking window, buffers and caps. Bad parameters answer 400 "
        '`invalid_availability` with field codes (e.g. `{"tz": ["unknown_zone"]}`).'
    ),
)
def coach_slots(
    request: HttpRequest,
    params: Query[RangeParams],
    coach_id: str = Path(..., description="The coach's public id or booking-page slug."),
) -> dict:
    coach = coach_selectors.bookable_coach(coach_id)
    if coach is None:
        raise NotFound("No such coach.")
    session_type = selectors.session_type_of(coach, params.session_type)
    if session_type is None:
        raise NotFound("No such session type.")
    viewer = optional_viewer(request)
    now = timezone.now()
    rng = validation.parse_slot_range(
        start=params.start,
        end=params.end,
        tz=params.tz,
        default_tz=viewer.timezone if viewer else coach.timezone,
        now=now,
    )
    starts = slots_for(
        coach=coach,
        session_type=session_type,
        start=rng.start,
        end=rng.end,
        now=now,
        client_id=viewer.pk if viewer else None,
    )
    return _slots(coach, session_type, rng, starts)


@router.get(
    "/me/availability",
    response=AvailabilityOut,
    summary="Your weekly hours, date overrides, time off and caps (coaches)",
    description="Answers 404 if you have no coach profile.",
)
def my_availability(request: AuthenticatedHttpRequest) -> dict:
    return _rules(_own_coach(request))


@router.put(
    "/me/availability",
    response=AvailabilityOut,
    summary="Replace all your availability rules at once (coaches)",
    description=(
        "Everything is replaced in one transaction; a refused request (400 "
        "`invalid_availability`, with field codes such as `weekly.3: overlaps`) saves nothing."
    ),
)
def replace_my_availability(request: AuthenticatedHttpRequest, payload: RulesIn) -> dict:
    coach = _own_coach(request)
    services.availability_replace(coach=coach, **payload.as_service_kwargs())
    return _rules(coach)


@router.get(
    "/me/availability/preview",
    response=SlotsOut,
    summary="The slots your saved rules give (coaches)",
    description="Any of your session types, active or not. Local times default to your zone.",
)
def preview_saved(request: AuthenticatedHttpRequest, params: Query[RangeParams]) -> dict:
    coach = _own_coach(request)
    session_type = selectors.session_type_of(coach, params.session_type, active_only=False)
    if session_type is None:
        raise NotFound("No such session type.")
    now = timezone.now()
    rng = validation.parse_slot_range(
        start=params.start,
        end=params.end,
        tz=params.tz,
        default_tz=request.user.timezone,
        now=now,
    )
    starts = slots_for(
        coach=coach, session_type=session_type, start=rng.start, end=rng.end, now=now
    )
    return _slots(coach, session_type, rng, starts)


@router.post(
    "/me/availability/preview",
    response=SlotsOut,
    summary="The slots these (unsaved) rules would give (coaches)",
    description=(
        "The same body as PUT /me/availability plus the range; validated the same way, "
        "checked against your real bookings, and nothing is saved."
    ),
)
def preview_unsaved(request: AuthenticatedHttpRequest, payload: PreviewIn) -> dict:
    coach = _own_coach(request)
    session_type = selectors.session_type_of(coach, payload.session_type, active_only=False)
    if session_type is None:
        raise NotFound("No such session type.")
    rng, starts = preview_slots(
        coach=coach,
        session_type=session_type,
        **payload.as_service_kwargs(),
        start=payload.start,
        end=payload.end,
        tz=payload.tz,
        default_tz=request.user.timezone,
        now=timezone.now(),
    )
    return _slots(coach, session_type, rng, starts)
