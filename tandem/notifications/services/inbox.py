"""The in-app channel: notification centre entries, read state, the live unread badge."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import NotFound
from tandem.realtime.services import send_event_on_commit, send_events_on_commit

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
    note = Notification(
        user_id=user_id,
        kind=kind,
        title=title[:200],
        body=body[:2000],
        url=url[:500],
        dedupe_key=dedupe_key,
        created_at=now or timezone.now(),
    )
    try:
        with transaction.atomic():
            notifications_store([note], urgent={note.dedupe_key} if urgent else set())
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    return note


def notifications_store(notes: list[Notification], *, urgent: set[str | None]) -> None:
    """Insert entries (any number of users) and announce each with the user's new unread
    count: four statements whatever the number. Call inside a transaction; entries whose
    `dedupe_key` is in `urgent` are announced as urgent (toast and sound)."""
    if not notes:
        return
    Notification.objects.bulk_create(notes)
    users = {n.user_id for n in notes}
    unread = dict(
        Notification.objects.filter(user_id__in=users, read_at__isnull=True)
        .order_by()
        .values_list("user_id")
        .annotate(count=Count("pk"))
    )
    # Counts as of this transaction: the last entry of a user carries their total, earlier
    # ones of the same batch one less each, so a page applying them in order ends right.
    remaining = {user_id: unread.get(user_id, 0) for user_id in users}
    announced = []
    for note in reversed(notes):
        count = remaining[note.user_id]
        remaining[note.user_id] -= 1
        data = {"notification": present(note), "unread": count, "urgent": note.dedupe_key in urgent}
        announced.append((note.user_id, "notification.new", data))
    send_events_on_commit(reversed(announced))


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
