"""Every user's ordered event stream, stored: the database is the truth, the channel layer
only a hint."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Stream(models.Model):
    """Where a user's stream stands: the last sequence number given out and the highest one
    removed by retention (a resume point below it cannot be served)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.BigIntegerField(default=0)
    floor_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(floor_seq__lte=models.F("last_seq")), name="stream_floor_le_last"
            )
        ]

    def __str__(self) -> str:
        return f"stream of user {self.user_id} at {self.last_seq}"


class Event(models.Model):
    """One event of one user's stream. Sequence numbers increase by one per user, without gaps:
    each is taken under the stream row's lock in the transaction that stores the event."""

    # The unique (user, seq) constraint leads with user: no separate index to maintain.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "seq"], name="event_user_seq")]
        indexes = [models.Index(fields=["created_at"], name="event_age_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} for user {self.user_id}"
