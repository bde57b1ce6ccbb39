"""The coaching workspace: engagements and the work between sessions.

Everything here belongs to one Engagement (a coach and a client) except journal entries,
which belong to the client and are shared with an engagement entry by entry. Only the
engagement's two people ever see its objects; selectors in selectors/access.py are the one
gate. Free text is EncryptedTextField (encrypted at rest; see core/encrypted.py): goal text,
milestones, check-in notes, session notes and their versions, action items and reflections,
journal entries and their tags, coach-assigned prompts. What stays in clear is metadata:
who, when, states, dates, progress numbers, moods, template names, client tags of the coach.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile
from tandem.core.encrypted import EncryptedTextField


class Engagement(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    class Source(models.TextChoices):
        BOOKING = "booking", "First booking"
        INVITATION = "invitation", "Invitation"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(CoachProfile, on_delete=models.PROTECT, related_name="engagements")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engagements"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.BOOKING)
    started_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The client's consent to a mood trend in progress reports (off until they say so).
    mood_in_reports = models.BooleanField(default=False)
    # Denormalised for the client list (kept by services and the booking receivers).
    last_session_at = models.DateTimeField(null=True, blank=True)
    next_session_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coach", "client"], name="engagement_one_per_pair"),
        ]
        indexes = [
            models.Index(fields=["coach", "state"], name="engagement_coach_state_idx"),
            models.Index(fields=["client", "state"], name="engagement_client_state_idx"),
        ]

    def __str__(self) -> str:
        return f"engagement {self.public_id}"


class EngagementTag(models.Model):
    """The coach's own labels for a client ("executive", "pro bono"): for filtering the list."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "name"], name="engagement_tag_unique"),
        ]
        indexes = [models.Index(fields=["name"], name="engagement_tag_name_idx")]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """A coach invites a client by email; accepting makes the account or links an existing one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    # Only the SHA-256 of the emailed token is stored.
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["coach", "email"], name="invitation_coach_email_idx")]

    def __str__(self) -> str:
        return f"invitation {self.public_id}"


class Goal(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "Dropped"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="goals")
    title = EncryptedTextField()
    why = EncryptedTextField(blank=True, default="")
    measure = EncryptedTextField(blank=True, default="")
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Derived (services keep it): milestones done / all when there are milestones, else the
    # last check-in's value; 0 with neither.
    progress = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["engagement", "status"], name="goal_engagement_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="goal_progress_range"),
        ]

    def __str__(self) -> str:
        return f"goal {self.public_id}"


class Milestone(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = EncryptedTextField()
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"milestone {self.public_id}"


class CheckIn(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["goal", "created_at"], name="checkin_goal_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="checkin_progress_range"),
        ]

    def __str__(self) -> str:
        return f"check-in {self.public_id}"


class NoteTemplate(models.Model):
    """A coach's own note template. The built-in ones (GROW, SOAP, blank) live in code:
    services/templates.py."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="note_templates")
    name = models.CharField(max_length=80)
    body = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coach", "name"], name="note_template_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SessionNote(models.Model):
    """One per session and visibility: the coach's private note and the shared one.

    `body` is the last saved version (also kept in NoteVersion); `draft` is the autosaved,
    not yet saved text (only its author sees it)."""

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only you)"
        SHARED = "shared", "Shared with the client"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="notes")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=7, choices=Visibility.choices)
    template = models.CharField(max_length=80, blank=True)
    body = EncryptedTextField(blank=True, default="")
    draft = EncryptedTextField(blank=True, default="")
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "visibility"], name="session_note_one_per_visibility"
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "visibility"], name="note_engagement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visibility} note {self.public_id}"


class NoteVersion(models.Model):
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = EncryptedTextField(blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="note_version_unique"),
        ]

    def __str__(self) -> str:
        return f"version {self.number} of note {self.note_id}"


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="action_items"
    )
    title = EncryptedTextField()
    detail = EncryptedTextField(blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Raised from a line of this note (the line itself is in `title`).
    source_note = models.ForeignKey(
        SessionNote, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    reflection = EncryptedTextField(blank=True, default="")
    # Exactly-once reminders: set by the conditional UPDATE that claims the notification.
    due_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["engagement", "status"], name="action_engagement_idx"),
            models.Index(fields=["assignee", "status", "due_date"], name="action_assignee_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="action_done_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"action item {self.public_id}"


class JournalPrompt(models.Model):
    """A prompt the coach assigns to the client (the built-in library lives in code:
    services/prompts.py)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="journal_prompts"
    )
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"prompt {self.public_id}"


class JournalEntry(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    body = EncryptedTextField()
    mood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # JSON list of tag strings, encrypted (tags can be as telling as the text).
    tags = EncryptedTextField(blank=True, default="")
    # A built-in prompt's key ("builtin:<slug>") or an assigned prompt.
    builtin_prompt = models.CharField(max_length=40, blank=True)
    prompt = models.ForeignKey(
        JournalPrompt, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    written_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["author", "-written_at"], name="journal_author_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mood__isnull=True) | Q(mood__gte=1, mood__lte=5),
                name="journal_mood_range",
            ),
        ]

    def __str__(self) -> str:
        return f"journal entry {self.public_id}"


class JournalShare(models.Model):
    """An entry the client shares with one engagement's coach; deleting it withdraws."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="shares")
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="journal_shares"
    )
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "engagement"], name="journal_share_unique"),
        ]
        indexes = [models.Index(fields=["engagement", "-shared_at"], name="journal_share_idx")]

    def __str__(self) -> str:
        return f"share of entry {self.entry_id}"


class SearchTerm(models.Model):
    """Blind index over one owner's own encrypted text (a coach's notes, a client's journal):
    keyed digests of words and prefixes (core/blind_index.py), never the words."""

    class Kind(models.TextChoices):
        NOTE = "note", "Session note"
        JOURNAL = "journal", "Journal entry"
        GOAL = "goal", "Goal"
        ACTION = "action", "Action item"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    object_id = models.BigIntegerField()
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "digest", "kind", "object_id"], name="search_term_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="search_term_object_idx")]

    def __str__(self) -> str:
        return f"{self.kind} term"


class CreateRecord(models.Model):
    """Idempotency-Key on workspace creates: the same key and body again returns the object
    made the first time; another body with that key is refused (services/idempotency.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100)
    body_hash = models.CharField(max_length=64)
    object_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="workspace_create_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.object_id}"
