"""Notifications API: the notification centre, preferences, Web Push subscriptions and
reminder schedules. Thin: parse, call one service or selector, present."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.coaches.models import CoachProfile
from tandem.coaches.selectors import coach_profile_of
from tandem.core.errors import NotFound

from . import selectors, services
from .channels.push import vapid_public_key
from .kinds import KINDS
from .models import ReminderSchedule
from .schemas import (
    NotificationListOut,
    NotificationListQuery,
    NotificationUnreadOut,
    PreferencesIn,
    PreferencesOut,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    RemindersIn,
    RemindersOut,
)
from .services.inbox import present
from .services.push_subscriptions import subscription_add, subscription_remove
from .services.schedules import default_offsets

router = Router(tags=["notifications"])


@router.get("/notifications", response=NotificationListOut, summary="Your notifications")
def list_notifications(
    request: AuthenticatedHttpRequest, query: Query[NotificationListQuery]
) -> dict:
    page = selectors.notifications_page(
        request.user, cursor=query.cursor, limit=query.limit, unread_only=query.unread
    )
    return {
        "items": [present(n) for n in page.items],
        "next_cursor": page.next_cursor,
        "unread": page.unread,
    }


@router.post("/notifications/read-all", response=NotificationUnreadOut, summary="Mark all read")
def read_all(request: AuthenticatedHttpRequest) -> dict:
    return {"unread": services.mark_all_read(user=request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationUnreadOut,
    summary="Mark one read",
    description="Another user's notification answers 404, like an unknown id.",
)
def read_one(request: AuthenticatedHttpRequest, notification_id: Path[uuid.UUID]) -> dict:
    return {"unread": services.mark_read(user=request.user, notification_id=notification_id)}


def _preferences(request: AuthenticatedHttpRequest) -> dict:
    table = services.preferences_get(request.user)
    s = table.settings
    return {
        "enabled": table.enabled,
        "kinds": {code: k.label for code, k in KINDS.items()},
        "quiet_start": s.quiet_start,
        "quiet_end": s.quiet_end,
        "digest": s.digest,
        "digest_hour": s.digest_hour,
        "sound": s.sound,
        "timezone": request.user.timezone,
    }


@router.get("/notifications/preferences", response=PreferencesOut, summary="Your preferences")
def get_preferences(request: AuthenticatedHttpRequest) -> dict:
    return _preferences(request)


@router.patch(
    "/notifications/preferences",
    response=PreferencesOut,
    summary="Change your preferences",
    description="Send only what changes. Quiet hours need both ends (or `clear_quiet_hours`); "
    "urgent kinds (reminders, book-now) ignore quiet hours and the digest.",
)
def patch_preferences(request: AuthenticatedHttpRequest, body: PreferencesIn) -> dict:
    services.preferences_update(
        user=request.user,
        enabled=body.enabled,
        quiet_start=body.quiet_start,
        quiet_end=body.quiet_end,
        clear_quiet_hours=body.clear_quiet_hours,
        digest=body.digest,
        digest_hour=body.digest_hour,
        sound=body.sound,
    )
    return _preferences(request)


@router.get("/push/key", response=PushKeyOut, summary="The VAPID public key", auth=None)
def push_key(request: HttpRequest) -> dict:
    return {"public_key": vapid_public_key()}


@router.post(
    "/push/subscriptions",
    response={201: PushSubscriptionOut},
    summary="Register this browser for Web Push",
)
def add_push_subscription(request: AuthenticatedHttpRequest, body: PushSubscriptionIn) -> Status:
    sub = subscription_add(
        user=request.user, endpoint=str(body.endpoint), p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    return Status(201, {"id": str(sub.public_id), "created_at": sub.created_at})


@router.delete(
    "/push/subscriptions/{subscription_id}", response={204: None}, summary="Stop Web Push"
)
def remove_push_subscription(
    request: AuthenticatedHttpRequest, subscription_id: Path[uuid.UUID]
) -> Status:
    subscription_remove(user=request.user, subscription_id=subscription_id)
    return Status(204, None)


def _own_coach(request: AuthenticatedHttpRequest) -> CoachProfile:
    coach = coach_profile_of(request.user)
    if coach is None:
        raise NotFound("You have no coach profile.")
    return coach


def _reminders(coach: CoachProfile) -> dict:
    row = ReminderSchedule.objects.filter(coach=coach).first()
    defaults = default_offsets()
    coach_side = row.coach_offsets if row and row.coach_offsets is not None else None
    client_side = row.client_offsets if row and row.client_offsets is not None else None
    return {
        "coach_offsets": list(coach_side if coach_side is not None else defaults["coach"]),
        "client_offsets": list(client_side if client_side is not None else defaults["client"]),
        "coach_default": coach_side is None,
        "client_default": client_side is None,
    }


@router.get("/me/coach/reminders", response=RemindersOut, summary="Your reminder lead times")
def get_reminders(request: AuthenticatedHttpRequest) -> dict:
    return _reminders(_own_coach(request))


@router.put(
    "/me/coach/reminders",
    response=RemindersOut,
    summary="Set your reminder lead times",
    description="For you and for your clients, in minutes before the session (e.g. the "
    "ladder `[300, 240, 180, 120, 60]`). null restores the default. Applies to sessions "
    "booked or moved from now on.",
)
def put_reminders(request: AuthenticatedHttpRequest, body: RemindersIn) -> dict:
    coach = _own_coach(request)
    services.schedule_set(
        coach=coach, coach_offsets=body.coach_offsets, client_offsets=body.client_offsets
    )
    return _reminders(coach)
