"""Every write to accounts, roles and API tokens goes through these functions."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tandem.core.text import clean_text
from tandem.core.timezones import available_zones, canonical_zone

from .models import ApiToken, CoachApplication, User

MAX_ACTIVE_TOKENS = 50
# Writing last_used_at on every request would turn every API read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def validate_timezone(name: str, *, field: str = "timezone") -> str:
    name = clean_text(name, field=field, max_length=64, required=True)
    if name not in available_zones():
        raise InvalidInput(
            "Unknown time zone.", fields={field: [f"'{name[:64]}' is not an IANA time zone."]}
        )
    return canonical_zone(name)


def validate_locale(code: str, *, field: str = "locale") -> str:
    code = clean_text(code, field=field, max_length=10, required=True)
    if code not in dict(settings.LANGUAGES):
        raise InvalidInput("Unsupported locale.", fields={field: ["Choose a supported language."]})
    return code


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str | None = None,
    timezone_name: str | None = None,
    locale: str | None = None,
) -> User:
    """Change what a user shows and how times and text are presented to them."""
    # Validate everything before touching the user: a refused update leaves even the
    # in-memory object (often request.user, still used to render the page) unchanged.
    values: dict[str, str] = {}
    if display_name is not None:
        values["display_name"] = clean_text(display_name, field="display_name", max_length=100)
    if timezone_name is not None:
        values["timezone"] = validate_timezone(timezone_name)
    if locale is not None:
        values["locale"] = validate_locale(locale)
    for field, value in values.items():
        setattr(user, field, value)
    if values:
        user.save(update_fields=list(values))
    return user


@transaction.atomic
def coach_apply(*, user: User, headline: str, motivation: str = "") -> CoachApplication:
    """Ask to become a coach. One open application at a time; coaches need not apply again."""
    headline = clean_text(headline, field="headline", max_length=200, required=True)
    motivation = clean_text(motivation, field="motivation", max_length=5000)
    existing = CoachApplication.objects.filter(
        user=user,
        status__in=[CoachApplication.Status.PENDING, CoachApplication.Status.APPROVED],
    ).first()
    if existing is not None:
        if existing.status == CoachApplication.Status.APPROVED:
            raise Conflict("You are already a coach.", code="already_coach")
        raise Conflict("Your application is already waiting for review.", code="already_applied")
    try:
        with transaction.atomic():
            return CoachApplication.objects.create(
                user=user, headline=headline, motivation=motivation
            )
    except IntegrityError as exc:  # a concurrent duplicate lost the race
        raise Conflict(
            "Your application is already waiting for review.", code="already_applied"
        ) from exc


@transaction.atomic
def coach_application_decide(
    *, application_id: int, staff_user: User, approve: bool
) -> CoachApplication:
    """Staff approve or reject a pending application (a conditional update claims it once)."""
    if not staff_user.is_staff:
        raise PermissionDenied()
    status = CoachApplication.Status.APPROVED if approve else CoachApplication.Status.REJECTED
    claimed = CoachApplication.objects.filter(
        pk=application_id, status=CoachApplication.Status.PENDING
    ).update(status=status, decided_at=timezone.now(), decided_by=staff_user)
    if claimed != 1:
        raise Conflict("That application has already been decided.", code="already_decided")
    return CoachApplication.objects.get(pk=application_id)


def _digest(raw_token: str) -> str:
    # The token carries 256 bits of randomness, so a fast hash is enough: nobody can
    # brute-force the preimage, and lookups stay one indexed query.
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    name = clean_text(name, field="name", max_length=100, required=True)
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.", code="too_many_tokens"
        )
    raw = f"{settings.TANDEM_API_TOKEN_PREFIX}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, hint=raw[:10], digest=_digest(raw))
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: uuid.UUID | str) -> ApiToken:
    """Revoke one of the user's own tokens; anyone else's answers as if it did not exist."""
    try:
        token_id = uuid.UUID(str(token_id))
    except ValueError as exc:  # a made-up id is just another token that does not exist
        raise NotFound("No such token.") from exc
    token = (
        ApiToken.objects.select_for_update()
        .filter(user=user, public_id=token_id, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise NotFound("No such token.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw_token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    prefix = f"{settings.TANDEM_API_TOKEN_PREFIX}_"
    if not raw_token.startswith(prefix) or len(raw_token) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
