"""Signals from lower apps (and allauth) that the workspace answers.

- booking's `booking_changed` (booking/signals.py, sent after the change commits): a
  client's first booking with a coach starts their engagement; every change refreshes the
  pair's stored next/last session.
- Django's `user_logged_in` (allauth's sign-in and sign-up end in it): an invitation
  opened while signed out (its id kept in the session by the invitation page) is accepted
  once its invitee signs in, or signs up and confirms their address; a refusal (another
  address, expired) is shown as a message and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tandem.booking.models import Booking
from tandem.booking.signals import booking_changed
from tandem.core.errors import ServiceError

from .services.engagements import engagement_follow_booking
from .services.invitations import SESSION_KEY, invitation_accept_pending

logger = logging.getLogger(__name__)


@receiver(booking_changed, sender=Booking, dispatch_uid="workspace_engagement_from_booking")
def follow_booking(*, coach_id: int, client_id: int, **_: Any) -> None:
    engagement_follow_booking(coach_id=coach_id, client_id=client_id)


@receiver(user_logged_in, dispatch_uid="workspace_pending_invitation")
def accept_pending_invitation(*, request: Any, user: Any, **_: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    invitation_id = session.pop(SESSION_KEY, None)
    if not invitation_id:
        return
    try:
        engagement = invitation_accept_pending(user=user, invitation_id=invitation_id)
    except ServiceError as exc:
        messages.warning(
            request,
            f"The coaching invitation was not accepted: {exc.message}",
            fail_silently=True,
        )
        return
    messages.success(
        request, f"You are now coached by {engagement.coach.user.name}.", fail_silently=True
    )
