from uuid import UUID

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from tandem.core.errors import NotFound
from tandem.core.links import site_url

from . import selectors, services
from .certificates import certificate_download
from .http import AuthenticatedHttpRequest
from .models import ApiToken, CoachApplication, User
from .schemas import (
    CoachApplicationDecisionIn,
    CoachApplicationIn,
    CoachApplicationOut,
    ProfileOut,
    ProfileUpdateIn,
    SignupIn,
    SignupOut,
    StaffCoachApplicationOut,
    StaffCoachApplicationsOut,
    StaffCoachApplicationsQuery,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
)
from .signup import account_signup

router = Router(tags=["accounts"])


def _profile(user: User) -> ProfileOut:
    return ProfileOut(
        id=user.public_id,
        email=user.email,
        display_name=user.display_name,
        timezone=user.timezone,
        locale=user.locale,
        time_format=user.time_format,
        clock=user.clock,
        roles=sorted(selectors.user_roles(user)),
        date_joined=user.date_joined,
    )


def _token(token: ApiToken) -> dict:
    return {
        "id": token.public_id,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
    }


@router.post(
    "/auth/signup",
    auth=None,
    response={202: SignupOut},
    summary="Sign up; a verification link is emailed",
)
def signup(request: HttpRequest, payload: SignupIn) -> Status:
    account_signup(
        request=request,
        email=payload.email,
        password=payload.password,
        display_name=payload.display_name,
        timezone_name=payload.timezone,
    )
    # The same answer whether or not the address already had an account (no enumeration).
    return Status(202, {"status": "verification_sent", "email": payload.email})


@router.get("/me", response=ProfileOut, summary="The signed-in user's profile and roles")
def me(request: AuthenticatedHttpRequest) -> ProfileOut:
    return _profile(request.user)


@router.patch(
    "/me", response=ProfileOut, summary="Change display name, time zone, locale or time format"
)
def update_me(request: AuthenticatedHttpRequest, payload: ProfileUpdateIn) -> ProfileOut:
    user = services.user_update_profile(
        user=request.user,
        display_name=payload.display_name,
        timezone_name=payload.timezone,
        locale=payload.locale,
        time_format=payload.time_format,
    )
    return _profile(user)


@router.get("/users/{user_id}", response=ProfileOut, summary="A profile you may see")
def user_detail(request: AuthenticatedHttpRequest, user_id: UUID) -> ProfileOut:
    user = selectors.user_get_visible(viewer=request.user, public_id=str(user_id))
    if user is None:
        raise NotFound("No such user.")
    return _profile(user)


@router.get("/tokens", response=list[TokenOut], summary="Your active API tokens")
def list_tokens(request: AuthenticatedHttpRequest) -> list[dict]:
    return [_token(t) for t in selectors.api_tokens_for(request.user)]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token")
def create_token(request: AuthenticatedHttpRequest, payload: TokenCreateIn) -> Status:
    token, raw = services.api_token_create(user=request.user, name=payload.name)
    return Status(201, {**_token(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request: AuthenticatedHttpRequest, token_id: UUID) -> Status:
    services.api_token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)


@router.post(
    "/coach-applications",
    response={201: CoachApplicationOut},
    summary="Apply to become a coach",
)
def apply_as_coach(request: AuthenticatedHttpRequest, payload: CoachApplicationIn) -> Status:
    application = services.coach_apply(
        user=request.user,
        headline=payload.headline,
        motivation=payload.motivation,
        credentials=payload.credentials,
    )
    return Status(201, _application(application))


@router.post(
    "/coach-applications/{application_id}/certificate",
    response=CoachApplicationOut,
    summary="Attach a certificate to your pending application",
    description="multipart/form-data with a `certificate` file: PDF, PNG or JPEG (recognised "
    "by content), at most 5 MB. Replaces any earlier one.",
)
def attach_certificate(
    request: AuthenticatedHttpRequest, application_id: str, certificate: File[UploadedFile]
) -> dict:
    application = services.coach_application_attach_certificate(
        user=request.user, application_id=application_id, certificate=certificate
    )
    return _application(application)


@router.get(
    "/me/coach-application",
    response=CoachApplicationOut,
    summary="Your latest coach application (with the reason if it was rejected)",
)
def my_coach_application(request: AuthenticatedHttpRequest) -> dict:
    application = selectors.coach_application_latest(request.user)
    if application is None:
        raise NotFound("You have not applied to coach.")
    return _application(application)


def _application(application: CoachApplication) -> dict:
    return {
        "id": application.public_id,
        "status": application.status,
        "headline": application.headline,
        "credentials": application.credentials,
        "has_certificate": bool(application.certificate),
        "rejection_reason": application.rejection_reason,
        "created_at": application.created_at,
        "decided_at": application.decided_at,
    }


# --- Staff: the coach application review queue ----------------------------------------------


def _staff_only(request: AuthenticatedHttpRequest) -> None:
    # To anyone else the queue does not exist.
    if not request.user.is_staff:
        raise NotFound()


def _staff_application(request: HttpRequest, application: CoachApplication) -> dict:
    certificate_url = None
    if application.certificate:
        certificate_url = site_url(
            reverse("api:staff_coach_application_certificate", args=[application.public_id])
        )
    return {
        **_application(application),
        "motivation": application.motivation,
        "certificate_url": certificate_url,
        "applicant": {
            "id": application.user.public_id,
            "email": application.user.email,
            "display_name": application.user.display_name,
        },
        "decided_by": application.decided_by.email if application.decided_by else None,
    }


def _staff_get(application_id: str) -> CoachApplication:
    application = selectors.coach_application_for_review(application_id)
    if application is None:
        raise NotFound("No such application.")
    return application


@router.get(
    "/staff/coach-applications",
    response=StaffCoachApplicationsOut,
    summary="Staff: coach applications to review",
)
def staff_coach_applications(
    request: AuthenticatedHttpRequest, query: Query[StaffCoachApplicationsQuery]
) -> dict:
    _staff_only(request)
    page = selectors.coach_applications_for_review(
        status=query.status, cursor=query.cursor, limit=query.limit
    )
    return {
        "items": [_staff_application(request, a) for a in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/staff/coach-applications/{application_id}",
    response=StaffCoachApplicationOut,
    summary="Staff: one coach application",
)
def staff_coach_application(request: AuthenticatedHttpRequest, application_id: str) -> dict:
    _staff_only(request)
    return _staff_application(request, _staff_get(application_id))


@router.get(
    "/staff/coach-applications/{application_id}/certificate",
    url_name="staff_coach_application_certificate",
    response={200: None},
    summary="Staff: download an application's certificate",
)
def staff_coach_application_certificate(
    request: AuthenticatedHttpRequest, application_id: str
) -> FileResponse:
    _staff_only(request)
    application = _staff_get(application_id)
    if not application.certificate:
        raise NotFound("This application has no certificate.")
    return certificate_download(application)


@router.post(
    "/staff/coach-applications/{application_id}/decision",
    response=StaffCoachApplicationOut,
    summary="Staff: approve or reject a pending application",
    description="Approving verifies the applicant's coach profile (created if needed); "
    "rejecting needs a reason. The applicant is emailed either way. A decided application "
    "answers 409.",
)
def staff_decide_coach_application(
    request: AuthenticatedHttpRequest, application_id: str, payload: CoachApplicationDecisionIn
) -> dict:
    _staff_only(request)
    application = services.coach_application_decide(
        application_id=application_id,
        staff_user=request.user,
        approve=payload.approve,
        reason=payload.reason,
    )
    return _staff_application(request, application)
