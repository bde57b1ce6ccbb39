"""Notification services: every write to notifications, preferences, schedules, deliveries."""

from .deliver import claim_due, deliver, run_due
from .fanout import notify
from .inbox import mark_all_read, mark_read, notification_add, unread_count
from .preferences import preferences_get, preferences_update
from .reminders import reminders_sync
from .schedules import offsets_for, schedule_set

__all__ = [
    "claim_due",
    "deliver",
    "mark_all_read",
    "mark_read",
    "notification_add",
    "notify",
    "offsets_for",
    "preferences_get",
    "preferences_update",
    "reminders_sync",
    "run_due",
    "schedule_set",
    "unread_count",
]
