"""The notification centre, preferences, push subscriptions, reminder schedules, and the
durable delivery records that make every reminder go out once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .kinds import CHANNEL_LABELS, KINDS

CHANNEL_CHOICES = list(CHANNEL_LABELS.items())
KIND_CHOICES = [(k.code, k.label) for k in KINDS.values()]


class Notification(models.Model):
    """One entry of a user's notification centre (the in-app channel)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=2000, blank=True)
    url = models.CharField(max_length=500, blank=True)  # the thing concerned, a local path
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whatever made it (a delivery, a booking change) names it once: a retried job or a
    # worker that took over a lease cannot add a second copy.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notif_user_recent"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notif_user_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class Preference(models.Model):
    """A user's choice for one kind on one channel; absent means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    enabled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notif_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel} {'on' if self.enabled else 'off'} for {self.user_id}"


class NotificationSettings(models.Model):
    """Quiet hours (in the user's zone), the daily digest and the alert sound."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    digest = models.BooleanField(default=False)
    digest_hour = models.PositiveSmallIntegerField(default=8)  # local hour the digest goes out
    sound = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "notification settings"
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="notif_digest_hour"),
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="notif_quiet_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (the endpoint and its keys, from PushManager)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push for {self.user_id}"


class ReminderSchedule(models.Model):
    """Lead times in minutes set by a coach (for their sessions) or an organisation (for its
    members). None means "the default"; an empty list means "no reminders"."""

    coach = models.OneToOneField(
        "coaches.CoachProfile",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_schedule",
    )
    organisation = models.OneToOneField(
        "orgs.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_schedule",
    )
    coach_offsets = models.JSONField(null=True, blank=True)
    client_offsets = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(coach__isnull=False, organisation__isnull=True)
                | Q(coach__isnull=True, organisation__isnull=False),
                name="reminder_schedule_one_owner",
            )
        ]

    def __str__(self) -> str:
        owner = (
            f"coach {self.coach_id}" if self.coach_id else f"organisation {self.organisation_id}"
        )
        return f"reminder schedule of {owner}"


class Delivery(models.Model):
    """One thing to send on one channel to one user at one time — the durable record.

    `key` names it (for a reminder: booking, booking version, lead time, channel, recipient),
    so it exists once. A worker claims due rows with a lease; whoever holds the lease sends
    and marks it sent; a worker that dies leaves the lease to run out and another takes over.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        CANCELLED = "cancelled"  # its booking moved or ended, or the user turned it off
        FAILED = "failed"  # gave up after the retries: visible to staff

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    payload = models.JSONField(default=dict)  # title, body, url (and the email's parts)
    booking = models.ForeignKey(
        "booking.Booking",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # The version of the booking this reminder is about: sent only while it still holds.
    booking_sequence = models.PositiveIntegerField(null=True, blank=True)
    session_start = models.DateTimeField(null=True, blank=True)
    offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField()
    digest = models.BooleanField(default=False)  # waits for the user's daily digest email
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            # The worker's question: which pending rows are due? Only pending rows are in it.
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="delivery_pending_due"
            ),
            models.Index(fields=["booking", "status"], name="delivery_booking"),
        ]

    def __str__(self) -> str:
        when = f"{self.due_at:%Y-%m-%d %H:%M}"
        return f"{self.kind}/{self.channel} to {self.user_id} at {when} ({self.status})"
