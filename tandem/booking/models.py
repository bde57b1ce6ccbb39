"""Bookings, as far as availability needs them: what blocks a coach's time.

The booking lifecycle (holds, confirmation, reschedule, cancel, the overlap constraint) is
the booking issue's; this table is its start.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tandem.coaches.models import CoachProfile, SessionType


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    # Statuses that hold the coach's time.
    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(CoachProfile, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The session plus its buffers: what no other booking of this coach may overlap.
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["coach", "blocked_end", "blocked_start"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="booking_active_coach_idx",
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
