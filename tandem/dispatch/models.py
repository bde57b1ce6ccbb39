"""Book now: a client's request for a session soon, offered to one coach at a time.

A DispatchRequest freezes its ranked candidates when it is made; each DispatchOffer is one
coach being asked (and the record of their answer). The database keeps the promises the
services rely on: at most one open offer per request (so only one coach can be asked at a
time), at most one accepted offer per request (so two coaches can never both win), one
active request per client, and an accepted request always names its booking.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType, Specialty

MAX_WITHIN_MINUTES = 120
DEFAULT_WITHIN_MINUTES = 15


class DispatchRequest(models.Model):
    class Unfilled(models.TextChoices):
        """Why an exhausted request found nobody (docs/dispatch.md, "When nobody takes it")."""

        NO_MATCHING_SESSIONS = "no_matching_sessions", "No coach offers this on the spot"
        NOBODY_ONLINE = "nobody_online", "No coach is online"
        NOBODY_ONLINE_FOR_SPECIALTY = (
            "nobody_online_for_specialty",
            "No coach of this specialty is online",
        )
        NONE_FREE_IN_WINDOW = "none_free_in_window", "Nobody free within the window"
        DECLINED_OR_BUSY = "declined_or_busy", "The coaches asked declined or were busy"

    class Status(models.TextChoices):
        OPEN = "open", "Looking for a coach"  # transient: between offers, inside a transaction
        OFFERED = "offered", "Waiting for a coach to answer"
        ACCEPTED = "accepted", "Booked"
        EXHAUSTED = "exhausted", "No coach available"
        WITHDRAWN = "withdrawn", "Withdrawn"

    ACTIVE_STATUSES = (Status.OPEN, Status.OFFERED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dispatch_requests"
    )
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="+")
    duration_minutes = models.PositiveSmallIntegerField()
    # "Starting within the next N minutes" of created_at.
    window_minutes = models.PositiveSmallIntegerField(default=DEFAULT_WITHIN_MINUTES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Ranked when the request was made, best first, and never re-ranked:
    # [{"coach": pk, "session_type": pk, "start": ISO 8601 UTC, "score": 0..100}, ...].
    candidates = models.JSONField(default=list)
    # Index into `candidates` of the next coach to ask.
    next_index = models.PositiveSmallIntegerField(default=0)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the request ends exhausted (services/advance.py); "" otherwise, and for
    # requests exhausted before reasons were recorded.
    unfilled_reason = models.CharField(
        max_length=30, blank=True, default="", choices=Unfilled.choices
    )
    # Idempotency-Key of the POST that made it ("" without one) and a fingerprint of its body.
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "-created_at"], name="dispatch_req_client_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_minutes__lte=MAX_WITHIN_MINUTES), name="dispatch_req_window"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=24 * 60),
                name="dispatch_req_duration",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "offered", "accepted", "exhausted", "withdrawn"]),
                name="dispatch_req_status",
            ),
            # Booked if and only if accepted.
            models.CheckConstraint(
                condition=Q(status="accepted", booking__isnull=False)
                | (~Q(status="accepted") & Q(booking__isnull=True)),
                name="dispatch_req_booking",
            ),
            # One request at a time per client: coaches are not paged twice for one person.
            # Only an exhausted request has a reason for being unfilled.
            models.CheckConstraint(
                condition=Q(status="exhausted") | Q(unfilled_reason=""),
                name="dispatch_req_unfilled_reason",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["open", "offered"]),
                name="dispatch_req_one_active",
            ),
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dispatch_req_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"Book now {self.public_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class DispatchOffer(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "No answer in time"
        WITHDRAWN = "withdrawn", "Withdrawn by the client"
        # Accepted, but the booking could not be made (the time was taken meanwhile).
        FAILED = "failed", "Time no longer free"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(DispatchRequest, on_delete=models.CASCADE, related_name="offers")
    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="+")
    session_type = models.ForeignKey(SessionType, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()  # the slot offered, frozen with the candidate
    rank = models.PositiveSmallIntegerField()  # 1 = the best candidate
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # Why a FAILED offer failed: the booking service's error code (e.g. slot_unavailable).
    failure_code = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [
            # A coach's open offers, and their answer history for ranking.
            models.Index(fields=["coach", "status", "-offered_at"], name="dispatch_offer_coach_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["request", "rank"], name="dispatch_offer_rank"),
            # Only one coach is asked at a time ...
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="offered"), name="dispatch_offer_one_open"
            ),
            # ... and only one can ever win.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="accepted"),
                name="dispatch_offer_one_accepted",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["offered", "accepted", "declined", "expired", "withdrawn", "failed"]
                ),
                name="dispatch_offer_status",
            ),
            # Open offers have no answer yet; every other status has its moment.
            models.CheckConstraint(
                condition=Q(status="offered", answered_at__isnull=True)
                | (~Q(status="offered") & Q(answered_at__isnull=False)),
                name="dispatch_offer_answered",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("offered_at")), name="dispatch_offer_window"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer {self.rank} of {self.request_id} ({self.status})"
