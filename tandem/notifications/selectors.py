"""Reads for the notification pages: the centre (keyset pages, newest first), the bell,
one notification, a coach's lead times."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery

from tandem.accounts.models import User
from tandem.accounts.selectors import users_with_pk
from tandem.coaches.models import CoachProfile
from tandem.core.cursors import cursor_counter, decode_cursor, encode_cursor
from tandem.core.ids import parse_id

from .models import Notification, NotificationSettings, ReminderSchedule


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
        last_id = cursor_counter(decode_cursor(cursor).get("id"))
        rows = rows.filter(pk__lt=last_id)
    # Ids grow with time: the newest-first order is the primary key's, which its index serves.
    items = list(rows.order_by("-pk")[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor({"id": items[-1].pk}) if more and items else None
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return NotificationPage(items, next_cursor, unread)


def notification_for(user: User, notification_id: object) -> Notification | None:
    """One of the user's notifications; anyone else's (or a malformed id) is None."""
    public_id = parse_id(notification_id)
    if public_id is None:
        return None
    return Notification.objects.filter(user=user, public_id=public_id).first()


@dataclass(frozen=True, slots=True)
class NavState:
    """What every signed-in page's frame needs: the bell's count and the alert sound."""

    unread: int
    sound: bool


def nav_state(user_id: int) -> NavState:
    """The unread count and the sound setting in one query (a page's frame costs one)."""
    unread = (
        Notification.objects.filter(user_id=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sound = NotificationSettings.objects.filter(user_id=OuterRef("pk")).values("sound")[:1]
    row = users_with_pk(user_id).values_list(Subquery(unread), Subquery(sound)).first()
    if row is None:
        return NavState(0, True)
    # No unread rows: the count subquery is NULL; no settings row: the default (sound on).
    return NavState(row[0] or 0, row[1] is not False)


def reminder_offsets_of(coach: CoachProfile) -> tuple[list[int] | None, list[int] | None]:
    """A coach's own lead times (coach side, client side); None where they use the default."""
    row = ReminderSchedule.objects.filter(coach=coach).first()
    if row is None:
        return None, None
    return row.coach_offsets, row.client_offsets


def organisation_reminder_offsets(organisation_id: int) -> list[int] | None:
    """The client lead times an organisation set for its members' sessions (None: the
    default applies)."""
    row = ReminderSchedule.objects.filter(organisation_id=organisation_id).first()
    return row.client_offsets if row is not None else None
