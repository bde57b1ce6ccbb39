from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from tandem.core.errors import NotFound

from . import selectors, services
from .models import ApiToken, CoachApplication, User
from .schemas import (
    CoachApplicationIn,
    CoachApplicationOut,
    ProfileOut,
    ProfileUpdateIn,
    SignupIn,
    SignupOut,
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
def me(request: HttpRequest) -> ProfileOut:
    return _profile(request.user)


@router.patch("/me", response=ProfileOut, summary="Change display name, time zone or locale")
def update_me(request: HttpRequest, payload: ProfileUpdateIn) -> ProfileOut:
    user = services.user_update_profile(
        user=request.user,
        display_name=payload.display_name,
        timezone_name=payload.timezone,
        locale=payload.locale,
    )
    return _profile(user)


@router.get("/users/{user_id}", response=ProfileOut, summary="A profile you may see")
def user_detail(request: HttpRequest, user_id: UUID) -> ProfileOut:
    user = selectors.user_get_visible(viewer=request.user, public_id=str(user_id))
    if user is None:
        raise NotFound("No such user.")
    return _profile(user)


@router.get("/tokens", response=list[TokenOut], summary="Your active API tokens")
def list_tokens(request: HttpRequest) -> list[dict]:
    return [_token(t) for t in selectors.api_tokens_for(request.user)]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token")
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Status:
    token, raw = services.api_token_create(user=request.user, name=payload.name)
    return Status(201, {**_token(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: UUID) -> Status:
    services.api_token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)


@router.post(
    "/coach-applications",
    response={201: CoachApplicationOut},
    summary="Apply to become a coach",
)
def apply_as_coach(request: HttpRequest, payload: CoachApplicationIn) -> Status:
    application = services.coach_apply(
        user=request.user, headline=payload.headline, motivation=payload.motivation
    )
    return Status(201, _application(application))


def _application(application: CoachApplication) -> dict:
    return {
        "id": application.public_id,
        "status": application.status,
        "headline": application.headline,
        "created_at": application.created_at,
        "decided_at": application.decided_at,
    }
