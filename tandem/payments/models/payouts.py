"""Payouts: what a coach was paid out of their payable balance, and how."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Payout(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "To be paid (manual export)"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    class Method(models.TextChoices):
        MANUAL = "manual", "Manual (CSV export)"
        STRIPE_CONNECT = "stripe_connect", "Stripe Connect transfer"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        "coaches.CoachProfile", on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    method = models.CharField(max_length=16, choices=Method.choices)
    status = models.CharField(max_length=8, choices=Status.choices)
    provider_ref = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.UniqueConstraint(
                fields=["coach", "currency", "period_end"], name="payout_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount} {self.currency} to {self.coach}"
