"""Gift cards: a code with a check character, a currency, a balance kept in the ledger."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class GiftCard(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        VOID = "void", "Void"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The code is a secret and is never stored: only a keyed digest of the normalised code
    # (HMAC-SHA256, key derived from SECRET_KEY; giftcards/codes.code_digest) to look it up,
    # and its last four symbols to tell cards apart.
    code_digest = models.CharField(max_length=64, unique=True)
    code_hint = models.CharField(max_length=4)
    currency = models.CharField(max_length=3)
    initial_amount = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    purchaser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_email = models.EmailField(blank=True)
    # Who holds it now (set when redeemed to an account or transferred to a known user).
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gift_cards",
    )
    message = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="giftcard_expiry_idx")]

    # The full code, in memory only, on the instance that made (or re-keyed) it, so that
    # request can show it once and mail it; never saved, never read back.
    issued_code: str = ""

    def __str__(self) -> str:
        return f"gift card …{self.code_hint} ({self.currency})"


class GiftCardEvent(models.Model):
    """The card's full history, append-only."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "Issued"
        PURCHASED = "purchased", "Purchased"
        REDEEMED = "redeemed", "Redeemed"
        RESTORED = "restored", "Restored by a refund"
        REFUNDED = "refunded", "Refunded to the buyer"
        TRANSFERRED = "transferred", "Transferred"
        EXPIRED = "expired", "Expired"

    card = models.ForeignKey(GiftCard, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.BigIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
