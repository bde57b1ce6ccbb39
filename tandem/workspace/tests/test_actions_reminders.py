"""Due and overdue reminders: once each, on the assignee's morning, through the notification
centre (preferences, quiet hours), never with the item's text; a crash sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from tandem.booking.services import booking_sweep
from tandem.notifications.models import Delivery, Notification, NotificationSettings, Preference
from tandem.workspace.models import ActionItem, Engagement
from tandem.workspace.services import action_reminders
from tandem.workspace.services import actions as services
from tandem.workspace.services.action_reminders import action_reminders_scan, reminder_moments
from tandem.workspace.tasks import action_reminders_task

from .actions_support import *  # noqa: F403
from .actions_support import NOW, TODAY, item

pytestmark = pytest.mark.django_db

MARKER = "zqactionmarker7731"
# Bob is in New York (UTC-4 on these dates): 09:00 there is 13:00 UTC.
BOB_MORNING = datetime(2030, 3, 20, 13, 0, tzinfo=UTC)
NEXT_MORNING = BOB_MORNING + timedelta(days=1)


def entries(user):
    return list(Notification.objects.filter(user=user, kind="action_item").order_by("pk"))


def emails(user):
    return list(Delivery.objects.filter(user=user, kind="action_item", channel="email"))


def test_due_today_is_sent_once_from_the_assignees_morning(engagement, bob):
    made = item(engagement, title=MARKER, due_date=TODAY)
    assert action_reminders_scan(now=BOB_MORNING - timedelta(minutes=1)) == 0  # 08:59 in NY
    assert entries(bob) == []
    assert action_reminders_scan(now=BOB_MORNING) == 1
    assert action_reminders_scan(now=BOB_MORNING) == 0  # twice: nothing more
    assert action_reminders_scan(now=BOB_MORNING + timedelta(hours=5)) == 0
    (entry,) = entries(bob)
    assert entry.title == "An action item is due today"
    assert "Alice Adler" in entry.body and entry.url == "/actions/"
    made.refresh_from_db()
    assert made.due_notified_at == BOB_MORNING and made.overdue_notified_at is None
    (email,) = emails(bob)
    assert email.due_at == BOB_MORNING  # no quiet hours: at once
    # The title is encrypted at rest; notifications are not: it is in none of them.
    for text in (entry.title, entry.body, str(email.payload)):
        assert MARKER not in text


def test_an_item_made_after_the_morning_is_announced_at_the_next_scan(engagement, alice, bob):
    afternoon = BOB_MORNING + timedelta(hours=6)
    services.action_item_create(
        actor=alice, engagement=engagement, title="Call Sam", due_date=TODAY, now=afternoon
    )
    assert action_reminders_scan(now=afternoon) == 1
    assert len(entries(bob)) == 1


def test_overdue_is_sent_once_the_day_after(engagement, bob):
    item(engagement, due_date=TODAY)
    assert action_reminders_scan(now=BOB_MORNING) == 1  # due today
    assert action_reminders_scan(now=NEXT_MORNING - timedelta(minutes=1)) == 0
    assert action_reminders_scan(now=NEXT_MORNING) == 1  # overdue
    assert action_reminders_scan(now=NEXT_MORNING) == 0
    assert action_reminders_scan(now=NEXT_MORNING + timedelta(days=2)) == 0
    titles = [e.title for e in entries(bob)]
    assert titles == ["An action item is due today", "An action item is overdue"]


def test_a_missed_due_day_sends_only_the_overdue_one(engagement, bob):
    item(engagement, due_date=TODAY)
    assert action_reminders_scan(now=NEXT_MORNING + timedelta(hours=2)) == 1
    assert [e.title for e in entries(bob)] == ["An action item is overdue"]


def test_long_overdue_items_are_not_announced_after_an_outage(engagement, bob):
    made = item(engagement, due_date=TODAY)
    assert action_reminders_scan(now=BOB_MORNING + timedelta(days=30)) == 0
    made.refresh_from_db()
    assert made.overdue_notified_at is None


def test_the_coach_as_assignee_is_reminded_in_her_own_zone(engagement, alice):
    item(engagement, assignee=alice, due_date=TODAY)
    berlin_morning = datetime.combine(TODAY, time(8, 0), tzinfo=UTC)  # 09:00 CET
    assert action_reminders_scan(now=berlin_morning - timedelta(minutes=1)) == 0
    assert action_reminders_scan(now=berlin_morning) == 1
    (entry,) = entries(alice)
    assert "Bob Brown" in entry.body


def test_done_items_and_ended_engagements_are_not_reminded(engagement, bob):
    item(engagement, due_date=TODAY, status=ActionItem.Status.DONE)
    open_item = item(engagement, due_date=TODAY)
    Engagement.objects.filter(pk=engagement.pk).update(state=Engagement.State.ENDED)
    assert action_reminders_scan(now=BOB_MORNING) == 0
    open_item.refresh_from_db()
    assert open_item.due_notified_at is None
    assert entries(bob) == []


def test_a_moved_due_date_gets_its_own_reminders(engagement, alice, bob):
    made = item(engagement, due_date=TODAY)
    assert action_reminders_scan(now=BOB_MORNING) == 1
    made.refresh_from_db()
    services.action_item_update(
        actor=alice, item=made, due_date=TODAY + timedelta(days=2), now=BOB_MORNING
    )
    assert action_reminders_scan(now=NEXT_MORNING) == 0  # not overdue: it moved
    assert action_reminders_scan(now=BOB_MORNING + timedelta(days=2)) == 1
    assert len(entries(bob)) == 2


def test_quiet_hours_hold_the_email_but_not_the_entry(engagement, bob):
    # Quiet from 08:00 to 12:00 in New York: the 09:00 reminder's email waits until 12:00.
    NotificationSettings.objects.create(user=bob, quiet_start=time(8), quiet_end=time(12))
    item(engagement, due_date=TODAY)
    assert action_reminders_scan(now=BOB_MORNING) == 1
    assert len(entries(bob)) == 1  # the in-app entry at once (the kind is not urgent)
    (email,) = emails(bob)
    assert email.due_at == datetime(2030, 3, 20, 16, 0, tzinfo=UTC)  # 12:00 in New York


def test_the_daily_digest_collects_the_email(engagement, bob):
    NotificationSettings.objects.create(user=bob, digest=True, digest_hour=18)
    item(engagement, due_date=TODAY)
    action_reminders_scan(now=BOB_MORNING)
    (email,) = emails(bob)
    assert email.digest and email.due_at == datetime(2030, 3, 20, 22, 0, tzinfo=UTC)


def test_preferences_are_respected(engagement, bob):
    Preference.objects.create(user=bob, kind="action_item", channel="email", enabled=False)
    Preference.objects.create(user=bob, kind="action_item", channel="inapp", enabled=False)
    made = item(engagement, due_date=TODAY)
    assert action_reminders_scan(now=BOB_MORNING) == 1  # claimed: the user said no, not "later"
    assert entries(bob) == [] and emails(bob) == []
    made.refresh_from_db()
    assert made.due_notified_at == BOB_MORNING


def test_a_crash_between_claim_and_send_loses_nothing_and_sends_once(engagement, bob):
    made = item(engagement, due_date=TODAY)
    with (
        mock.patch.object(action_reminders, "notify", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        action_reminders_scan(now=BOB_MORNING)
    made.refresh_from_db()
    assert made.due_notified_at is None  # the claim rolled back with the failed send
    assert entries(bob) == []
    assert action_reminders_scan(now=BOB_MORNING) == 1
    assert action_reminders_scan(now=BOB_MORNING) == 0
    assert len(entries(bob)) == 1 and len(emails(bob)) == 1


def test_a_second_claim_of_the_same_reminder_adds_nothing(engagement, bob):
    """Two scans that both read the item before either claimed it: one wins the UPDATE."""
    made = item(engagement, due_date=TODAY)
    stale = ActionItem.objects.select_related(
        "assignee", "engagement__client", "engagement__coach__user"
    ).get(pk=made.pk)
    assert action_reminders_scan(now=BOB_MORNING) == 1
    assert action_reminders._remind(stale, "due", "due_notified_at", BOB_MORNING) is False
    assert len(entries(bob)) == 1


def test_creating_an_item_enqueues_the_scan_for_its_two_moments(engagement, alice):
    before = DBTaskResult.objects.count()
    services.action_item_create(
        actor=alice, engagement=engagement, title="t", due_date=TODAY, now=NOW
    )
    jobs = DBTaskResult.objects.order_by("pk")[before:]
    assert {j.run_after for j in jobs} == set(reminder_moments(TODAY, "America/New_York"))
    assert {j.task_path for j in jobs} == {"tandem.workspace.tasks.action_reminders_task"}


def test_the_task_and_the_booking_sweep_run_the_scan(engagement, bob, monkeypatch):
    item(engagement, due_date=TODAY)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: BOB_MORNING)
    action_reminders_task.call()
    assert len(entries(bob)) == 1
    item(engagement, due_date=TODAY, title="Another")
    counts = booking_sweep(now=BOB_MORNING)
    assert counts["action_item_reminders"] == 1
    assert len(entries(bob)) == 2


def test_the_notification_worker_emails_it_once_without_the_title(engagement, bob, mailoutbox):
    from tandem.notifications.services import run_due

    item(engagement, title=MARKER, due_date=TODAY)
    action_reminders_scan(now=BOB_MORNING)
    assert run_due(owner="test", now=BOB_MORNING) == 1
    assert run_due(owner="test", now=BOB_MORNING + timedelta(minutes=5)) == 0
    (message,) = mailoutbox
    assert bob.email in message.to[0]
    assert "An action item is due today" in message.subject
    whole = message.body + "".join(str(alt[0]) for alt in getattr(message, "alternatives", []))
    assert "/actions/" in whole and MARKER not in whole and MARKER not in message.subject
