"""The in-app channel: notification centre entries, read state, the live unread badge."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import NotFound
from tandem.realtime.services import send_event_on_commit

from ..models import Notification


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notification_add(
    *,
    user_id: int,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
    urgent: bool = False,
    now: datetime | None = None,
) -> Notification | None:
    """Store one entry and tell the user's open pages (badge, toast, sound for urgent ones).
    With a `dedupe_key` a second call adds nothing and returns None."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                user_id=user_id,
                kind=kind,
                title=title[:200],
                body=body[:2000],
                url=url[:500],
                dedupe_key=dedupe_key,
                created_at=now,
            )
            _announce(note, urgent=urgent)
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    return note


def _announce(note: Notification, *, urgent: bool) -> None:
    send_event_on_commit(
        [note.user_id],
        "notification.new",
        {
            "notification": present(note),
            "unread": unread_count(note.user_id),
            "urgent": urgent,
        },
    )


def present(note: Notification) -> dict:
    return {
        "id": str(note.public_id),
        "kind": note.kind,
        "title": note.title,
        "body": note.body,
        "url": note.url,
        "created_at": note.created_at.isoformat(),
        "read": note.read_at is not None,
    }


def mark_read(*, user: User, notification_id: uuid.UUID, now: datetime | None = None) -> int:
    """Mark one of the user's notifications read (another user's is not found)."""
    now = now or timezone.now()
    with transaction.atomic():
        found = Notification.objects.filter(user=user, public_id=notification_id)
        if not found.exists():
            raise NotFound("No such notification.")
        found.filter(read_at__isnull=True).update(read_at=now)
        return _badge(user.pk)


def mark_all_read(*, user: User, now: datetime | None = None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)
        return _badge(user.pk)


def _badge(user_id: int) -> int:
    """Every open page of the user shows the new count (read on one tab, cleared on all)."""
    count = unread_count(user_id)
    send_event_on_commit([user_id], "notification.read", {"unread": count})
    return count
