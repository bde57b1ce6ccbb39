"""The coaches API: the public directory, a coach's page data, and a coach's own profile.

Mounted at /api/v1/. The directory and coach pages are public (auth=None); /me/coach and
/me/session-types need a signed-in coach (anyone else: 404, as if it did not exist).
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.core.errors import NotFound
from tandem.core.links import site_url

from . import selectors, services
from .models import CoachProfile, SessionType
from .schemas import (
    CoachDetailOut,
    DirectoryOut,
    DirectoryQuery,
    LanguageOut,
    MyCoachOut,
    MyCoachUpdateIn,
    PublicSessionTypeOut,
    SessionTypeCreateIn,
    SessionTypeOut,
    SessionTypeUpdateIn,
    SpecialtyOut,
)

router = Router(tags=["coaches"])


# --- Rendering ----------------------------------------------------------------------------------


def _photo_url(request: HttpRequest, coach: CoachProfile) -> str | None:
    return site_url(coach.photo.url) if coach.photo else None


def _display_name(coach: CoachProfile) -> str:
    return coach.user.display_name.strip() or coach.slug


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def _card(
    request: HttpRequest,
    coach: CoachProfile,
    next_available: tuple[datetime | None, SessionType | None],
) -> dict:
    at, session_type = next_available
    return {
        "id": coach.public_id,
        "slug": coach.slug,
        "display_name": _display_name(coach),
        "headline": coach.headline,
        "specialties": [{"slug": s.slug, "name": s.name} for s in coach.specialties.all()],
        "languages": [{"code": lang.code, "name": lang.name} for lang in coach.languages.all()],
        "timezone": coach.timezone,
        "currency": coach.currency,
        "min_price": _money(coach.min_price),
        "photo_url": _photo_url(request, coach),
        "next_available": at,
        "next_available_session_type": session_type.public_id if session_type else None,
    }


def _public_session_type(session_type: SessionType) -> dict:
    return {
        "id": session_type.public_id,
        "name": session_type.name,
        "description": session_type.description,
        "duration_minutes": session_type.duration_minutes,
        "price": _money(session_type.price),
        "currency": session_type.currency,
        "location_kind": session_type.location_kind,
        "requires_confirmation": session_type.requires_confirmation,
        "min_notice_minutes": session_type.min_notice_minutes,
        "booking_window_days": session_type.booking_window_days,
    }


def _session_type(session_type: SessionType) -> dict:
    return {
        **_public_session_type(session_type),
        "slot_step_minutes": session_type.slot_step_minutes,
        "buffer_before_minutes": session_type.buffer_before_minutes,
        "buffer_after_minutes": session_type.buffer_after_minutes,
        "daily_cap": session_type.daily_cap,
        "weekly_cap": session_type.weekly_cap,
        "location_detail": session_type.location_detail,
        "is_active": session_type.is_active,
        "created_at": session_type.created_at,
    }


def _my_coach(request: AuthenticatedHttpRequest, coach: CoachProfile) -> dict:
    return {
        "id": coach.public_id,
        "slug": coach.slug,
        "display_name": _display_name(coach),
        "headline": coach.headline,
        "bio": coach.bio,
        "specialties": [{"slug": s.slug, "name": s.name} for s in coach.specialties.all()],
        "languages": [{"code": lang.code, "name": lang.name} for lang in coach.languages.all()],
        "credentials": coach.credentials,
        "years_experience": coach.years_experience,
        "timezone": coach.timezone,
        "currency": coach.currency,
        "daily_cap": coach.daily_cap,
        "weekly_cap": coach.weekly_cap,
        "cancel_free_hours": coach.cancel_free_hours,
        "reschedule_min_hours": coach.reschedule_min_hours,
        "is_verified": coach.is_verified,
        "is_active": coach.is_active,
        "listed": coach.listed and coach.user.is_active,
        "min_price": _money(coach.min_price),
        "photo_url": _photo_url(request, coach),
        "next_available_at": coach.next_available_at,
    }


def _listed_or_404(coach_id: str) -> CoachProfile:
    coach = selectors.coach_get_listed(coach_id)
    if coach is None:
        raise NotFound("No such coach.")
    return coach


def _own_coach(request: AuthenticatedHttpRequest) -> CoachProfile:
    coach = selectors.coach_profile_for_user(request.user)
    if coach is None:
        raise NotFound("You do not have a coach profile.")
    return coach


def _own_session_type(coach: CoachProfile, session_type_id: str) -> SessionType:
    session_type = selectors.session_type_of(coach, session_type_id)
    if session_type is None:
        raise NotFound("No such session type.")
    return session_type


# --- Public: the directory ----------------------------------------------------------------------


@router.get(
    "/coaches",
    auth=None,
    response=DirectoryOut,
    summary="Find a coach",
    description="Listed coaches (verified, active, with an active session type and weekly "
    "hours), filtered and sorted, one page at a time. Prices are compared in one `currency`. "
    "Follow next_cursor for more; the pages neither repeat nor skip a coach.",
)
def directory(request: HttpRequest, query: Query[DirectoryQuery]) -> dict:
    page = selectors.coach_directory(
        text=query.q,
        specialty=query.specialty,
        language=query.language,
        price_min=query.price_min,
        price_max=query.price_max,
        currency=query.currency,
        available_from=query.available_from,
        available_to=query.available_to,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    upcoming = selectors.next_available_for(page.items, now=timezone.now())
    return {
        "items": [_card(request, c, upcoming.get(c.pk, (None, None))) for c in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/coaches/specialties",
    auth=None,
    response=list[SpecialtyOut],
    summary="Specialties coaches can choose from",
)
def list_specialties(request: HttpRequest) -> list:
    return list(selectors.specialties())


@router.get(
    "/coaches/languages",
    auth=None,
    response=list[LanguageOut],
    summary="Languages coaches can choose from",
)
def list_languages(request: HttpRequest) -> list:
    return list(selectors.languages())


@router.get(
    "/coaches/{coach_id}",
    auth=None,
    response=CoachDetailOut,
    summary="A listed coach, by id or slug",
)
def coach_detail(request: HttpRequest, coach_id: str) -> dict:
    coach = _listed_or_404(coach_id)
    upcoming = selectors.next_available_for([coach], now=timezone.now())
    return {
        **_card(request, coach, upcoming.get(coach.pk, (None, None))),
        "bio": coach.bio,
        "credentials": coach.credentials,
        "years_experience": coach.years_experience,
        "session_types": [_public_session_type(t) for t in coach.active_session_types],
    }


@router.get(
    "/coaches/{coach_id}/session-types",
    auth=None,
    response=list[PublicSessionTypeOut],
    summary="A listed coach's active session types",
)
def coach_session_types(request: HttpRequest, coach_id: str) -> list[dict]:
    coach = _listed_or_404(coach_id)
    return [_public_session_type(t) for t in coach.active_session_types]


# --- The coach's own profile --------------------------------------------------------------------


@router.get("/me/coach", response=MyCoachOut, summary="Your coach profile")
def my_coach(request: AuthenticatedHttpRequest) -> dict:
    return _my_coach(request, _own_coach(request))


@router.patch("/me/coach", response=MyCoachOut, summary="Change your coach profile")
def update_my_coach(request: AuthenticatedHttpRequest, payload: MyCoachUpdateIn) -> dict:
    coach = _own_coach(request)
    services.coach_profile_update(coach=coach, **payload.model_dump(exclude_unset=True))
    return _my_coach(request, _own_coach(request))


@router.post(
    "/me/coach/photo",
    response=MyCoachOut,
    summary="Upload your profile photo",
    description="multipart/form-data with a `photo` file: JPEG, PNG or WebP, at most 5 MB "
    "and 4000×4000 pixels. It is re-encoded; metadata (EXIF, GPS) is removed.",
)
def upload_my_photo(request: AuthenticatedHttpRequest, photo: File[UploadedFile]) -> dict:
    coach = _own_coach(request)
    services.coach_profile_set_photo(coach=coach, upload=photo)
    return _my_coach(request, _own_coach(request))


@router.delete("/me/coach/photo", response=MyCoachOut, summary="Remove your profile photo")
def remove_my_photo(request: AuthenticatedHttpRequest) -> dict:
    coach = _own_coach(request)
    services.coach_profile_remove_photo(coach=coach)
    return _my_coach(request, _own_coach(request))


@router.get("/me/session-types", response=list[SessionTypeOut], summary="Your session types")
def my_session_types(request: AuthenticatedHttpRequest) -> list[dict]:
    coach = _own_coach(request)
    return [_session_type(t) for t in selectors.session_types_of(coach)]


@router.post("/me/session-types", response={201: SessionTypeOut}, summary="Create a session type")
def create_session_type(request: AuthenticatedHttpRequest, payload: SessionTypeCreateIn) -> Status:
    coach = _own_coach(request)
    session_type = services.session_type_create(
        coach=coach, **payload.model_dump(exclude_unset=True)
    )
    return Status(201, _session_type(session_type))


@router.get(
    "/me/session-types/{session_type_id}", response=SessionTypeOut, summary="A session type"
)
def my_session_type(request: AuthenticatedHttpRequest, session_type_id: str) -> dict:
    return _session_type(_own_session_type(_own_coach(request), session_type_id))


@router.patch(
    "/me/session-types/{session_type_id}",
    response=SessionTypeOut,
    summary="Change a session type (is_active: false deactivates it)",
)
def update_session_type(
    request: AuthenticatedHttpRequest, session_type_id: str, payload: SessionTypeUpdateIn
) -> dict:
    coach = _own_coach(request)
    session_type = services.session_type_update(
        coach=coach, session_type_id=session_type_id, **payload.model_dump(exclude_unset=True)
    )
    return _session_type(session_type)


@router.delete(
    "/me/session-types/{session_type_id}",
    response={204: None},
    summary="Delete a session type that was never booked (else 409: deactivate it)",
)
def delete_session_type(request: AuthenticatedHttpRequest, session_type_id: str) -> Status:
    coach = _own_coach(request)
    services.session_type_delete(coach=coach, session_type_id=session_type_id)
    return Status(204, None)
