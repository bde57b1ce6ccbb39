import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class Organisation(models.Model):
    """An employer or sponsor that runs coaching programs for its members."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="orgs_one_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


# --- sponsored coaching programmes (issue 18) ---------------------------------------------------


class Programme(models.Model):
    """Coaching an organisation buys for its people: seats, sessions per participant, a budget.

    The budget is money in the ledger (a `sponsor_budget` account owned by
    `budget_owner`), never a number stored here: funded by card, invoice or the
    organisation's credit, drawn down by the sessions it covers, and on ending what is left
    moves to the organisation's credit (payments/sponsors).
    """

    class CoachRule(models.TextChoices):
        ALL_VERIFIED = "all", "Every verified coach"
        LISTED = "listed", "Coaches I choose"
        SPECIALTY = "specialty", "Coaches with these specialties"

    class Location(models.TextChoices):
        ANY = "any", "Video or in person"
        VIDEO = "video", "Video call only"
        IN_PERSON = "in_person", "In person only"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programmes"
    )
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    coach_rule = models.CharField(
        max_length=10, choices=CoachRule.choices, default=CoachRule.ALL_VERIFIED
    )
    coaches = models.ManyToManyField("coaches.CoachProfile", blank=True, related_name="+")
    specialties = models.ManyToManyField("coaches.Specialty", blank=True, related_name="+")
    # Which session types the programme pays for: by length and by where they happen (a
    # sponsor cannot know every coach's own types).
    max_session_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    location = models.CharField(max_length=10, choices=Location.choices, default=Location.ANY)
    sessions_per_participant = models.PositiveSmallIntegerField()
    seats = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    # People with a verified email at this domain may join by themselves ("" = invitation only).
    join_domain = models.CharField(max_length=253, blank=True)
    survey_enabled = models.BooleanField(default=False)
    # Each budget alert goes out once: a conditional UPDATE sets these.
    budget_alert_80_at = models.DateTimeField(null=True, blank=True)
    budget_alert_100_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="programme_dates"
            ),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="programme_seats"),
            models.CheckConstraint(
                condition=models.Q(sessions_per_participant__gte=1),
                name="programme_sessions_each",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="programme_org_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_owner(self) -> str:
        """The ledger owner of this programme's budget account."""
        return f"programme:{self.pk}"


class Participant(models.Model):
    """A person in a programme: invited (by email, CSV or the domain rule), then active
    (holding a seat), paused (keeps the seat, cannot book) or removed (seat given back)."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        REMOVED = "removed", "Removed"

    class Source(models.TextChoices):
        INVITE = "invite", "Invited"
        CSV = "csv", "CSV import"
        DOMAIN = "domain", "Joined by email domain"

    # Statuses that hold a seat (counted against Programme.seats under the programme's lock).
    # An open invitation with `seat_reserved` holds one too (see holding_seat).
    SEATED = (Status.ACTIVE, Status.PAUSED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    email = models.EmailField(max_length=254)  # lower-cased
    name = models.CharField(max_length=150, blank=True)  # as the admin typed it, for the roster
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="programme_seats",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.INVITE)
    token_hash = models.CharField(max_length=64, blank=True)  # SHA-256 of the invitation link
    invited_at = models.DateTimeField(default=timezone.now)
    invite_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # A seat moved to this invitation is kept for it while the link works (see
    # participants.services.participant_move); only an invitation can hold a reservation.
    seat_reserved = models.BooleanField(default=False)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # The coach the participant chose (the programme covers sessions with this coach).
    coach = models.ForeignKey(
        "coaches.CoachProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    first_session_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "email"], name="participant_one_per_email"
            ),
            models.UniqueConstraint(
                fields=["programme", "user"],
                condition=models.Q(user__isnull=False),
                name="participant_one_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(seat_reserved=False) | models.Q(status="invited"),
                name="participant_reservation_invited",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="participant_status_idx"),
            models.Index(fields=["token_hash"], name="participant_token_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} in {self.programme_id} ({self.status})"

    @classmethod
    def holding_seat(cls, now: datetime, prefix: str = "") -> models.Q:
        """Who counts against Programme.seats at `now`: the seated, and open invitations
        with a reserved seat whose link still works. `prefix` for a lookup through a
        relation (e.g. "participants__")."""
        return models.Q(**{f"{prefix}status__in": cls.SEATED}) | models.Q(
            **{
                f"{prefix}status": cls.Status.INVITED,
                f"{prefix}seat_reserved": True,
                f"{prefix}invite_expires_at__gt": now,
            }
        )

    @property
    def was_invited(self) -> bool:
        """Someone invited them (by email or CSV). A domain join records no invitation:
        its invited_at is only the moment they joined."""
        return self.source != self.Source.DOMAIN

    def holds_reservation(self, now: datetime) -> bool:
        return (
            self.status == self.Status.INVITED
            and self.seat_reserved
            and self.invite_expires_at is not None
            and self.invite_expires_at > now
        )


class SponsoredSession(models.Model):
    """A booking the programme pays for: written in the booking's own transaction, under the
    programme's lock, by the sponsor port (orgs/sponsorship). `returned` is what a
    cancellation gave back to the budget; a session given back whole does not count against
    the participant's sessions."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="sessions")
    booking = models.OneToOneField(
        "booking.Booking", on_delete=models.CASCADE, related_name="sponsorship"
    )
    amount = models.BigIntegerField()  # minor units of the programme's currency
    returned = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0)
                & models.Q(returned__gte=0)
                & models.Q(returned__lte=models.F("amount")),
                name="sponsored_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "created_at"], name="sponsored_prog_idx"),
            models.Index(fields=["participant"], name="sponsored_part_idx"),
        ]

    def __str__(self) -> str:
        return f"booking {self.booking_id} paid by programme {self.programme_id}"


class SurveyResponse(models.Model):
    """A participant's short self-assessment at the start or end of a programme (when the
    programme enables it): three scores from 1 to 5. Sponsors see averages over at least
    MIN_GROUP respondents only."""

    class Phase(models.TextChoices):
        START = "start", "Start"
        END = "end", "End"

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="survey_responses"
    )
    phase = models.CharField(max_length=5, choices=Phase.choices)
    clarity = models.PositiveSmallIntegerField()
    confidence = models.PositiveSmallIntegerField()
    wellbeing = models.PositiveSmallIntegerField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "phase"], name="survey_one_per_phase"),
            models.CheckConstraint(
                condition=models.Q(clarity__gte=1, clarity__lte=5)
                & models.Q(confidence__gte=1, confidence__lte=5)
                & models.Q(wellbeing__gte=1, wellbeing__lte=5),
                name="survey_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} survey of participant {self.participant_id}"


class ProgrammeJob(models.Model):
    """A background job of a programme: a CSV import of participants or a report export.
    The page polls its progress; the result (an export file, or the import's per-row errors)
    stays with it."""

    class Kind(models.TextChoices):
        IMPORT_CSV = "import_csv", "Participant import (CSV)"
        EXPORT_CSV = "export_csv", "Report export (CSV)"
        EXPORT_XLSX = "export_xlsx", "Report export (Excel)"
        EXPORT_PDF = "export_pdf", "Report export (PDF)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    upload = models.FileField(upload_to="orgs/uploads/", blank=True)
    result = models.FileField(upload_to="orgs/exports/", blank=True)
    # Import: [{"line": 7, "email": "...", "code": "invalid_email", "message": "..."}]
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["programme", "created_at"], name="programme_job_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of programme {self.programme_id} ({self.status})"
