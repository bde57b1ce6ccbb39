"""A coach invites a client by email; the client accepts while signed in.

The emailed link carries a random 256-bit token; only its SHA-256 digest is stored (a fast
hash is enough for a random secret, and the lookup stays one indexed query), so the email is
sent from the process that made the token, after the commit (no job could rebuild the link).
An invitation lasts INVITATION_DAYS; inviting the same address again replaces the open one
(only the newest link works).

Accepting: the signed-in account's address must be the invited one (a forwarded link does
not hand the coach someone else's account). Someone without an account signs up with that
address (the accept page sends them to sign-up with it filled in and keeps the invitation in
their session; views/engagements.py and receivers.py finish the link after they sign in).
Accepting links the existing engagement of the pair, re-opens an ended one (the client's
consent) or starts one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.accounts.selectors import active_user_with_email
from tandem.coaches.selectors import coach_profile_of
from tandem.core.errors import Conflict, NotFound
from tandem.core.links import site_url
from tandem.core.text import clean_text

from ..models import Engagement, Invitation
from ..selectors.access import parse_id
from . import events
from .errors import InvalidInput, NotAllowed

logger = logging.getLogger(__name__)

INVITATION_DAYS = 14
MAX_EMAIL = 254
MAX_TOKEN = 200
ACCEPT_PATH = "/workspace/invitations/{token}/"
# The session key under which the invitation page keeps an invitation opened signed out.
SESSION_KEY = "workspace_invitation"
State = Engagement.State


class InvitationNotFound(NotFound):
    """No such invitation (or it was replaced by a newer one)."""

    code = "invitation_not_found"


class InvitationExpired(Conflict):
    """This invitation has expired; ask your coach for a new one."""

    code = "invitation_expired"


class InvitationUsed(Conflict):
    """This invitation has already been accepted."""

    code = "invitation_used"


class AlreadyClient(Conflict):
    """That person is already your client."""

    code = "already_client"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def accept_url(token: str) -> str:
    return site_url(ACCEPT_PATH.format(token=token))


def clean_email(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("Give an email address.", fields={"email": ["invalid"]})
    email = clean_text(value, field="email", max_length=MAX_EMAIL, required=True)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", fields={"email": ["invalid"]}) from exc
    return email.lower()


def invitation_create(*, coach_user: Any, email: Any, now: datetime | None = None) -> Invitation:
    """Invite `email` to coaching with `coach_user`. 409 `already_client` when that address
    is a client of theirs already (active or paused); 403 `not_a_coach` without a coach
    profile."""
    now = now or timezone.now()
    email = clean_email(email)
    coach = coach_profile_of(coach_user, with_user=True)
    if coach is None:
        raise NotAllowed("Only coaches invite clients.", code="not_a_coach")
    if email == coach.user.email.lower():
        raise InvalidInput("You cannot invite yourself.", fields={"email": ["self"]})
    existing = active_user_with_email(email)
    if (
        existing is not None
        and Engagement.objects.filter(
            coach=coach, client=existing, state__in=[State.ACTIVE, State.PAUSED]
        ).exists()
    ):
        raise AlreadyClient()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Only the newest link to an address works.
        Invitation.objects.filter(
            coach=coach, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            coach=coach,
            email=email,
            token_digest=token_digest(token),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        invitation_pk = invitation.pk
        transaction.on_commit(lambda: _send(invitation_pk, token))
    invitation.coach = coach
    return invitation


def _send(invitation_pk: int, token: str) -> None:
    """Email the link (after commit). A mail outage must not turn the invitation into a 500:
    the coach can invite again, which sends a new link."""
    invitation = Invitation.objects.select_related("coach__user").filter(pk=invitation_pk).first()
    if invitation is None:
        return
    coach_name = invitation.coach.user.name
    context = {
        "coach_name": coach_name,
        "accept_url": accept_url(token),
        "expires_at": invitation.expires_at,
        "days": INVITATION_DAYS,
        "site_url": site_url(""),
    }
    text = render_to_string("workspace/engagements/email/invitation.txt", context)
    html = render_to_string("workspace/engagements/email/invitation.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(
        f"{coach_name} invites you to coaching on Tandem".split()
    )
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("Could not email invitation %s", invitation.public_id)


def invitation_by_token(token: Any) -> Invitation | None:
    """The invitation a link's token names (any state), with its coach; None if unknown."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN or "\x00" in token:
        return None
    return (
        Invitation.objects.select_related("coach__user")
        .filter(token_digest=token_digest(token))
        .first()
    )


def invitation_accept(*, user: Any, token: Any, now: datetime | None = None) -> Engagement:
    """Accept the invitation this token names, as the signed-in `user`."""
    found = invitation_by_token(token)
    if found is None:
        raise InvitationNotFound()
    return _accept(found.pk, user, now or timezone.now())


def invitation_accept_pending(
    *, user: Any, invitation_id: Any, now: datetime | None = None
) -> Engagement:
    """Accept an invitation whose token this browser presented before signing in (its id
    was kept in the session by the accept page)."""
    parsed = parse_id(invitation_id)
    found = (
        Invitation.objects.filter(public_id=parsed).values_list("pk", flat=True).first()
        if parsed
        else None
    )
    if found is None:
        raise InvitationNotFound()
    return _accept(found, user, now or timezone.now())


def _accept(invitation_pk: int, user: Any, now: datetime) -> Engagement:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("coach__user", "engagement")
            .get(pk=invitation_pk)
        )
        if invitation.revoked_at is not None:
            raise InvitationNotFound()
        if invitation.accepted_at is not None:
            engagement = invitation.engagement
            if engagement is not None and engagement.client_id == user.pk:
                return _with_people(engagement)  # accepting twice answers the same
            raise InvitationUsed()
        if invitation.expires_at <= now:
            raise InvitationExpired()
        if (user.email or "").lower() != invitation.email:
            raise NotAllowed(
                "This invitation was sent to another address: sign in with that one.",
                code="invitation_other_email",
            )
        if invitation.coach.user_id == user.pk:
            raise NotAllowed("You cannot accept your own invitation.", code="invitation_own")
        engagement, action = _link(invitation, user, now)
        invitation.accepted_at = now
        invitation.engagement = engagement
        invitation.save(update_fields=["accepted_at", "engagement"])
        if action:
            events.emit(engagement, "engagement", object_id=engagement.public_id, action=action)
        return engagement


def _with_people(engagement: Engagement) -> Engagement:
    return Engagement.objects.select_related("coach__user", "client").get(pk=engagement.pk)


def _link(invitation: Invitation, user: Any, now: datetime) -> tuple[Engagement, str]:
    """(the pair's engagement, the event's action or "" when nothing changed)."""
    pair = Engagement.objects.select_for_update(of=("self",)).select_related(
        "coach__user", "client"
    )
    engagement = pair.filter(coach=invitation.coach, client=user).first()
    if engagement is None:
        try:
            with transaction.atomic():
                engagement = Engagement.objects.create(
                    coach=invitation.coach,
                    client=user,
                    source=Engagement.Source.INVITATION,
                    started_at=now,
                    state_changed_at=now,
                    updated_at=now,
                )
            return _with_people(engagement), "started"
        except IntegrityError:
            engagement = pair.get(coach=invitation.coach, client=user)
    if engagement.state != State.ENDED:
        return engagement, ""
    engagement.state = State.ACTIVE
    engagement.ended_by = None
    engagement.state_changed_at = now
    engagement.updated_at = now
    engagement.save(update_fields=["state", "ended_by", "state_changed_at", "updated_at"])
    return engagement, State.ACTIVE
