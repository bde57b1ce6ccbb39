"""Bookings, holds, their history, idempotency records and calendar feeds.

The promise: no two active bookings (pending or confirmed) of one coach overlap, buffers
included. On PostgreSQL an exclusion constraint makes it (migration 0002, PostgreSQL only);
on SQLite every write runs in an IMMEDIATE transaction that checks and inserts under the
database's single write lock. Services give the friendly 409 first; the database makes the
promise.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.encrypted import EncryptedTextField


def new_meeting_room() -> str:
    # 128 bits: unguessable, so the link itself is the meeting's only key.
    return secrets.token_urlsafe(16)


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        DECLINED = "declined", "Declined by the coach"
        EXPIRED = "expired", "Request expired"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    # Statuses that hold the coach's time.
    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)
    # A request that ended before it became a session.
    CANCELLED_STATUSES = (Status.CANCELLED, Status.DECLINED, Status.EXPIRED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No single-column indexes on coach and client: the (coach, start) and (client, start)
    # indexes below lead with them, and every booking would pay for the extra two.
    coach = models.ForeignKey(
        CoachProfile, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The session plus its buffers: what no other booking of this coach may overlap.
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    # The client's words for the coach: encrypted at rest (core/encrypted.py).
    notes = EncryptedTextField(max_length=2000, blank=True)
    # Price and currency as agreed at booking time (the session type may change later).
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    # A pending request stops holding the slot at this instant (the coach did not answer).
    pending_expires_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE: bumped by every change attendees' calendars must apply.
    sequence = models.PositiveIntegerField(default=0)
    meeting_room = models.CharField(max_length=64, default=new_meeting_room, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(max_length=32, blank=True)
    cancel_message = models.TextField(max_length=2000, blank=True)
    # Cancelled by the client after the coach's free-cancellation window: payments charge it.
    late_cancellation = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["coach", "blocked_end", "blocked_start"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="booking_active_coach_idx",
            ),
            models.Index(fields=["client", "start"], name="booking_client_start_idx"),
            models.Index(fields=["coach", "start"], name="booking_coach_start_idx"),
            # Led by the coach: every booking asks whether its coach has lapsed requests
            # (without it, that check walked all of the coach's active bookings). Pending
            # rows only, so the sweep over every coach reads a small index too.
            models.Index(
                fields=["coach", "pending_expires_at"],
                condition=Q(status="pending"),
                name="booking_coach_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="booking_order"),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start")) & Q(blocked_end__gte=F("end")),
                name="booking_blocked_covers_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} at {self.start:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def meeting_url(self) -> str:
        return settings.TANDEM_MEETING_URL_TEMPLATE.format(
            room=self.meeting_room, booking=self.public_id
        )


class BookingEvent(models.Model):
    """One change to a booking: who, when, from -> to, why. Append-only."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Requested"
        BOOKED = "booked", "Booked"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "Marked no-show"

    # Indexed by (booking, at) below: no separate index on booking.
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Null: the system (an expiry).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    from_start = models.DateTimeField(null=True, blank=True)
    to_start = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    message = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["booking", "at"], name="booking_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status or '-'} -> {self.to_status}"


class Hold(models.Model):
    """A client's short claim on a slot while they finish booking.

    At most one per client and coach (a new hold replaces the old row). An expired hold is
    simply ignored by every read, so expiry needs no job; a sweep deletes old rows.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="holds")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="holds"
    )
    session_type = models.ForeignKey(SessionType, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "coach"], name="hold_one_per_client_coach"),
        ]
        indexes = [
            models.Index(fields=["coach", "expires_at"], name="hold_coach_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"hold {self.start:%Y-%m-%d %H:%M} until {self.expires_at:%H:%M:%S}"


class IdempotencyRecord(models.Model):
    """A request made with an Idempotency-Key: the same key and body give the same result."""

    # The unique (user, scope, key) constraint leads with user: no separate index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class CalendarFeed(models.Model):
    """A user's secret calendar feed URL (/calendar/<token>.ics). Regenerating replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # The URL is the credential (calendar apps cannot send headers); 256 bits.
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
