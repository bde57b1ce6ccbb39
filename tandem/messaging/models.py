"""Conversations, messages, attachments, reactions, read state, the blind search index and
send idempotency.

Message text and attachment contents are stored encrypted (see crypto.py): `Message.body`,
`Attachment.name` and the attachment file hold Fernet tokens, never plaintext. What stays in
clear is metadata: who talked to whom, when, sizes, types, reactions, read positions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Client and coach"
        SUPPORT = "support", "Support"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Direct: the two people, lower id first, so a pair can have only one row (constraint).
    # Support: `user_low` is the person asking; staff join as participants when they act.
    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Messages are numbered 1, 2, 3… per conversation; read positions compare against it.
    last_seq = models.BigIntegerField(default=0)
    last_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_low", "user_high"],
                condition=Q(kind="direct"),
                name="conversation_one_per_pair",
            ),
            models.UniqueConstraint(
                fields=["user_low"],
                condition=Q(kind="support"),
                name="conversation_one_support_per_user",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="direct", user_high__isnull=False, user_low__lt=F("user_high"))
                    | Q(kind="support", user_high__isnull=True)
                ),
                name="conversation_kind_parties",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-last_activity_at", "-id"], name="conversation_kind_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} conversation {self.public_id}"


class Participant(models.Model):
    """One person's place in a conversation: read position, archive and mute."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The `seq` of the last message this person has read (0: none).
    read_seq = models.BigIntegerField(default=0)
    archived = models.BooleanField(default=False)
    # Muted conversations still count unread; notifications skip them.
    muted = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="participant_unique"),
        ]
        indexes = [models.Index(fields=["user", "archived"], name="participant_user_idx")]

    def __str__(self) -> str:
        return f"user {self.user_id} in conversation {self.conversation_id}"


class Message(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    # Fernet token of the text ("" for an attachment without text, and once deleted).
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted message stays as a tombstone: its text, attachment and reactions are gone.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"message {self.seq} of conversation {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Attachment(models.Model):
    """A file sent with a message. The stored file is a Fernet token of the contents."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="attachment")
    file = models.FileField(upload_to="messaging/", max_length=200)
    name = models.TextField()  # Fernet token of the file name as the sender gave it
    content_type = models.CharField(max_length=64)  # from the contents, never the client
    size = models.PositiveIntegerField()  # of the plaintext
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"attachment {self.public_id}"


class Reaction(models.Model):
    class Emoji(models.TextChoices):
        THUMBS_UP = "👍", "thumbs up"
        HEART = "❤️", "heart"
        LAUGH = "😂", "laugh"
        WOW = "😮", "surprised"
        SAD = "😢", "sad"
        THANKS = "🙏", "thanks"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class SearchToken(models.Model):
    """Blind index: a keyed hash (HMAC-SHA256, truncated) of each word and prefix of a
    message. Search hashes the query the same way; the words themselves are never stored."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    # Denormalised so a search is scoped to the user's conversations without a join.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["digest", "conversation"], name="search_token_idx")]

    def __str__(self) -> str:
        return f"token of message {self.message_id}"


class SendIdempotency(models.Model):
    """A message sent with an Idempotency-Key: a retry returns it instead of posting again.

    `request_hash` is keyed (HMAC), so it cannot be used to confirm guesses of the text.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="send_idempotency_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="send_idempotency_age_idx")]

    def __str__(self) -> str:
        return f"send {self.key}"
