"""Every write to accounts, roles and API tokens goes through these functions."""

import hashlib
import logging
import secrets
import uuid
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tandem.core import timefmt
from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tandem.core.ids import parse_id
from tandem.core.text import clean_text
from tandem.core.timezones import available_zones, canonical_zone
from tandem.core.uploads import certificate_file

from .models import ApiToken, CoachApplication, User
from .signals import coach_application_approved, user_profile_changed

logger = logging.getLogger(__name__)

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
    time_format: str | None = None,
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
    if time_format is not None:
        if time_format not in dict(timefmt.CHOICES):
            raise InvalidInput(
                "Unsupported time format.",
                fields={"time_format": ["Choose automatic, 12-hour or 24-hour."]},
            )
        values["time_format"] = time_format
    for field, value in values.items():
        setattr(user, field, value)
    if values:
        user.save(update_fields=list(values))
        # Apps above accounts follow (coaches: a coach's name is in their search document).
        user_profile_changed.send(sender=User, user=user, fields=frozenset(values))
    return user


def _coach_application_id(application_id: int | uuid.UUID | str) -> dict:
    """Look an application up by primary key (admin, services) or public id (API)."""
    if isinstance(application_id, int) and not isinstance(application_id, bool):
        return {"pk": application_id}
    public_id = parse_id(application_id)
    if public_id is None:
        raise NotFound("No such application.")
    return {"public_id": public_id}


@transaction.atomic
def coach_apply(
    *,
    user: User,
    headline: str,
    motivation: str = "",
    credentials: str = "",
    certificate: IO[bytes] | None = None,
) -> CoachApplication:
    """Ask to become a coach. One open application at a time; coaches need not apply again.

    `certificate` (optional): a PDF, PNG or JPEG of up to 5 MB, recognised by its content.
    """
    headline = clean_text(headline, field="headline", max_length=200, required=True)
    motivation = clean_text(motivation, field="motivation", max_length=5000)
    credentials = clean_text(credentials, field="credentials", max_length=2000)
    certificate_content = certificate_file(certificate) if certificate is not None else None
    existing = CoachApplication.objects.filter(
        user=user,
        status__in=[CoachApplication.Status.PENDING, CoachApplication.Status.APPROVED],
    ).first()
    if existing is not None:
        if existing.status == CoachApplication.Status.APPROVED:
            raise Conflict("You are already a coach.", code="already_coach")
        raise Conflict("Your application is already waiting for review.", code="already_applied")
    application = CoachApplication(
        user=user, headline=headline, motivation=motivation, credentials=credentials
    )
    if certificate_content is not None:
        # Written to storage by save(), just before the row is inserted.
        application.certificate = certificate_content
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # a concurrent duplicate lost the race
        if application.certificate.name:
            application.certificate.storage.delete(application.certificate.name)
        raise Conflict(
            "Your application is already waiting for review.", code="already_applied"
        ) from exc
    return application


@transaction.atomic
def coach_application_attach_certificate(
    *, user: User, application_id: int | uuid.UUID | str, certificate: IO[bytes]
) -> CoachApplication:
    """Add or replace the certificate of one's own pending application."""
    lookup = _coach_application_id(application_id)
    content = certificate_file(certificate)
    application = CoachApplication.objects.select_for_update().filter(user=user, **lookup).first()
    if application is None:
        raise NotFound("No such application.")
    if application.status != CoachApplication.Status.PENDING:
        raise Conflict("That application has already been decided.", code="already_decided")
    old_name, storage = application.certificate.name, application.certificate.storage
    application.certificate.save(content.name, content, save=False)
    application.save(update_fields=["certificate"])
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return application


def validate_decision_reason(*, approve: bool, reason: str) -> str:
    """A rejection needs a reason (the applicant reads it); an approval may have a note."""
    return clean_text(reason or "", field="reason", max_length=2000, required=not approve)


@transaction.atomic
def coach_application_decide(
    *,
    application_id: int | uuid.UUID | str,
    staff_user: User,
    approve: bool,
    reason: str = "",
) -> CoachApplication:
    """Staff approve or reject a pending application (a conditional update claims it once).

    Approval makes the user's coach profile verified in the same transaction (created with
    a unique slug if they have none). The applicant is emailed after commit; a rejection
    email carries the reason.
    """
    if not staff_user.is_staff:
        raise PermissionDenied()
    lookup = _coach_application_id(application_id)
    reason = validate_decision_reason(approve=approve, reason=reason)
    status = CoachApplication.Status.APPROVED if approve else CoachApplication.Status.REJECTED
    claimed = CoachApplication.objects.filter(
        status=CoachApplication.Status.PENDING, **lookup
    ).update(
        status=status,
        decided_at=timezone.now(),
        decided_by=staff_user,
        rejection_reason="" if approve else reason,
    )
    if claimed != 1:
        if not CoachApplication.objects.filter(**lookup).exists():
            raise NotFound("No such application.")
        raise Conflict("That application has already been decided.", code="already_decided")
    application = CoachApplication.objects.select_related("user").get(**lookup)
    if approve:
        try:
            with transaction.atomic():
                # Coaches verifies the applicant's profile (tandem/accounts/signals.py).
                coach_application_approved.send(sender=CoachApplication, application=application)
        except IntegrityError as exc:
            raise Conflict("The coach profile could not be created; try again.") from exc
    application_pk = application.pk
    transaction.on_commit(lambda: _email_decision(application_pk))
    return application


def _email_decision(application_pk: int) -> None:
    """Tell the applicant what staff decided (runs after commit)."""
    application = (
        CoachApplication.objects.select_related("user", "user__coach_profile")
        .filter(pk=application_pk)
        .first()
    )
    if application is None or application.status == CoachApplication.Status.PENDING:
        return
    user = application.user
    kind = "approved" if application.status == CoachApplication.Status.APPROVED else "rejected"
    coach = getattr(user, "coach_profile", None) if kind == "approved" else None
    context = {
        "name": user.name,
        "headline": application.headline,
        "reason": application.rejection_reason,
        "slug": coach.slug if coach else "",
        "site_url": getattr(settings, "TANDEM_SITE_URL", "").rstrip("/"),
    }
    with translation.override(user.locale or "en"):
        subject_text = render_to_string(f"coaches/email/application_{kind}_subject.txt", context)
        body = render_to_string(f"coaches/email/application_{kind}_message.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject_text.split())
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:  # the decision stands; a mail outage must not turn it into a 500
        logger.exception("Could not email the coach application decision %s", application_pk)


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
    public_id = parse_id(token_id)
    if public_id is None:  # a made-up id is just another token that does not exist
        raise NotFound("No such token.")
    token = (
        ApiToken.objects.select_for_update()
        .filter(user=user, public_id=public_id, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise NotFound("No such token.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw_token: str) -> User | None:
    """The active user a bearer token belongs to, or None (one query: token and user)."""
    prefix = f"{settings.TANDEM_API_TOKEN_PREFIX}_"
    if not raw_token.startswith(prefix) or len(raw_token) > 100:
        return None
    try:
        token = ApiToken.objects.select_related("user").get(
            digest=_digest(raw_token), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
