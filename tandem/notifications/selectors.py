"""Reads for the notification centre (keyset pages, newest first)."""

from __future__ import annotations

from dataclasses import dataclass

from tandem.accounts.models import User
from tandem.core.cursors import decode_cursor, encode_cursor, invalid_cursor

from .models import Notification


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[Notification]
    next_cursor: str | None
    unread: int


def notifications_page(
    user: User, *, cursor: str | None = None, limit: int = 20, unread_only: bool = False
) -> NotificationPage:
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if cursor:
        position = decode_cursor(cursor)
        last_id = position.get("id")
        if not isinstance(last_id, int) or isinstance(last_id, bool):
            raise invalid_cursor()
        rows = rows.filter(pk__lt=last_id)
    # Ids grow with time: the newest-first order is the primary key's, which its index serves.
    items = list(rows.order_by("-pk")[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor({"id": items[-1].pk}) if more and items else None
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return NotificationPage(items, next_cursor, unread)
