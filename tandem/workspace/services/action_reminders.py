"""Due and overdue reminders for action items, through the notification centre.

When: "due today" once on the due date from 09:00 in the assignee's zone (or at the first scan
after that, e.g. for an item made at 15:00 due today); "overdue" once from 09:00 (their zone)
on the day after, for up to OVERDUE_WINDOW days (an item overdue for weeks is on the
dashboard, not re-announced after an outage). Open items of engagements that have not ended.

How often: `action_reminders_scan` is run by
- `action_reminders_task` (tasks.py), enqueued in the item's own transaction for the moments
  its reminders fall due (an outbox, like booking's expiry jobs), so `manage.py serve` sends
  them on time with no other process; and
- the booking sweep (`booking/services/sweep.register_step`, filled in WorkspaceConfig.ready),
  every few minutes in production: the backstop if a job was lost or the date moved.

Exactly once: each reminder is claimed by a conditional UPDATE of `due_notified_at` /
`overdue_notified_at` (still NULL, still open, same due date) and created by
`notifications.services.notify` in the same transaction, so a crash commits both or neither;
`notify`'s key ("action:<id>:due:<date>") dedups too. The kind is non-urgent: the in-app entry
is stored at once, email waits for the end of quiet hours or goes into the daily digest.

Text: notifications are stored in clear (action items are encrypted at rest), so a reminder
never carries the item's title or detail, in-app or email; it says whose engagement it is from
and links to /actions/, where the assignee reads the item itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.core.outbox import enqueue_in_transaction
from tandem.notifications.services import notify

from ..models import ActionItem, Engagement

KIND = "action_item"
MORNING = time(9, 0)  # local time the reminders of a day go out
OVERDUE_WINDOW = 7  # days after the due date an overdue reminder may still be sent
URL = "/actions/"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def reminder_moments(due: date, zone_name: str) -> tuple[datetime, datetime]:
    """(due-today moment, overdue moment) in UTC: 09:00 local on the day and the day after."""
    zone = _zone(zone_name)
    first = datetime.combine(due, MORNING, tzinfo=zone)
    second = datetime.combine(due + timedelta(days=1), MORNING, tzinfo=zone)
    return first.astimezone(UTC), second.astimezone(UTC)


def schedule_reminders(item: ActionItem) -> None:
    """Enqueue the scan for this item's two moments (in the caller's transaction)."""
    from ..tasks import action_reminders_task  # tasks import this module

    if item.due_date is None:
        return
    for moment in reminder_moments(item.due_date, item.assignee.timezone):
        enqueue_in_transaction(partial(_enqueue_at, action_reminders_task, moment))


def _enqueue_at(task: Any, at: datetime) -> None:
    task.using(run_after=at).enqueue()


def _other_name(item: ActionItem) -> str:
    engagement = item.engagement
    if item.assignee_id == engagement.client_id:
        return engagement.coach.user.name
    return engagement.client.name


def _claim(item: ActionItem, field: str, now: datetime) -> bool:
    """Set `field` if it is still unset and the item still open with the same due date."""
    return bool(
        ActionItem.objects.filter(
            pk=item.pk,
            status=ActionItem.Status.OPEN,
            due_date=item.due_date,
            **{f"{field}__isnull": True},
        ).update(**{field: now})
    )


def _send(item: ActionItem, which: str, now: datetime) -> None:
    other = _other_name(item)
    due = item.due_date
    assert due is not None  # only dated items are claimed
    if which == "due":
        title = "An action item is due today"
        body = f"From your work with {other}. Open your action items to see it."
    else:
        title = "An action item is overdue"
        body = (
            f"It was due on {due.day} {due:%B %Y}, from your work "
            f"with {other}. Open your action items to see it."
        )
    notify(
        user_ids=[item.assignee_id],
        kind=KIND,
        key=f"action:{item.public_id}:{which}:{due.isoformat()}",
        title=title,
        body=body,
        url=URL,
        now=now,
    )


def _remind(item: ActionItem, which: str, field: str, now: datetime) -> bool:
    with transaction.atomic():
        if not _claim(item, field, now):
            return False
        _send(item, which, now)
    return True


def action_reminders_scan(*, now: datetime | None = None) -> int:
    """Send every reminder that is due at `now`; the number sent. Safe to run twice or
    concurrently (each reminder is claimed once)."""
    now = now or timezone.now()
    utc_today = now.astimezone(UTC).date()
    # Zones run from UTC-12 to UTC+14: every local "today" is within a day of UTC's.
    latest = utc_today + timedelta(days=1)
    earliest = utc_today - timedelta(days=OVERDUE_WINDOW + 1)
    candidates = (
        ActionItem.objects.filter(
            status=ActionItem.Status.OPEN,
            due_date__gte=earliest,
            due_date__lte=latest,
        )
        .filter(Q(due_notified_at__isnull=True) | Q(overdue_notified_at__isnull=True))
        .exclude(engagement__state=Engagement.State.ENDED)
        .select_related("assignee", "engagement__client", "engagement__coach__user")
        .order_by("due_date", "pk")
    )
    sent = 0
    for item in candidates:
        due = item.due_date
        assert due is not None
        local = now.astimezone(_zone(item.assignee.timezone))
        today, morning = local.date(), local.time() >= MORNING
        if today == due and morning and item.due_notified_at is None:
            sent += _remind(item, "due", "due_notified_at", now)
        overdue_from = due + timedelta(days=1)
        if (
            item.overdue_notified_at is None
            and (today > overdue_from or (today == overdue_from and morning))
            and today <= due + timedelta(days=OVERDUE_WINDOW)
        ):
            sent += _remind(item, "overdue", "overdue_notified_at", now)
    return sent


def sweep_step(now: datetime) -> int:
    """The booking sweep's step (registered in WorkspaceConfig.ready)."""
    return action_reminders_scan(now=now)
